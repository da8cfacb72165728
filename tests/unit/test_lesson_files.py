"""A lesson is one TOML file: the built-in ones, the README's example and a lecturer's own
load and hold to Explore's panels; a broken file is refused with a message naming the file,
the field and what is allowed, and the rest still load."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core import checks, facts, lessons, questions
from core.trainer import Trainer
from ui import panels

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
SECTION = README.split("## Write your own lesson", 1)[1].split("\n## ", 1)[0]
EXAMPLE = re.search(r"```toml\n(.*?)```", SECTION, re.S).group(1)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_built_in_lessons_hold_to_the_panels():
    """Every lesson's watch, panels, question evidence and what its question shows before
    the answer name panels that exist (a lesson watching a renamed chart is refused)."""
    catalogue = lessons.catalogue(lessons.BUILTIN, panel_names=panels.NAMES)
    assert catalogue.refused == ()
    assert len(catalogue) == 10 and catalogue.keys()[0] == "zeros"
    for lesson in catalogue:
        named = {*lesson.watch, *lesson.panels}
        if lesson.question:
            named |= {lesson.question.evidence, *lesson.question.shown_before}
        assert named <= set(panels.NAMES), lesson.key


def test_the_readme_example_loads_and_what_it_says_is_what_its_run_shows(tmp_path):
    lesson = lessons.load(write(tmp_path, "zeros_sigmoid.toml", EXAMPLE), panels.NAMES)
    text, look_for = lesson.told()
    assert "{" not in text + look_for and not re.search(r"\b(nan|inf)\b", text + look_for)
    trainer = Trainer(lesson.config)
    with np.errstate(all="ignore"):
        trainer.run(lesson.question.ready_at)
    assert lesson.checked(trainer)[0] == "yes"
    assert questions.grade(lesson.question, trainer, 0)[0] == "right"
    assert "loss moves" in text and trainer.record.metrics[-1][0][0] < facts.quote(
        ["loss0"], Trainer(lesson.config))["loss0"]


def _listed(heading: str) -> set[str]:
    """The names the README lists under a heading of its lesson section."""
    lines = SECTION.split(heading, 1)[1].split("\n")[1:]
    while lines and not lines[0].strip():
        lines.pop(0)
    listed = []
    for line in lines:
        if not line.strip():
            break
        listed += re.findall(r"^- `([^`]+)`", line)
    return set(listed)


def test_the_readme_lists_every_check_fact_answer_and_panel():
    assert _listed("Checks (`check`)") == set(checks.CHECKS)
    assert _listed("Facts (`{name}`") == set(facts.FACTS)
    assert _listed("Answer rules") == set(questions.ANSWERS)
    listed = re.search(r"^Panels: (.*?)\n\n", SECTION, re.M | re.S).group(1)
    assert set(re.findall(r"`([^`]+)`", listed)) <= set(panels.NAMES)  # examples, all real


GOOD = EXAMPLE.replace('title = "All zeros with sigmoid units"',
                       'title = "All zeros with sigmoid units"\nkey = "mine"')


@pytest.mark.parametrize("change, field, allowed", [
    (("check = \"zeros\"", "check = \"works\""), "check", "allowed: zeros, constant"),
    (("watch = [\"symmetry\"]", "watch = [\"flow_bars\"]"), "watch", "allowed: network"),
    (("depth = 3", "depth = 300"), "network", "depth: 300 is out of range; allowed"),
    (("{loss0:.4f}", "{loss_zero:.4f}"), "text", "allowed: loss0"),
    (("{loss0:.4f}", "{loss0:.4q}"), "text", "is not a format"),
    (("choices = [\"1: all copies\", \"2 to 7\", \"all 8\"]", "choices = [\"yes\", \"no\"]"),
     "question.choices", "must be 3 texts"),
    (("answer = \"distinct_units\"", "answer = \"guess\""), "question.answer", "allowed: learns"),
    (("title = ", "colour = \"red\"\ntitle = "), "colour", "allowed: check"),
    (("evidence = \"symmetry\"", "evidence = \"units\""), "question.evidence", "allowed: network"),
])
def test_a_broken_file_is_refused_naming_the_file_the_field_and_what_is_allowed(
        tmp_path, change, field, allowed):
    write(tmp_path, "broken.toml", GOOD.replace(*change))
    write(tmp_path, "good.toml", GOOD)
    catalogue = lessons.catalogue(tmp_path, panel_names=panels.NAMES)
    assert catalogue.keys() == ["mine"]  # the others still load
    (message,) = catalogue.refused
    assert message.startswith(f"broken.toml: {field}: ") and allowed in message, message


def test_a_file_that_is_not_toml_or_takes_a_used_key_is_refused(tmp_path):
    write(tmp_path, "a.toml", GOOD)
    write(tmp_path, "b.toml", GOOD)
    write(tmp_path, "c.toml", "title = [unclosed")
    catalogue = lessons.catalogue(lessons.BUILTIN, tmp_path, panel_names=panels.NAMES)
    assert catalogue.keys()[-1] == "mine" and len(catalogue) == 11  # after the built-in ones
    assert any(m.startswith("b.toml: key: 'mine' is taken") for m in catalogue.refused)
    assert any(m.startswith("c.toml: not a readable TOML file") for m in catalogue.refused)
    clash = write(tmp_path, "d.toml", GOOD.replace('key = "mine"', 'key = "zeros"'))
    catalogue = lessons.catalogue(lessons.BUILTIN, clash.parent, panel_names=panels.NAMES)
    assert any(m.startswith("d.toml: key: 'zeros' is taken") for m in catalogue.refused)


def test_the_app_reads_a_lecturers_folder_from_the_environment(tmp_path):
    """WRI_LESSONS_DIR at start: the lecturer's lesson is on offer after the built-in ones,
    a broken file is named in the log, and nothing stops the app from starting."""
    write(tmp_path, "mine.toml", GOOD)
    write(tmp_path, "broken.toml", GOOD.replace('key = "mine"', 'key = "other"').replace(
        "check = \"zeros\"", "check = \"works\""))
    script = ("from ui.catalogue import LESSONS; print(LESSONS.keys()[-1]); "
              "print(len(LESSONS.refused))")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "WRI_LESSONS_DIR": str(tmp_path)},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["mine", "1"]
    assert "lesson file refused: broken.toml: check: 'works' is not a check" in done.stderr
