"""The room's results read together: per run label, and the question's answers before and
after the runs. Pure functions of a results payload (``Store.results``, results.json)."""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ("student", "run", "label", "init", "init_seed", "steps", "final_loss",
           "baseline_loss", "trained", "diverged_at", "answer", "run_answer")


def frame(payload: dict) -> pd.DataFrame:
    """One row per result (a student's run), the per-layer lists kept as lists."""
    rows = payload.get("results", [])
    df = pd.DataFrame(rows, columns=[*COLUMNS, "distinct_units", "grad_norms_start"])
    for col in ("final_loss", "baseline_loss"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    df["trained"] = df["trained"].astype(bool)
    return df


def labels(payload: dict) -> list[str]:
    """The runs' names in the assignment's order, then any others the results carry."""
    order = list((payload.get("assignment") or {}).get("run_labels") or [])
    for r in payload.get("results", []):
        if r["label"] not in order:
            order.append(r["label"])
    return order


def by_label(payload: dict) -> pd.DataFrame:
    """Per run label: results, how many trained (and the fraction), how many diverged, the
    median final loss."""
    df = frame(payload)
    out = []
    for name in labels(payload):
        g = df[df["label"] == name]
        n = len(g)
        out.append({"label": name, "results": n, "trained": int(g["trained"].sum()),
                    "trained_fraction": float(g["trained"].mean()) if n else np.nan,
                    "diverged": int(g["diverged_at"].notna().sum()),
                    "median_final_loss": float(g["final_loss"].median()) if n else np.nan})
    return pd.DataFrame(out, columns=["label", "results", "trained", "trained_fraction",
                                      "diverged", "median_final_loss"])


def answers(payload: dict) -> dict | None:
    """The question's answers before the runs (the students' picks, one a student) and
    after (what each student's run shows), with a sentence for the room; None when the
    assignment asks no question."""
    question = (payload.get("assignment") or {}).get("question")
    if not question:
        return None
    choices = list(question["choices"])
    before, after = [0] * len(choices), [0] * len(choices)
    seen = set()
    for r in payload.get("results", []):
        if r["student"] in seen:
            continue  # one pick a student (Compare's runs share it; a lesson has one run)
        seen.add(r["student"])
        if r.get("answer") is not None and r["answer"] < len(choices):
            before[r["answer"]] += 1
        if r.get("run_answer") is not None and r["run_answer"] < len(choices):
            after[r["run_answer"]] += 1
    return {"prompt": question["prompt"], "choices": choices, "before": before,
            "after": after, "sentence": sentence(choices, before, after)}


def sentence(choices: list[str], before: list[int], after: list[int]) -> str:
    """E.g. "40% said “layer 1, next to the input”; the runs say “layer 1, next to the
    input” (12 of 12 runs)." """
    said, shown = sum(before), sum(after)
    if not said and not shown:
        return "No answers yet."
    parts = []
    if said:
        top = int(np.argmax(before))
        parts.append(f"{round(100 * before[top] / said)}% said “{choices[top]}”")
    else:
        parts.append("nobody answered before the runs")
    if shown:
        top = int(np.argmax(after))
        parts.append(f"the runs say “{choices[top]}” ({after[top]} of {shown} "
                     f"run{'s' * (shown != 1)})")
    else:
        parts.append("the runs have not answered yet")
    return "; ".join(parts) + "."
