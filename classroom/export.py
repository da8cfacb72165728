"""A class's results for the lecturer to keep: JSON (results.json's payload) and CSV (one row
a student's run, the per-layer lists spread over numbered columns)."""

from __future__ import annotations

import csv
import io
import json

from classroom.summary import COLUMNS

_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run a cell starting so


def to_json(payload: dict) -> str:
    keep = ("class", "assignment", "joined", "closed", "results")
    return json.dumps({k: payload[k] for k in keep if k in payload}, indent=2,
                      ensure_ascii=False) + "\n"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def to_csv(payload: dict) -> str:
    rows = payload.get("results", [])
    layers = max((len(r["grad_norms_start"]) for r in rows), default=0)
    head = [*COLUMNS, *(f"distinct_units_{i}" for i in range(1, layers + 1)),
            *(f"grad_norm_start_{i}" for i in range(1, layers + 1))]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    for r in rows:
        pad = [None] * (layers - len(r["grad_norms_start"]))
        writer.writerow([_cell(v) for v in (
            *(r.get(k) for k in COLUMNS), *r["distinct_units"], *pad,
            *r["grad_norms_start"], *pad)])
    return out.getvalue()
