"""Work done ahead as the server starts (serving/background.py): in a process that yields to
the first visitor, and the same answers as worked out in place."""

import os

from core import lessons
from serving import background
from ui.catalogue import LESSONS


def test_the_work_ahead_runs_at_the_lowest_cpu_priority_and_leaves_the_caller_alone():
    before, answers = os.nice(0), []
    background.start(lambda map_: answers.extend(map_(os.nice, [0, 0])), "test", quiet_s=0).join()
    assert answers == [background.LOWEST_PRIORITY] * 2  # os.nice(0): the process's own
    assert os.nice(0) == before


def test_lesson_texts_worked_out_in_that_process_are_the_ones_told_in_this_one():
    sigmoid = LESSONS["glorot_bengio_sigmoid"]  # trains ~1000 steps for its text
    lessons._TOLD.clear()
    background.start(lambda map_: lessons.warm([sigmoid], map_), "test", quiet_s=0).join()
    ahead = lessons._TOLD[sigmoid.told_key]
    assert ahead == lessons.work_out_told(sigmoid.told_key) == sigmoid.told()
    assert "{" not in ahead[0]  # every number filled in


class Server:
    """A clock that sleeping moves on, and a process's CPU time: busy (half a core) until
    ``busy_until``, idle after."""

    def __init__(self, busy_until):
        self.now, self.used, self.busy_until = 0.0, 0.0, busy_until

    def sleep(self, seconds):
        if self.now < self.busy_until:
            self.used += 0.5 * seconds
        self.now += seconds

    def wait(self, quiet_s=2.0, at_latest_s=30.0):
        return background.wait_for_quiet(quiet_s, at_latest_s, 0.25, lambda: self.now,
                                         lambda: self.used, self.sleep)


def test_the_work_ahead_waits_for_the_server_to_be_quiet_for_a_while():
    assert Server(busy_until=0).wait() == 2.0  # nobody came: after the quiet spell
    assert Server(busy_until=3).wait() == 3 + 2.0  # a visitor's page first
    assert Server(busy_until=1e9).wait() == 30.0  # a class at work: at the latest


def test_work_ahead_that_fails_says_so_in_one_line_and_the_server_goes_on(caplog):
    def fails(map_):
        map_(os.nice, [0])
        raise ValueError("a lesson file went away")

    background.start(fails, "lesson texts", quiet_s=0).join()
    assert "lesson texts: not all worked out ahead (ValueError: a lesson file went away)" \
        in caplog.text
    assert "Traceback" not in caplog.text
