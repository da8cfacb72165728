"""classroom's pure parts: codes and keys, the assignment, a result from a real run, the
outbox's back-off, the room's summary and the exports. (The store: test_class_store.py.)"""

from __future__ import annotations

import csv
import io
import json
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classroom import codes, export, result, summary
from classroom.assignment import Assignment
from classroom.outbox import Outbox, Post
from classroom.store import ClassClosed, StoreUnavailable
from core import lessons, sweep
from core.config import validate
from core.trainer import Trainer

LESSONS = lessons.builtin()

SMALL = dict(depth=2, width=6, n_samples=80, batch_size=16)

# ---------------------------------------------------------------- codes and keys


def test_codes_are_short_upper_case_unambiguous_and_random():
    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) == 2000
    assert all(len(c) == 8 and set(c) <= set(codes.ALPHABET) for c in drawn)
    assert not set("ILOU") & set(codes.ALPHABET) and len(codes.ALPHABET) == 32
    assert codes.CODE_BITS >= 40
    # every character is used, about evenly (secrets.choice over the alphabet)
    counts = [sum(c.count(ch) for c in drawn) for ch in codes.ALPHABET]
    assert min(counts) > 0.6 * 16000 / 32


def test_keys_and_tokens_have_their_bits_and_are_never_codes():
    key, token = codes.new_key(), codes.new_token()
    assert len(key) == 32 and codes.KEY_BYTES * 8 >= 128
    assert codes.parse_key(key) == key and codes.parse_token(token) == token
    assert not codes.is_code(key)
    assert codes.same_digest(key, codes.digest(key))
    assert not codes.same_digest(codes.new_key(), codes.digest(key))
    assert len(codes.digest(key)) == 64 and key not in codes.digest(key)


def test_a_typed_code_is_read_as_crockford_reads_it():
    assert codes.parse_code(" 7k3m-9q2d ") == "7K3M9Q2D"
    assert codes.parse_code("o1il-ABCD") == "0111ABCD"
    assert codes.shown("7K3M9Q2D") == "7K3M-9Q2D"
    for bad in ("", "7K3M9Q2", "7K3M9Q2DX", "7K3M9Q2U", "7K3M_9Q2", None, 7, "é" * 8):
        with pytest.raises(codes.BadShape, match="class code"):
            codes.parse_code(bad)


@given(st.text(max_size=60))
def test_any_text_is_a_code_or_refused_with_a_message(text):
    try:
        code = codes.parse_code(text)
    except codes.BadShape as err:
        assert "class code" in str(err)
    else:
        assert len(code) == 8 and set(code) <= set(codes.ALPHABET)


# ---------------------------------------------------------------- the assignment


def test_an_assignment_round_trips_and_checks_what_it_holds():
    lesson = Assignment.for_lesson(LESSONS["too_small"], ask=True)
    assert lesson.steps == 300 and lesson.seeding == "each" and lesson.seed is None
    assert Assignment.from_dict(json.loads(json.dumps(lesson.as_dict()))) == lesson
    d = lesson.as_dict()
    assert d["question"]["prompt"].startswith("Which layer") and len(d["question"]["choices"]) == 4
    assert d["run_labels"] == ["random_normal(stddev=0.01)"]
    seeds = {lesson.draw_seed() for _ in range(20)}
    assert len(seeds) > 15  # each student draws their own
    shared = Assignment.for_explore(validate(**SMALL), seeding="shared", seed=42)
    assert {shared.draw_seed() for _ in range(5)} == {42}
    assert shared.runs(42)[0].init_seed == 42 and shared.runs(42)[0].steps == 300
    for bad in (dict(steps=0), dict(steps=5001), dict(seeding="some"),
                dict(seeding="each", seed=3), dict(ask=True)):
        with pytest.raises(ValueError, match="assignment"):
            Assignment.for_explore(validate(**SMALL), **bad)
    with pytest.raises(ValueError, match="step 1000"):  # the question needs a longer run
        Assignment.for_lesson(LESSONS["glorot_bengio_sigmoid"], ask=True)
    with pytest.raises(ValueError, match="lesson"):
        Assignment("lesson", LESSONS["zeros"].config, lesson="")
    with pytest.raises(ValueError, match="shared by every column"):
        s = validate(**SMALL)
        Assignment.for_compare(s, [s.replace(init="zeros"), s.replace(dataset="xor")])
    with pytest.raises(ValueError):
        Assignment.from_dict({"kind": "explore", "config": {"depth": 999}})


# ---------------------------------------------------------------- a result from a run


def run(cfg, steps):
    t = Trainer(cfg)
    t.run(steps)
    return t


def test_a_zeros_run_reads_as_symmetric_and_untrained():
    a = Assignment.for_lesson(LESSONS["zeros"], ask=True, steps=100)
    t = run(a.runs(11)[0], 100)
    r = result.compute(t, answer=0, question=a.asked)
    assert r["init"] == "zeros" and r["init_seed"] == 11 and r["steps"] == 100
    assert r["distinct_units"] == [1, 1, 1, 1]  # every hidden layer one unit, and the output
    assert r["grad_norms_start"][:3] == [0.0, 0.0, 0.0]
    assert r["final_loss"] == pytest.approx(math.log(2), abs=1e-6) and not r["trained"]
    assert r["diverged_at"] is None
    assert (r["answer"], r["run_answer"]) == (0, 1)  # said "it learns"; the run: stays at ln 2


def test_a_he_run_trains_by_sweep_s_rule():
    t = run(validate(**SMALL, init="he_normal", activation="relu", init_seed=3, lr=0.1), 300)
    r = result.compute(t)
    base = sweep.baseline_loss(t.data, t.config.loss)
    assert r["baseline_loss"] == pytest.approx(base)
    assert r["trained"] == (r["final_loss"] < sweep.DEFAULT_THRESHOLD * base)
    assert r["trained"]
    assert r["distinct_units"] == [6, 6, 1] and all(g > 0 for g in r["grad_norms_start"])
    assert r["answer"] is None and r["run_answer"] is None


def test_a_diverged_run_has_its_step_and_no_final_loss():
    a = Assignment.for_lesson(LESSONS["too_large_relu"], ask=True, steps=20)
    t = run(a.runs(1)[0], 20)
    r = result.compute(t, answer=2, question=a.asked)
    assert r["diverged_at"] is not None and r["final_loss"] is None and not r["trained"]
    assert r["grad_norms_start"][0] > 1e3 and r["run_answer"] == 2
    assert all(isinstance(d, int) for d in r["distinct_units"])


def test_an_answer_is_checked_against_the_question():
    a = Assignment.for_lesson(LESSONS["zeros"], ask=True, steps=100)
    t = run(a.runs(1)[0], 5)
    for bad in (2, -1, True, "0", 0.0):
        with pytest.raises(ValueError, match="answer"):
            result.compute(t, answer=bad, question=a.asked)
    with pytest.raises(ValueError, match="no question"):
        result.compute(t, answer=0)
    r = result.compute(t, answer=1, question=a.asked)
    assert r["run_answer"] is None  # before step 100 the run cannot tell yet


# ---------------------------------------------------------------- the outbox


class FlakyStore:
    """Down until ``up`` is set; records what it took, by key (as the real store's upsert)."""

    def __init__(self):
        self.up, self.taken, self.calls, self.closed = False, {}, 0, False

    def send(self, post):
        self.calls += 1
        if self.closed:
            raise ClassClosed("Class closed")
        if not self.up:
            raise StoreUnavailable("Class results unavailable, retrying…")
        self.taken[post.key] = post.entries


def test_the_outbox_backs_off_exponentially_and_delivers_once_back():
    store = FlakyStore()
    box = Outbox(store.send, jitter=0)
    box.put(Post("AAAAAAAA", "t" * 24, 1, [{"steps": 300}]), now=0)
    now, waits = 0.0, []
    for _ in range(7):
        (outcome,) = box.flush(now)
        assert outcome.state == "waiting" and "unavailable" in outcome.message
        waits.append(outcome.retry_in)
        assert box.flush(now + outcome.retry_in - 0.01) == []  # nothing before it is due
        now += outcome.retry_in
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    assert "trying again in 30 s" in box.status(now - 30)
    store.up = True
    assert [o.state for o in box.flush(now)] == ["sent"]
    assert len(box) == 0 and box.status(now) is None and box.flush(now + 100) == []
    assert list(store.taken.values()) == [[{"steps": 300}]]


def test_a_newer_post_replaces_a_waiting_one_and_keeps_its_schedule():
    store = FlakyStore()
    box = Outbox(store.send, jitter=0)
    key = ("AAAAAAAA", "t" * 24, 1)
    box.put(Post(*key, [{"steps": 120}]), now=0)  # "Send to class" early
    box.flush(0)
    box.put(Post(*key, [{"steps": 300}]), now=0.5)  # then the run reaches its steps
    assert len(box) == 1 and box.next_due == 1
    store.up = True
    box.flush(1)
    assert store.taken == {key: [{"steps": 300}]}


def test_a_refused_post_is_dropped_with_the_store_s_message():
    store = FlakyStore()
    store.closed = True
    box = Outbox(store.send)
    box.put(Post("AAAAAAAA", "t" * 24, 1, []), now=0)
    (outcome,) = box.flush(0)
    assert outcome.state == "refused" and "closed" in outcome.message and len(box) == 0


def test_jitter_spreads_a_room_s_retries():
    waits = {Outbox(None, rng=random.Random(k).random).backoff(3) for k in range(30)}
    assert len(waits) == 30 and all(4 <= w <= 5 for w in waits)


# ---------------------------------------------------------------- the room together


def payload(results, question=None, labels=("zeros", "he_normal")):
    return {"class": "7K3M9Q2D", "assignment": {"run_labels": list(labels),
                                                "question": question}, "results": results}


def entry(student, label, loss, trained, answer=None, run_answer=None, layers=3):
    return {"student": student, "run": 0, "label": label, "init": label, "init_seed": student,
            "steps": 300, "final_loss": loss, "baseline_loss": 0.69, "trained": trained,
            "diverged_at": None if loss is not None else 4, "distinct_units": [6] * layers,
            "grad_norms_start": [0.1 * student] * layers, "answer": answer,
            "run_answer": run_answer}


def test_the_room_by_label_and_its_answers_before_and_after():
    q = {"prompt": "Which layer?", "choices": ["layer 1", "a middle layer", "the output"]}
    rows = [entry(1, "zeros", 0.69, False, 0, 0), entry(2, "he_normal", 0.1, True, 0, 0),
            entry(3, "he_normal", None, False, 2, 0), entry(4, "he_normal", 0.2, True, 1, 0),
            entry(5, "zeros", 0.69, False, 0, None)]
    by = summary.by_label(payload(rows, q)).set_index("label")
    assert list(by.index) == ["zeros", "he_normal"]
    assert by.loc["he_normal", "trained_fraction"] == pytest.approx(2 / 3)
    assert by.loc["he_normal", "diverged"] == 1 and by.loc["zeros", "trained"] == 0
    answers = summary.answers(payload(rows, q))
    assert answers["before"] == [3, 1, 1] and answers["after"] == [4, 0, 0]
    assert answers["sentence"] == "60% said “layer 1”; the runs say “layer 1” (4 of 4 runs)."
    assert summary.answers(payload(rows)) is None
    assert summary.sentence(["a", "b"], [0, 0], [0, 0]) == "No answers yet."


def test_exports_hold_every_result_and_no_formula():
    rows = [entry(1, "zeros", 0.69, False), entry(2, "=cmd|' /C calc'!A0", None, False,
                                                   layers=2)]
    p = payload(rows)
    back = json.loads(export.to_json(p))
    assert back["results"] == rows and back["class"] == "7K3M9Q2D"
    table = list(csv.DictReader(io.StringIO(export.to_csv(p))))
    assert len(table) == 2
    assert table[0]["grad_norm_start_3"] == "0.1" and table[1]["grad_norm_start_3"] == ""
    assert table[1]["final_loss"] == "" and table[1]["diverged_at"] == "4"
    assert table[1]["label"].startswith("'=")  # a spreadsheet shows it, never runs it
