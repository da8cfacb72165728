"""The shared server: its limits from the environment, the caps on one run, the training
slots every session shares, and the pace of a live run (serving/, core/budget.py)."""

import dataclasses
import os
import subprocess
import sys
import threading
import time

import pytest

from core import budget, config
from core.budget import LimitError
from core.run import LiveRun
from serving import limits, pacing
from serving import slots as slots_module
from serving.limits import Limits
from serving.pacing import Pacer
from serving.slots import TrainingSlots
from tests.e2e.helpers import REPO_ROOT
from ui.catalogue import LESSONS

REFERENCE = dict(dataset="spiral", depth=8, width=64, activation="tanh", batch_size=128)


# ------------------------------------------------------------------ reading the environment

def test_defaults_apply_without_environment():
    assert limits.read({}) == Limits()
    assert Limits().max_depth_x_width == 2048 and Limits().max_samples == 2000
    assert Limits().tick_seconds == 0.16 and Limits().max_steps_per_tick == 200


def test_every_limit_has_a_documented_variable():
    names = {f.name for f in dataclasses.fields(Limits)}
    assert set(limits.SPEC) == names
    assert all(env.startswith("WRI_") and help_ for env, _, _, help_ in limits.SPEC.values())
    described = limits.describe()
    assert all(env in described for env, *_ in limits.SPEC.values())


def test_environment_overrides_each_limit():
    env = {"WRI_MAX_DEPTH_X_WIDTH": "4096", "WRI_MAX_WEIGHTS": "300000",
           "WRI_MAX_STEP_WORK": "500000000", "WRI_MAX_SAMPLES": "5000",
           "WRI_MAX_STEPS_PER_TICK": "50", "WRI_TICK_SECONDS": "0.5",
           "WRI_TICK_BUDGET_SECONDS": "0.02", "WRI_MAX_TRAINING_SESSIONS": " 7 "}
    lim = limits.read(env)
    assert lim == Limits(4096, 300_000, 500_000_000, 5000, 50, 0.5, 0.02, 7)


@pytest.mark.parametrize("env, value", [
    ("WRI_MAX_SAMPLES", "abc"), ("WRI_MAX_SAMPLES", "1e3"), ("WRI_MAX_SAMPLES", "3.5"),
    ("WRI_MAX_SAMPLES", "-1"), ("WRI_MAX_SAMPLES", "99999999"),
    ("WRI_TICK_SECONDS", "0"), ("WRI_TICK_SECONDS", "nan"), ("WRI_TICK_SECONDS", "inf"),
    ("WRI_MAX_TRAINING_SESSIONS", "0"), ("WRI_MAX_DEPTH_X_WIDTH", "lots"),
])
def test_a_bad_variable_is_refused_with_its_name_and_what_is_allowed(env, value):
    with pytest.raises(LimitError) as info:
        limits.read({env: value})
    message = str(info.value)
    assert env in message and repr(value) in message and "allowed:" in message


def test_every_bad_variable_is_reported_at_once():
    with pytest.raises(LimitError) as info:
        limits.read({"WRI_MAX_SAMPLES": "x", "WRI_TICK_SECONDS": "y"})
    assert "WRI_MAX_SAMPLES" in str(info.value) and "WRI_TICK_SECONDS" in str(info.value)


def test_limits_that_refuse_the_default_settings_are_refused():
    with pytest.raises(LimitError, match="default settings.*n_samples.*WRI_MAX_SAMPLES"):
        limits.read({"WRI_MAX_SAMPLES": "100"})


def _limits_cli(env):
    return subprocess.run([sys.executable, "-m", "serving.limits"], cwd=REPO_ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


def test_the_server_owner_can_check_the_limits_before_starting():
    ok = _limits_cli({"WRI_MAX_SAMPLES": "1000"})
    assert ok.returncode == 0 and "WRI_MAX_SAMPLES=1000" in ok.stdout
    bad = _limits_cli({"WRI_MAX_SAMPLES": "many"})
    assert bad.returncode != 0 and "WRI_MAX_SAMPLES='many'" in bad.stderr
    assert "Traceback" not in bad.stderr


# ------------------------------------------------------------------ one session's run

def test_defaults_reference_workload_and_every_lesson_fit():
    caps = Limits().caps
    budget.check(config.DEFAULT, caps)
    budget.check(config.validate(REFERENCE), caps)
    for lesson in LESSONS:
        budget.check(lesson.config, caps)


@pytest.mark.parametrize("overrides, setting, variable", [
    (dict(depth=64, width=512), "depth × width: 64 × 512 = 32,768", "WRI_MAX_DEPTH_X_WIDTH"),
    (dict(n_samples=5000), "n_samples: 5,000", "WRI_MAX_SAMPLES"),
    (dict(depth=4, width=256), "weights (depth, width): 4 layers of 256 have", "WRI_MAX_WEIGHTS"),
    (dict(depth=8, width=128, batch_size=0, n_samples=2000), "work per step",
     "WRI_MAX_STEP_WORK"),
])
def test_a_setting_over_a_cap_is_refused_naming_setting_value_and_cap(overrides, setting,
                                                                      variable):
    cfg = config.validate(overrides)
    with pytest.raises(LimitError) as info:
        budget.check(cfg, Limits().caps)
    message = str(info.value)
    assert setting in message and "cap of" in message and variable in message


def test_a_limit_error_is_a_value_error():
    # So every caller that shows a bad setting's message shows a refusal the same way.
    assert issubclass(LimitError, ValueError)


def test_work_counts_every_network_of_a_stack():
    cfg = config.validate(REFERENCE)
    one = budget.step_work(cfg)
    assert budget.step_work(cfg, n_networks=6) == 6 * one
    tight = Limits(max_step_work=3 * one).caps
    budget.check(cfg, tight, n_networks=3)
    with pytest.raises(LimitError, match="× 4 networks"):
        budget.check(cfg, tight, n_networks=4)


def test_weight_count_matches_the_built_network():
    for overrides in (REFERENCE, dict(depth=0), dict(loss="softmax_ce", depth=2, width=5)):
        cfg = config.validate(overrides)
        run = LiveRun(cfg)
        built = sum(W[0].size + b[0].size for W, b in zip(run.trainer.Ws, run.trainer.bs,
                                                          strict=True))
        assert budget.weight_count(cfg) == built


def test_without_a_server_the_caps_are_the_defaults():
    for default, served in zip(dataclasses.astuple(budget.DEFAULT_CAPS),
                               dataclasses.astuple(Limits().caps), strict=True):
        assert default[0] == served[0]  # the same values, from other sources
    assert budget.DEFAULT_CAPS.depth_x_width.source == "the server's default"
    assert Limits().caps.depth_x_width.source == "WRI_MAX_DEPTH_X_WIDTH"


def test_steps_per_tick_are_capped():
    pacer = Pacer(slots=TrainingSlots(1), limits=Limits(max_steps_per_tick=3))
    assert pacer.tick(LiveRun(config.DEFAULT), 500, budget_s=10.0) == 3


# ------------------------------------------------------------------ across sessions

def test_slots_grant_up_to_their_size_then_refuse():
    slots = TrainingSlots(2)
    with slots.hold() as a, slots.hold() as b:
        assert a and b and slots.in_use == 2
        with slots.hold() as c:
            assert not c and slots.in_use == 2
    assert slots.in_use == 0
    with slots.hold() as again:
        assert again


def test_a_slot_is_freed_when_the_work_fails():
    slots = TrainingSlots(1)
    with pytest.raises(RuntimeError), slots.hold():
        raise RuntimeError("a tick that crashed")
    with slots.hold() as granted:
        assert granted


def test_many_threads_never_train_more_than_the_cap_at_once():
    slots, peak, lock = TrainingSlots(3), [0], threading.Lock()

    def worker():
        for _ in range(50):
            with slots.hold() as granted:
                if granted:
                    with lock:
                        peak[0] = max(peak[0], slots.in_use)
                    time.sleep(0.0005)

    threads = [threading.Thread(target=worker) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 3 and slots.in_use == 0


def pacer_and_slots(size=1, crowded_tick_s=0.0, **limits_):
    slots = TrainingSlots(size)
    return Pacer(slots=slots, limits=Limits(**limits_), crowded_tick_s=crowded_tick_s), slots


def _queue_in_order(slots, n):
    """``n`` threads that each wait for a slot of ``slots`` (all taken), queued one after
    the other in a known order (each starts once the one before is in the queue); they
    note the order they get a slot in. No clock: the queue's length says who is in."""
    got, threads = [], []

    def student(i):
        with slots.hold(wait=60.0) as granted:
            assert granted
            got.append(i)

    for i in range(n):
        t = threading.Thread(target=student, args=(i,))
        t.start()
        threads.append(t)
        while slots.queued() < i + 1:  # in the queue (or it would be granted: none free)
            time.sleep(0.001)
    return got, threads


def test_slots_are_granted_in_arrival_order():
    slots = TrainingSlots(1)
    with slots.hold() as mine:
        assert mine
        got, threads = _queue_in_order(slots, 8)
        assert got == [] and slots.in_use == 1
    for t in threads:
        t.join()
    assert got == list(range(8)) and slots.in_use == 0 and slots.queued() == 0


def test_a_newcomer_never_overtakes_the_queue():
    slots = TrainingSlots(2)
    with slots.hold() as a:
        with slots.hold() as b:
            assert a and b
            got, threads = _queue_in_order(slots, 3)
            with slots.hold() as newcomer:  # asks without waiting while others are queued
                assert not newcomer
        # b's slot passes down the queue, one holder at a time, while a keeps the other
        for t in threads:
            t.join()
    assert got == [0, 1, 2] and slots.in_use == 0


def test_a_tick_that_gives_up_leaves_the_queue_to_the_next():
    slots = TrainingSlots(1)
    with slots.hold():
        got, threads = _queue_in_order(slots, 2)
        with slots.hold(wait=0.01) as late:  # gives up while the slot is still held
            assert not late
        assert slots.queued() == 2  # the two before it are still waiting, in order
    for t in threads:
        t.join()
    assert got == [0, 1] and slots.queued() == 0 and slots.in_use == 0


def test_a_session_whose_tick_gave_up_keeps_its_place_in_the_queue():
    # Its next tick queues where the one that gave up stood: ahead of later arrivals, so
    # a busy server does not skip the same session's ticks over and over.
    slots, late = TrainingSlots(1), object()
    with slots.hold():
        with slots.hold(owner=late, wait=0.001) as granted:  # gives up: the slot is held
            assert not granted
        first, threads = _queue_in_order(slots, 2)  # two classmates arrive after it

        def comes_back():
            with slots.hold(owner=late, wait=60.0) as again:
                assert again
                first.append("late")

        back = threading.Thread(target=comes_back)
        back.start()
        while slots.queued() < 3:
            time.sleep(0.001)
    for t in (*threads, back):
        t.join()
    assert first == ["late", 0, 1]


def test_a_tick_without_a_slot_waits_and_trains_nothing():
    run, (pacer, slots) = LiveRun(config.DEFAULT), pacer_and_slots(tick_seconds=0.05)
    with slots.hold():  # a classmate is training
        assert pacer.tick(run, 5) == 0
        assert pacer.waiting and run.trainer.step == 0
    assert pacer.tick(run, 5) > 0
    assert not pacer.waiting


def test_a_tick_waits_asleep_for_a_slot_that_frees_within_a_tick():
    run, (pacer, slots) = LiveRun(config.DEFAULT), pacer_and_slots(tick_seconds=10.0)
    taken, release = threading.Event(), threading.Event()

    def classmate():
        with slots.hold():
            taken.set()
            release.wait()

    other = threading.Thread(target=classmate)
    other.start()
    taken.wait()
    threading.Timer(0.05, release.set).start()  # the classmate's tick ends meanwhile
    assert pacer.tick(run, 5) > 0  # waited for the slot instead of giving up
    assert not pacer.waiting
    other.join()


def test_a_step_button_trains_exactly_its_steps_within_a_slot_or_waits():
    run, (pacer, slots) = LiveRun(config.DEFAULT), pacer_and_slots()
    with slots.hold():  # a classmate is training
        assert pacer.advance(run, 10) == 0
        assert pacer.waiting and run.trainer.step == 0
    assert pacer.advance(run, 10) == 10
    assert not pacer.waiting and run.trainer.step == 10 and slots.in_use == 0


def test_one_budget_is_shared_evenly_between_the_runs_that_play(monkeypatch):
    # One process's sessions train under one interpreter lock: one budget split evenly,
    # however many slots (serving/slots.py TrainingSlots.share).
    clock = [100.0]
    monkeypatch.setattr(slots_module.time, "monotonic", lambda: clock[0])
    slots = TrainingSlots(2)
    assert slots.training() == 0 and slots.share(0.12) == 0.12
    for owner in range(2):
        with slots.hold(owner=owner):
            pass
    assert slots.training() == 2 and slots.share(0.12) == pytest.approx(0.06)
    for owner in range(2, 8):
        with slots.hold(owner=owner):
            pass
    assert slots.training() == 8 and slots.share(0.12) == pytest.approx(0.12 / 8)
    with slots.hold(owner=3):  # the same run again counts once
        pass
    assert slots.training() == 8
    with slots.hold():  # no owner given: counted in no share
        pass
    assert slots.training() == 8
    clock[0] += TrainingSlots.ACTIVE_S  # nobody has trained for a while
    assert slots.training() == 0 and slots.share(0.12) == 0.12


def test_a_tick_trains_its_share_of_the_budget(monkeypatch):
    monkeypatch.setattr(slots_module.time, "monotonic", lambda: 100.0)
    pacer, slots = pacer_and_slots(max_steps_per_tick=10_000)
    run = LiveRun(config.DEFAULT)

    def as_if_measured():  # 10 ms a step: a full 1 s budget holds 100 steps
        pacer._of, pacer._sec_per_step = (id(run), run.generation), 0.01

    as_if_measured()
    assert pacer.tick(run, 1000, budget_s=1.0) == 100
    classmates = [object() for _ in range(4)]  # alive: slots count runs by identity
    for classmate in classmates:
        with slots.hold(owner=classmate):
            pass
    as_if_measured()
    assert pacer.tick(run, 1000, budget_s=1.0) == 20  # a fifth: five runs


def test_a_rebuilt_run_is_paced_afresh():
    pacer, _ = pacer_and_slots()
    run = LiveRun(config.DEFAULT)
    pacer.tick(run, 5)
    assert pacer._of == (id(run), run.generation)
    run.reset()
    pacer.tick(run, 5)
    assert pacer._of == (id(run), run.generation)


def test_a_tick_raises_the_record_interval_to_a_few_records_a_tick():
    pacer, _ = pacer_and_slots()
    run = LiveRun(config.DEFAULT)
    pacer.tick(run, 40, budget_s=10.0)
    assert run.trainer.record_every == 40 // pacing.RECORDS_PER_TICK
    assert run.config.record_every == 1  # the configuration itself never changes


def test_the_server_shares_one_set_of_slots():
    assert isinstance(slots_module.SLOTS, TrainingSlots)
    assert slots_module.SLOTS.size == limits.LIMITS.max_training_sessions


def test_the_slots_count_a_session_once_whatever_it_asks():
    # Per session, not per request or per page: a tab's feeds share one owner (its Pace).
    from serving.pacing import Pace

    slots, tab, other = TrainingSlots(2), Pace(), Pace()
    for owner in (tab, tab, tab, other):
        with slots.hold(owner=owner):
            pass
    assert slots.training() == 2
    pacer = Pacer(slots=slots, limits=Limits())
    assert pacer.tick(LiveRun(config.DEFAULT), 2, budget_s=10.0, owner=tab) == 2
    assert slots.training() == 2  # the run counts as its session


def test_a_pace_waits_a_tick_from_the_start_of_the_last_refresh():
    from serving.pacing import Pace

    pace = Pace()
    assert pace.wait_s() == 0.0
    pace.started(60.0)
    assert 59.0 < pace.wait_s() <= 60.0


# ------------------------------------------------------------------ the cap on sessions

def test_the_session_cap_defaults_to_students_per_core_and_is_checked():
    assert Limits().max_sessions == limits.STUDENTS_PER_CORE * min(limits._cpus(),
                                                                   limits.PROCESS_CORES)
    assert Limits().max_sessions >= 8  # a lecturer's tabs, and the end-to-end tests
    assert limits.read({"WRI_MAX_SESSIONS": "40"}).max_sessions == 40
    for bad in ("0", "-3", "many", "2.5"):
        with pytest.raises(LimitError, match=r"WRI_MAX_SESSIONS=.*allowed: a whole number"):
            limits.read({"WRI_MAX_SESSIONS": bad})


def test_past_the_cap_a_new_session_waits_until_a_live_one_goes():
    from serving.admission import Admission

    door, live = Admission(2), {"a", "b", "c"}
    alive = live.__contains__
    assert door.admit("a", alive) and door.admit("b", alive)
    assert not door.admit("c", alive)  # full
    assert door.admit("a", alive)  # an admitted session stays admitted, every run
    live.discard("b")  # b's tab closed
    assert door.admit("c", alive) and door.count(alive) == 2
    assert not door.admit("d", alive)  # full again


def test_a_crowded_server_refreshes_less_often_with_the_same_training(monkeypatch):
    # 10 sessions on 2 slots: each refresh stands for 5 ticks (capped at crowded_tick_s),
    # trains 5 ticks' steps within 5 ticks' share of the budget, and comes 5 ticks later.
    monkeypatch.setattr(slots_module.time, "monotonic", lambda: 100.0)
    pacer, slots = pacer_and_slots(size=2, crowded_tick_s=0.8, tick_seconds=0.16,
                                   max_steps_per_tick=10_000)
    run = LiveRun(config.DEFAULT)
    assert pacer.stretch() == 1.0  # nobody else plays
    classmates = [object() for _ in range(9)]
    for classmate in classmates:
        with slots.hold(owner=classmate):
            pass
    pacer._of, pacer._sec_per_step = (id(run), run.generation), 0.01
    # 9 others on 2 slots: 4.5 ticks' steps (90), within 4.5 ticks of a tenth of the
    # budget (45 steps of 10 ms): one budget shared by ten runs
    assert pacer.tick(run, 20, budget_s=1.0) == 45
    assert pacer.stretch() == pytest.approx(5.0)  # now it counts too: 10 on 2 slots
    more = [object() for _ in range(30)]
    for classmate in more:
        with slots.hold(owner=classmate):
            pass
    assert pacer.stretch() == pytest.approx(5.0)  # at most a refresh every 0.8 s


def test_a_crowded_tick_never_waits_past_what_keeps_a_refresh_a_second():
    # The stretched tick and the wait for a slot together stay inside MAX_REFRESH_S.
    assert pacing.CROWDED_TICK_S < pacing.MAX_REFRESH_S
    assert pacing.SLOT_WAIT_S <= pacing.CROWDED_TICK_S < pacing.MAX_REFRESH_S
    waits = []

    class Recording(TrainingSlots):
        def hold(self, owner=None, wait=0.0):
            waits.append(wait)
            return super().hold(owner, wait)

    slots = Recording(2)
    pacer = Pacer(slots=slots, limits=Limits(tick_seconds=0.16))
    for classmate in [object() for _ in range(40)]:
        with TrainingSlots.hold(slots, owner=classmate):
            pass
    pacer.tick(LiveRun(config.DEFAULT), 5, budget_s=10.0)
    assert pacer.limits.tick_seconds * pacer.stretch() <= pacing.CROWDED_TICK_S + 1e-9
    assert waits == [pytest.approx(pacing.SLOT_WAIT_S)]
