"""What Explore exports: the lesson report (one HTML file that opens offline), the weights
now, the telemetry and the configuration."""

from __future__ import annotations

import json
import re

import numpy as np

from core import cli
from ui import panels
from ui.lecture import Lecture
from ui.panel import RunView
from viz import report


def _plain(markdown: str) -> str:
    """A status part's markdown without its :material/...: icons, which need the app's
    icon font."""
    return re.sub(r":material/[a-z_]+:\s*", "", markdown)


def lesson_report(view: RunView, shown: tuple[str, ...], lecture: Lecture, status: dict) -> str:
    """The page as it stands: every chart of the panels shown (a panel drawn when asked,
    once drawn), the lesson and its checks, the settings and the command that trains the
    same run."""
    built = []
    with np.errstate(all="ignore"):
        for panel in panels.shown(shown):
            if not panel.shows(view.depth) or (panel.drawn == "asked"
                                               and panel.name not in view.asked):
                continue
            built += [chart.build(view) for chart in panel.charts]
    figures = {fig.layout.title.text or f"figure {i}": fig for i, fig in enumerate(built, 1)}
    told, words = lecture.told(), []
    if told:
        words = [f"**{lecture.heading()}.** {told[0]}", f"**Look for:** {told[1]}"]
        if lecture.picked is not None:
            words.insert(1, f"**Predict, then run:** {lecture.question.prompt}")
    words += [content for place in ("head", "notes") for kind, content, _ in status[place]
              if kind != "caption"]
    cfg, trainer = view.config, view.trainer
    title = lecture.heading() or (
        f"{cfg.depth} × {cfg.width} {cfg.activation} network, {cfg.init}")
    # The settings say the steps the run has trained, as its command line does.
    settings = {**cfg.as_dict(), "steps": trainer.step}
    return report.lesson_report(title, [_plain(w) for w in words], figures, settings,
                                cli.command(cfg, trainer.step))


def _finite_lists(a: np.ndarray) -> list:
    return np.where(np.isfinite(a), a, None).tolist()


def weights_json(trainer) -> str:
    """Member 0's weights and biases now, layer by layer (null where not finite)."""
    layers = [{"layer": k + 1, "W": _finite_lists(W[0]), "b": _finite_lists(b[0])}
              for k, (W, b) in enumerate(zip(trainer.Ws, trainer.bs, strict=True))]
    return json.dumps({"config": trainer.config.as_dict(), "step": trainer.step,
                       "layers": layers}, allow_nan=False)


def telemetry_csv(trainer) -> str:
    layer_frame, step_frame = trainer.frames()
    csv = layer_frame.merge(step_frame, on=["member", "step"]).drop(columns="member")
    return csv.to_csv(index=False)


def config_json(cfg) -> str:
    return json.dumps(cfg.as_dict(), indent=2)
