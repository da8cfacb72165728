"""viz.classroom: the Class page's figures, tested on their data (traces, axes, scales), on a
room of real runs; and viz.qr's join-link image.

Plotly's validation is on here (the app skips it for speed), so a misspelt property fails.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from classroom import codes, result
from classroom.assignment import Assignment
from core import lessons, sweep
from core.compare import Lockstep
from core.config import validate
from viz import classroom as figures
from viz import qr, style

SHARED = validate(depth=3, width=6, n_samples=80, batch_size=16, activation="tanh", lr=0.1)
STUDENTS = 8

LESSONS = lessons.builtin()


@pytest.fixture(autouse=True)
def validate_figures():
    before = style.VALIDATE
    style.VALIDATE = True
    yield
    style.VALIDATE = before


@pytest.fixture(scope="module")
def room():
    """A class's payload: 8 students, each running zeros against He (a Compare assignment)
    with their own seed, as the store hands it out."""
    assignment = Assignment.for_compare(SHARED, [SHARED.replace(init="zeros"),
                                                 SHARED.replace(init="he_normal")], steps=150)
    results = []
    for student in range(1, STUDENTS + 1):
        lockstep = Lockstep(assignment.comparison(1000 + student)).run(assignment.steps)
        for run, entry in enumerate(result.from_lockstep(lockstep)):
            results.append({"student": student, "run": run, **entry})
    return {"class": "7K3M9Q2D", "assignment": assignment.as_dict(), "joined": STUDENTS,
            "closed": False, "results": results}


def labels_of(room):
    return room["assignment"]["run_labels"]


def test_final_loss_is_a_box_per_initializer_with_a_dot_per_student(room):
    fig = figures.final_loss_figure(room)
    boxes = [t for t in fig.data if t.type == "box"]
    assert [b.name for b in boxes] == labels_of(room) == ["zeros", "he_normal"]
    for b, label in zip(boxes, labels_of(room), strict=True):
        mine = [r["final_loss"] for r in room["results"] if r["label"] == label]
        assert b.boxpoints == "all" and len(b.y) == len(mine) == STUDENTS
        np.testing.assert_allclose(sorted(b.y), sorted(mine))
    assert boxes[0].line.color != boxes[1].line.color
    # zeros sit at the constant guess; the lines mark it and the "trained" threshold
    base = np.median([r["baseline_loss"] for r in room["results"]])
    ys = sorted(s.y0 for s in fig.layout.shapes)
    np.testing.assert_allclose(ys, [sweep.DEFAULT_THRESHOLD * base, base])
    np.testing.assert_allclose(boxes[0].y, base, atol=1e-6)
    assert fig.layout.yaxis.title.text == "final training loss"
    # three significant digits, trailing zeros trimmed: the axis read "0.00" under "0.100"
    assert fig.layout.yaxis.tickformat == ".3~g"
    assert fig.layout.xaxis.categoryarray[0].startswith("zeros<br>8 runs")


def test_a_diverged_run_is_counted_under_its_label_not_drawn():
    rows = [{"student": 1, "run": 0, "label": "big", "init": "random_normal", "init_seed": 1,
             "steps": 9, "final_loss": None, "baseline_loss": 0.69, "trained": False,
             "diverged_at": 4, "distinct_units": [8, 1], "grad_norms_start": [1e7, 1e8],
             "answer": None, "run_answer": None}]
    fig = figures.final_loss_figure({"assignment": {"run_labels": ["big"]}, "results": rows})
    (box,) = fig.data
    assert len(box.y) == 0 and "1 diverged" in fig.layout.xaxis.categoryarray[0]


def test_the_fraction_trained_per_initializer(room):
    fig = figures.trained_figure(room)
    (bars,) = fig.data
    assert list(bars.x) == labels_of(room)
    for label, y, text in zip(bars.x, bars.y, bars.text, strict=True):
        mine = [r["trained"] for r in room["results"] if r["label"] == label]
        assert y == pytest.approx(np.mean(mine)) and text == f"{sum(mine)} of {len(mine)}"
    assert bars.y[0] == 0 and bars.y[1] > 0.5  # zeros never trains; He mostly does
    assert fig.layout.yaxis.tickformat == ".0%" and list(fig.layout.yaxis.range) == [0, 1.15]


def test_gradient_norms_at_step_0_every_student_and_the_median_on_a_log_axis(room):
    fig = figures.grad_norms_figure(room)
    assert fig.layout.yaxis.type == "log"
    students = [t for t in fig.data if t.name.endswith(": students")]
    medians = [t for t in fig.data if t.name.endswith("(median)")]
    assert len(students) == len(medians) == 2  # one trace per label, however many students
    layers = ["layer 1", "layer 2", "layer 3", "output"]
    assert list(medians[1].x) == layers
    he = np.array([r["grad_norms_start"] for r in room["results"] if r["label"] == "he_normal"])
    np.testing.assert_allclose(medians[1].y, np.median(he, axis=0))
    # every student's line: 4 layers and a gap, eight times
    assert len(students[1].x) == STUDENTS * (len(layers) + 1)
    assert students[1].x[:5] == (*layers, None)
    np.testing.assert_allclose(np.array(students[1].y[:4], float), he[0])
    # zeros (tanh(0) = 0 feeds the output too): every gradient exactly 0, which a log axis
    # cannot draw: gaps, and a note that says so
    assert all(v is None for v in medians[0].y) and all(v is None for v in students[0].y)
    assert any("zeros: every gradient exactly 0" in a.text for a in fig.layout.annotations)
    lo, hi = fig.layout.yaxis.range
    assert 10 ** lo <= he.min() and he.max() <= 10 ** hi


def test_all_zero_gradients_are_named_not_left_blank():
    rows = [{"student": k, "run": 0, "label": "zeros", "init": "zeros", "init_seed": k,
             "steps": 5, "final_loss": 0.69, "baseline_loss": 0.69, "trained": False,
             "diverged_at": None, "distinct_units": [1, 1, 1], "grad_norms_start": [0, 0, 0],
             "answer": None, "run_answer": None} for k in (1, 2)]
    fig = figures.grad_norms_figure({"assignment": {"run_labels": ["zeros"]}, "results": rows})
    assert any("every gradient exactly 0" in a.text for a in fig.layout.annotations)


def test_distinct_units_per_hidden_layer_zeros_all_one(room):
    fig = figures.distinct_units_figure(room)
    zeros, he = fig.data
    assert (zeros.name, he.name) == ("zeros", "he_normal") and fig.layout.boxmode == "group"
    assert set(zeros.y) == {1}  # symmetry never broken
    assert set(he.y) == {SHARED.width}  # every unit its own
    assert len(zeros.y) == STUDENTS * SHARED.depth  # hidden layers only, not the output
    assert list(fig.layout.xaxis.categoryarray) == ["layer 1", "layer 2", "layer 3"]
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] > SHARED.width


def test_answers_before_and_after_the_runs():
    lesson = Assignment.for_lesson(LESSONS["zeros"], ask=True, steps=100)
    from core.trainer import Trainer

    rows = []
    for student, pick in enumerate([0, 0, 1, 0, 1], start=1):
        t = Trainer(lesson.runs(student)[0])
        t.run(100)
        rows.append({"student": student, "run": 0,
                     **result.compute(t, answer=pick, question=lesson.asked)})
    fig = figures.answers_figure({"assignment": lesson.as_dict(), "results": rows})
    before, after = fig.data
    assert before.name == "said before the runs" and after.name == "the runs show"
    assert list(before.x) == [0.6, 0.4] and list(after.x) == [0, 1.0]  # it stays at ln 2
    assert list(before.text) == ["3", "2"]
    assert fig.layout.title.text == lesson.asked.prompt
    note = fig.layout.title.subtitle.text.replace("<br>", " ")
    assert note.startswith("60% said “yes, it learns something”; the runs say “no, it stays")
    assert figures.answers_figure({"assignment": {"question": None}, "results": rows}) is None


@pytest.mark.parametrize("build", [figures.final_loss_figure, figures.trained_figure,
                                   figures.grad_norms_figure, figures.distinct_units_figure])
def test_projected_every_text_is_legible_at_1280_by_720(room, build):
    fig = build(room, projected=True)
    spec = fig.to_plotly_json()
    assert spec["layout"]["height"] <= 720
    sizes = []

    def fonts(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k.endswith("font") and isinstance(v, dict) and "size" in v:
                    sizes.append(v["size"])
                fonts(v)
        elif isinstance(node, list):
            for v in node:
                fonts(v)

    fonts(spec)
    assert sizes and min(sizes) >= style.PROJECTOR_FONT


def test_an_empty_class_says_results_are_on_their_way():
    empty = {"assignment": {"run_labels": ["he_normal"]}, "results": []}
    for build in (figures.final_loss_figure, figures.trained_figure,
                  figures.grad_norms_figure, figures.distinct_units_figure):
        fig = build(empty)
        assert not fig.data and "No results yet" in fig.layout.annotations[0].text


# ---------------------------------------------------------------- the join link's QR code


def test_the_join_link_carries_the_code_and_never_a_key():
    code, key = codes.new_code(), codes.new_key()
    link = codes.join_link("https://class.example.org/", code)
    assert link == f"https://class.example.org/class?class={code}" and "key" not in link
    assert codes.lecturer_link("https://h", code, key).endswith(f"?class={code}&key={key}")


def test_the_qr_png_is_the_symbol_s_modules_at_its_size():
    link = codes.join_link("https://class.example.org", "7K3M9Q2D")
    scale, border = 6, qr.BORDER
    data = qr.png(link, scale=scale)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (qr.size_px(link, scale),) * 2
    matrix = np.array([list(row) for row in qr.make(link).matrix], dtype=bool)
    side = matrix.shape[0]
    assert image.size[0] == (side + 2 * border) * scale
    # each module's centre pixel is dark exactly where the symbol has a dark module
    pixels = np.array(image.convert("L"))
    centres = (np.arange(side) + border) * scale + scale // 2
    dark = pixels[np.ix_(centres, centres)] < 128
    assert (dark == matrix).all()
    assert pixels[:border * scale].min() > 128  # the quiet zone is blank
    svg = qr.svg(link).decode()
    assert svg.startswith("<svg") and "Join the class" in svg
