"""The lessons on offer: the app's own (lessons/) and a lecturer's (``WRI_LESSONS_DIR``),
checked against Explore's panels once, as the server starts. Every page reads them here."""

from __future__ import annotations

import logging

from core import lessons
from serving.limits import lessons_dir
from ui import panels

LESSONS = lessons.catalogue(lessons.BUILTIN, lessons_dir(), panel_names=panels.NAMES)

for _refused in LESSONS.refused:
    logging.getLogger(__name__).warning("lesson file refused: %s", _refused)
