"""ui.query: every page's address, written and read back; every bad entry named."""

import pytest

from classroom import codes
from core import config, sweep
from core.compare import Comparison
from core.config import validate
from ui import query as codec
from ui.catalogue import LESSONS
from ui.query import ClassLink, CompareLink, ExploreLink, SweepLink

# ------------------------------------------------------------------ a run's settings


def test_only_what_differs_from_the_base_is_written():
    assert codec.encode_run(config.DEFAULT) == {}
    cfg = validate(depth=5, init="random_normal", init_params={"stddev": 0.3})
    assert codec.encode_run(cfg) == {"depth": "5", "init": "random_normal",
                                     "init.stddev": "0.3"}
    base = validate(init="random_normal", init_params={"stddev": 0.3})
    assert codec.encode_run(cfg, base) == {"depth": "5"}


def test_a_new_initializer_reads_back_with_its_own_defaults():
    base = validate(init="variance_scaling",
                    init_params={"scale": 2.0, "distribution": "untruncated_normal"})
    cfg = base.replace(init="variance_scaling", init_params={"scale": 2.0})
    q = codec.encode_run(cfg, base)
    assert q == {"init": "variance_scaling", "init.scale": "2.0"}
    assert codec.decode_run(q, base) == (cfg, [])


@pytest.mark.parametrize("cfg", [
    validate(),
    validate(dataset="plane"),
    validate(dataset="spiral", loss="softmax_ce", activation="relu", depth=0),
    validate(init="constant", init_params={"value": -0.3}, bias_init="constant",
             bias_init_params={"value": 0.1}, init_scale=2.5, lr=3e-4, optimizer="adam"),
    validate(depth=4, layer_inits={2: ("orthogonal", {"gain": 2.0}), 5: "zeros"}),
    validate(noise=0.0, dropout=0.5, l2=1e-3, data_seed=7, init_seed=2**32 - 1),
])
@pytest.mark.parametrize("base", [config.DEFAULT, LESSONS["glorot_bengio_sigmoid"].config])
def test_every_configuration_reads_back_exactly(cfg, base):
    assert codec.decode_run(codec.encode_run(cfg, base), base) == (cfg, [])


def test_a_bad_entry_is_named_and_left_at_the_base():
    cfg, errors = codec.decode_run({"depth": "nan", "width": "16", "init.stddev": "1"})
    assert cfg == validate(width=16)
    assert any("depth" in e for e in errors) and any("stddev" in e for e in errors)


def test_a_combination_no_entry_shows_leaves_the_base():
    cfg, errors = codec.decode_run({"dataset": "plane", "loss": "bce"})
    assert cfg == config.DEFAULT and "regression" in errors[-1]


# ------------------------------------------------------------------ Explore


def test_a_bare_lesson_link_opens_the_lessons_network():
    link, errors = codec.explore({"lesson": "too_small"})
    assert errors == [] and link == ExploreLink(LESSONS["too_small"].config, "too_small")
    assert codec.explore_query(link) == {"lesson": "too_small"}


def test_an_explore_link_carries_lesson_settings_and_panels():
    cfg = LESSONS["he_relu_30"].config.replace(lr=0.02)
    link = ExploreLink(cfg, "he_relu_30", ("loss", "gradient flow"))
    q = codec.explore_query(link)
    assert q == {"lesson": "he_relu_30", "lr": "0.02", "panels": "loss,gradient flow"}
    assert codec.explore(q) == (link, [])
    assert codec.explore({**q, "present": "1"}) == (link, [])  # the view's, not the page's


def test_a_lesson_link_can_ask_the_lessons_question_first():
    link = ExploreLink(LESSONS["too_small"].config, "too_small", ask=True)
    q = codec.explore_query(link)
    assert q == {"lesson": "too_small", "ask": "1"}
    assert codec.explore(q) == (link, [])


EXPLORE_BAD = [
    ({"ask": "yes", "lesson": "zeros"}, ["ask", "'yes'", "0 or 1"]),
    ({"ask": "1"}, ["ask=1", "no lesson"]),
    ({"lesson": "nope"}, ["lesson", "'nope'", "too_small"]),
    ({"lesson": "x" * 300}, ["lesson", "…"]),
    ({"panels": "loss,frogs"}, ["panels", "'frogs'", "gradient flow"]),
    ({"present": "yes"}, ["present", "0 or 1"]),
    ({"depth": "-1"}, ["depth", "0 to 64"]),
    ({"what": "1"}, ["'what'", "unknown"]),
]


# ------------------------------------------------------------------ Compare

SHARED = validate(depth=2, width=6, batch_size=16, dropout=0.1, n_samples=120, data_seed=3,
                  train_seed=4, init_seed=10)


def test_compare_round_trip():
    columns = [SHARED.replace(init="zeros"),
               SHARED.replace(init="random_normal", init_params={"stddev": 0.2},
                              activation="relu"),
               SHARED.replace(init="he_normal", lr=0.5)]
    link = CompareLink(Comparison(SHARED, columns, 7), "iqr")
    q = codec.compare_query(link)
    assert q["c1.init"] == "zeros" and q["c2.init.stddev"] == "0.2"
    assert q["c2.activation"] == "relu" and q["seeds"] == "7" and q["band"] == "iqr"
    assert codec.comparison(q) == (link, [])


def test_compare_with_two_columns_named():
    link, errors = codec.comparison({"c1.init": "zeros", "c2.init": "he_normal"})
    assert [c.init for c in link.comparison.columns] == ["zeros", "he_normal"]
    assert errors == []


def test_an_empty_compare_link_is_the_classroom_four():
    link, errors = codec.comparison({})
    assert errors == [] and link == CompareLink()
    assert [c.init for c in link.comparison.columns] == [
        "zeros", "random_normal", "glorot_uniform", "he_normal"]


COMPARE_BAD = [
    ({"present": "2"}, ["present", "0 or 1"]),
    ({"c1.init": "nope"}, ["column 1", "init", "'nope'"]),
    ({"cols": "9"}, ["cols", "2 to 6"]),
    ({"seeds": "0"}, ["seeds", "1 to 32"]),
    ({"seeds": "abc"}, ["seeds"]),
    ({"band": "x"}, ["band", "minmax"]),
    ({"c2.width": "0"}, ["column 2", "width", "1 to 512"]),
    ({"c9.init": "zeros"}, ["column 9", "does not exist"]),
    ({"c1.frobnicate": "1"}, ["column 1", "frobnicate", "unknown"]),
    ({"c1.data_seed": "3"}, ["data_seed", "unknown"]),
    ({"c1.init.stddev": "-1"}, ["column 1", "stddev"]),
    ({"depth": "nan"}, ["depth"]),
    ({"init": "zeros"}, ["per column"]),
]


# ------------------------------------------------------------------ Sweep


def test_sweep_round_trip():
    base = validate(width=6, n_samples=120, init="random_normal", init_params={"stddev": 0.3})
    spec = sweep.Spec(base, sweep.Axis("lr", (0.01, 0.1)), sweep.Axis("width", (4, 8, 16)), 3,
                      40)
    link = SweepLink(spec, 0.5, "relu_stall")
    q = codec.sweep_query(link)
    assert q["preset"] == "relu_stall" and q["xv"] == "0.01, 0.1"
    assert codec.sweep_link(q) == (link, [])


def test_an_empty_sweep_link_is_the_default_preset():
    link, errors = codec.sweep_link({})
    assert errors == [] and link == SweepLink()
    assert link.spec == sweep.PRESETS[sweep.DEFAULT_PRESET].spec()


SWEEP_BAD = [
    ({"present": "on"}, ["present", "0 or 1"]),
    ({"preset": "nope"}, ["preset", "'nope'"]),
    ({"x": "depth", "xv": "1, x"}, ["axis x", "depth", "'x'"]),
    ({"x": "dropout", "xv": "0.1"}, ["axis x", "dropout"]),
    ({"x": "depth", "xv": "1,2", "y": "depth", "yv": "3"}, ["both depth"]),
    ({"seeds": "99"}, ["seeds", "1 to 32"]),
    ({"steps": "-5"}, ["steps"]),
    ({"trained": "2"}, ["trained", "0.05 to 0.95"]),
    ({"lr": "nan"}, ["lr"]),
    ({"init": "he_normal", "init.stddev": "1"}, ["he_normal", "stddev"]),
    ({"what": "1"}, ["'what'", "unknown"]),
]


@pytest.mark.parametrize("read, query, words", [
    *[(codec.explore, q, w) for q, w in EXPLORE_BAD],
    *[(codec.comparison, q, w) for q, w in COMPARE_BAD],
    *[(codec.sweep_link, q, w) for q, w in SWEEP_BAD],
])
def test_every_bad_entry_is_named_and_the_page_still_gets_a_view(read, query, words):
    link, errors = read(query)
    text = " ".join(errors)
    assert all(w in text for w in words), text
    assert link == read(codec.explore_query(link) if read is codec.explore else
                        codec.compare_query(link) if read is codec.comparison else
                        codec.sweep_query(link))[0]  # a usable view, whose link reads back


# ------------------------------------------------------------------ Class


def test_a_class_link_reads_a_code_as_typed_and_the_lecturers_key_back():
    code, key = codes.new_code(), codes.new_key()
    link, errors = codec.class_link({"class": codes.shown(code).lower(), "key": key})
    assert errors == [] and link == ClassLink(code, key, keyed=True) and link.lecturer
    assert codec.class_query(link) == {"class": code, "key": key}
    assert codec.class_link(codec.class_query(link)) == (link, [])
    student = ClassLink(code)
    assert codec.class_query(student) == {"class": code} and not student.lecturer
    assert codec.class_link({"class": code}) == (student, [])
    assert codec.class_link({}) == (ClassLink(), []) and codec.class_query(ClassLink()) == {}


CLASS_BAD = [
    ({"class": "' OR 1=1--"}, ["is not a class code", "8 letters and digits"]),
    ({"class": "7K3M9Q2"}, ["7K3M9Q2", "is not a class code"]),  # one short
    ({"class": "x" * 500}, ["8 letters and digits"]),
    ({"class": "7K3M9Q2D", "key": "short"}, ["lecturer link is not whole"]),
    ({"key": "A" * 32}, ["goes with its class's code"]),
    ({"class": "7K3M9Q2D", "lesson": "zeros"}, ["'lesson'", "unknown", "class, key"]),
    ({"present": "2"}, ["present", "0 or 1"]),
]


@pytest.mark.parametrize("query, words", CLASS_BAD)
def test_a_bad_class_entry_is_named_and_never_reaches_the_link(query, words):
    link, errors = codec.class_link(query)
    text = " ".join(errors)
    assert all(w in text for w in words), text
    assert link.code is None or codes.is_code(link.code)
    assert link.key is None  # a key of the wrong shape, or without a code, is dropped
    if "key" in query:
        assert link.keyed and query["key"] not in text  # named, never quoted
    assert codec.class_link(codec.class_query(link))[0].code == link.code


def test_a_bad_key_keeps_its_lecturer_from_being_seated_as_a_student():
    link, _ = codec.class_link({"class": "7K3M9Q2D", "key": "cut-sho"})
    assert link.code == "7K3M9Q2D" and link.keyed and not link.lecturer
