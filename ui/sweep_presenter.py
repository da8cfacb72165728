"""Sweep's presenter: a grid over two settings, each cell trained from several seeds, run a
tick at a time within the server's fair pacing (as Explore and Compare play), and its three
maps."""

from __future__ import annotations

from core import phase, sweep
from serving.limits import CAPS, LIMITS
from ui.presenter import LiveChart, LivePresenter, Refresh, busy_message
from viz import compare_figures, style

RATIOS = {"grad_ratio": "weight gradients ‖∂L/∂W‖", "backprop_ratio": "error signals std(∂L/∂z)"}
KEY_HEIGHT = 450  # the presenter view: the three maps on its first screen, this tall
SHORT_TITLES = {"final_train_loss": "Final train loss", "grad_ratio": "‖∂L/∂W‖ layer 1 / output",
                "backprop_ratio": "std ∂L/∂z layer 1 / output",
                "trained_fraction": "Seeds trained (%)"}


class SweepPresenter(LivePresenter):
    """The tab's sweep: started, trained a tick at a time (the live feed asks while it
    plays, as on the other live pages), cancelled; and its maps."""

    records_per_tick = 1  # a sweep records its cells itself (core/sweep.py)

    def __init__(self):
        super().__init__()
        self.shown = ("sweep",)
        self.speed = LIMITS.max_steps_per_tick  # as many as the tick's time budget allows
        self.threshold, self.ratio = sweep.DEFAULT_THRESHOLD, "grad_ratio"
        self.line = None  # the theory's trainable depth over the map (phase.sweep_line)
        self.present = False  # the presenter view: the maps large, their numbers 18 px

    def start(self, spec: sweep.Spec) -> None:
        with self.lock:
            self.run = sweep.SweepRun(spec, CAPS)
            self.run_key = spec
            self.line = phase.sweep_line(spec.base, spec.x, spec.y)
        self.play(True)

    def cancel(self) -> None:
        self.play(False)
        with self.lock:
            if self.run is not None:
                self.run.cancel()

    def show(self, threshold: float, ratio: str, present: bool = False) -> None:
        self.threshold, self.ratio, self.present = threshold, ratio, present

    @property
    def running(self) -> bool:
        return self.playing and self.run is not None and not self.run.done

    # ------------------------------------------------------------ the refresh

    def refresh(self, visible=None, ticking=False, timer=False) -> Refresh:
        if self.run is None:  # no sweep yet: nothing to train or draw
            return Refresh(self.status_parts(), {}, False)
        return super().refresh(visible, ticking, timer)

    def charts(self) -> dict[str, LiveChart]:
        if self.run is None or not self.run.rows:
            return {}
        s, threshold, ratio = self.run.spec, self.threshold, self.ratio
        summary = self.run.summary(threshold)

        present = self.present

        def heatmap(value):
            fig = compare_figures.sweep_heatmap(
                sweep.grid(summary, s, value), s.x.name, s.x.labels, s.y.name, s.y.labels,
                value, line=self.line if value == "trained_fraction" else None,
                present=present, width_px=compare_figures.PRESENT_MAP_PX if present else
                compare_figures.MAP_PX)
            return style.projected(fig, KEY_HEIGHT, SHORT_TITLES[value],
                                   compare_figures.PRESENT_MAP_PX) if present else fig

        inputs = (len(self.run.rows), threshold, ratio, present)
        return {key: LiveChart("sweep", 1, lambda v=value: heatmap(v), inputs)
                for key, value in zip(self.map_keys(), self._maps(), strict=True)}

    def _maps(self) -> tuple[str, str, str]:
        return ("final_train_loss", self.ratio, "trained_fraction")

    def map_keys(self) -> list[str]:
        """The three maps' chart keys, left to right."""
        return [f"swpfig_{value}" for value in self._maps()]

    def status_parts(self) -> dict[str, list]:
        if self.run is None:
            return {"head": [["caption", "Press **Run sweep**: the maps fill in cell by cell.",
                              None]], "notes": []}
        run = self.run
        state = ("cancelled" if run.cancelled else "finished" if run.finished else
                 f"now: {run.current}")
        head = [["progress", f"{run.cells_done} of {len(run.cells)} cells · "
                 f"{run.elapsed:.1f} s of training · {state}", run.progress]]
        notes = [["info", busy_message(), ":material/hourglass_top:"]] if self.pacer.waiting \
            else []
        return {"head": head, "notes": notes}

    # ------------------------------------------------------------ export

    def seeds_csv(self) -> str:
        return self.run.frame().to_csv(index=False)

    def cells_csv(self) -> str:
        return self.run.summary(self.threshold).to_csv(index=False)
