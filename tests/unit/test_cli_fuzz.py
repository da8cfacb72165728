"""Garbage at the headless entry points: the command line, config.validate, the URL codec.

Each must answer with a clear refusal (exit status 2, or ValueError) or a valid result, and
never with another exception type or a traceback. Hypothesis draws the garbage; the example
counts stay modest so the suite stays fast.
"""

import contextlib
import io
import math

from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core import cli, config, initializers
from core.config import RunConfig
from ui import query as codec

FUZZ = hsettings(max_examples=60, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# Text that looks like a number to someone: the corner cases parsers get wrong.
NUMBERISH = st.sampled_from([
    "nan", "NaN", "inf", "-inf", "Infinity", "1e309", "-1e309", "1e-400", "0x10", "1_000",
    "", " ", "-0", "+5", "5.", ".5", "1e3", "3.0", "2**31", "١٢", "٣", "9" * 400, "-1",
    "4294967296", "18446744073709551617", "0.0000001", "None", "true", "[]", "{}",
])
NUMBERS = st.one_of(
    st.integers(-10**30, 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
GARBAGE_TEXT = st.one_of(
    NUMBERISH, NUMBERS,
    st.text(max_size=30),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_=:;.,-0123456789 ", max_size=40),
    st.integers(1000, 20000).map(lambda n: "x" * n),  # very long strings
)
VALUES = st.one_of(
    GARBAGE_TEXT,
    st.sampled_from(initializers.NAMES),
    st.sampled_from(["tanh", "relu", "circle", "spiral", "adam", "bce", "mse", "softmax_ce"]),
)


# ------------------------------------------------------------------ command line

# --out writes files: it is checked by hand below, never fuzzed into the working directory.
TRAIN_FLAGS = [cli._flag(n) for n in cli.TRAIN_FLAGS] + [
    "--init-param", "--bias-init-param", "--layer-init", "--layer-init-param", "--seed"]
GRADCHECK_FLAGS = ["--depth", "--width", "--activation", "--loss", "--l2", "--seed"]


def _call(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as stop:  # only --help may exit, and it exits 0
            code = stop.code
    return code, out.getvalue(), err.getvalue()


def _pairs(flags):
    return st.lists(st.tuples(st.sampled_from(flags), VALUES), max_size=6)


# A flag's value, the flag alone, a stray word, or -h: argparse's paths too.
def _argv(flags):
    pair = st.tuples(st.sampled_from(flags), VALUES).map(list)
    lone = st.one_of(st.sampled_from(flags), GARBAGE_TEXT, st.just("-h")).map(lambda a: [a])
    return st.lists(st.one_of(pair, pair, lone), max_size=6).map(lambda xs: sum(xs, []))


def _assert_clean(code, err):
    assert code in (0, 1, 2), code  # 1 only from gradcheck: a real check that failed
    assert "Traceback" not in err
    if code == 2:
        assert "python -m core: error:" in err


# Training stays quick whatever the fuzz picks: at most 2 steps (the last --steps wins),
# and no model larger than the settings table allows (64 x 512, which takes seconds).
@FUZZ
@given(args=_argv(TRAIN_FLAGS))
@example(args=["--depth", "nan"])
@example(args=["--lr", "inf", "--init", "constant", "--init-param", "value=1e309"])
@example(args=["--layer-init", "inf=zeros"])
@example(args=["--layer-init", "1=zeros", "--layer-init-param", "1:value=nan"])
@example(args=["--layer-init", "=", "--init-param", "="])
@example(args=["--seed", "-1"])
@example(args=["--n-samples", "9" * 400])
def test_train_flags_never_crash(args):
    code, _, err = _call(["train", *args, "--steps", "2"])
    _assert_clean(code, err)


@FUZZ
@given(args=_argv(GRADCHECK_FLAGS))
@example(args=["--depth", "1e9"])
@example(args=["--activation", "nope", "--loss", "nope"])
@example(args=["--l2", "nan"])
def test_gradcheck_flags_never_crash(args):
    code, _, err = _call(["gradcheck", *args])
    _assert_clean(code, err)


@FUZZ
@given(argv=st.lists(GARBAGE_TEXT, max_size=4))
def test_any_words_never_crash(argv):
    code, _, err = _call(argv)
    _assert_clean(code, err)


def test_out_with_a_bad_name_is_refused(tmp_path):
    code, _, err = _call(["train", "--steps", "1", "--out", str(tmp_path / "x.exe")])
    assert code == 2 and "out:" in err


def test_extreme_but_valid_flags_run_or_are_refused():
    code, out, err = _call(["train", "--steps", "5", "--lr", "10", "--init", "constant",
                            "--init-param", "value=100", "--activation", "relu"])
    assert code == 0 and "status:" in out, err


# ------------------------------------------------------------------ settings

ANY_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**40, 10**40),
              st.floats(allow_nan=True, allow_infinity=True), GARBAGE_TEXT,
              st.sampled_from(initializers.NAMES)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.one_of(GARBAGE_TEXT, st.integers(-3, 70)), inner,
                                            max_size=3)),
    max_leaves=6,
)
RAW = st.dictionaries(
    st.one_of(st.sampled_from(list(config.SETTINGS)), st.text(max_size=10)),
    ANY_VALUE, max_size=6)


def _assert_valid(cfg):
    assert isinstance(cfg, RunConfig)
    for name, s in config.SETTINGS.items():
        value = getattr(cfg, name)
        if isinstance(s.kind, tuple):
            assert value in s.kind and (name != "loss" or value != "auto")
        elif not s.scalar:
            assert isinstance(value, config.Params)
        else:
            assert type(value) is s.kind and math.isfinite(value) and s.lo <= value <= s.hi
    assert config.validate(cfg.as_dict()) == cfg  # a valid configuration passes again unchanged


@FUZZ
@given(raw=RAW)
@example(raw={"layer_inits": {1: 5}})
@example(raw={"layer_inits": {float("inf"): "zeros"}})
@example(raw={"layer_inits": {float("nan"): "zeros"}})
@example(raw={"layer_inits": {1: ("zeros", {}, 3)}})
@example(raw={"layer_inits": {1: ("constant", [1, 2])}})
@example(raw={"layer_inits": {1: (["zeros"], {})}})
@example(raw={"init_params": {"x": 1}, "init": "constant"})
@example(raw={"init": "constant", "init_params": {"value": float("nan")}})
@example(raw={"depth": 10**40})
@example(raw={"lr": float("inf")})
def test_validate_returns_a_valid_config_or_raises_value_error(raw):
    try:
        cfg = config.validate(raw)
    except ValueError as err:
        assert str(err)
        return
    _assert_valid(cfg)


QUERY_KEYS = st.one_of(
    st.sampled_from([*config.SETTINGS, "init.value", "init.stddev", "init.mode",
                     "bias_init.value", "layer_init", "layer_init.1.value", "layer_init.2.gain",
                     "lesson", "init.", "layer_init..", "layer_init.x.y"]),
    st.text(max_size=12),
)
QUERY_VALUES = st.one_of(
    VALUES,
    st.lists(st.tuples(st.sampled_from(["1", "2", "0", "-1", "x", "99", "nan", ""]),
                       st.sampled_from([*initializers.NAMES[:6], "", "nope", "lsuv"])),
             max_size=3).map(lambda ts: ";".join(f"{a}:{b}" for a, b in ts)),
)


@FUZZ
@given(query=st.dictionaries(QUERY_KEYS, QUERY_VALUES, max_size=6))
@example(query={"layer_init": "1:constant", "layer_init.1.value": "nan"})
@example(query={"layer_init": "inf:zeros"})
@example(query={"layer_init": "1:zeros;1:ones"})
@example(query={"init": "constant", "init.value": "1e309"})
@example(query={"dataset": "plane", "loss": "bce"})
def test_an_explore_link_reports_every_bad_entry_and_gives_a_valid_config(query):
    link, errors = codec.explore(query)
    _assert_valid(link.config)
    assert all(isinstance(e, str) and e for e in errors)
    # A link that reproduces the view reads back to it with no complaint.
    again, none = codec.explore(codec.explore_query(link))
    assert none == [] and again == link
