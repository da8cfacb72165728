"""Explore's presenter and session state: one network trained live, every panel updating
while it plays (pages/explore.py lays out the screen)."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, replace
from urllib.parse import urlencode

import numpy as np
import streamlit as st

from core import (
    budget,
    cli,
    config,
    diagnosis,
    landscape,
    lessons,
    phase,
    questions,
    spectrum,
    theory,
)
from core.config import RunConfig
from core.run import LiveRun
from core.telemetry import Field, Metric
from serving.limits import CAPS
from ui import query, session, view, widgets
from ui.presenter import Chart, LivePresenter, for_the_room
from viz import boundary, distributions, network, report, style, training
from viz import landscape as landscape_figures
from viz import phase as phase_figures
from viz import spectrum as spectrum_figures

PREFIX = "exp_"
PANELS = query.EXPLORE_PANELS
# While playing, the light charts redraw on every refresh and the heavy ones take turns,
# one refresh in SLOW each: redrawing all ten every time, a browser on two busy cores kept
# up about 3.3 refreshes a second, 4.2 this way (bench/explore_refresh.py reports each
# chart's own frame rate).
SLOW = 4
BAND_SEEDS = 8  # init seeds behind the theory panel's finite-width band
# The presenter view's first screen: the unit thumbnails, the gradient bars, the loss.
KEY_CHARTS = ("network", "flow_bars", "loss")
KEY_HEIGHT = 430
KEY_TITLES = {"network": "The units", "loss": "Loss"}  # flow_bars: its quantity's
FLOW_FIELDS = {"grad_norm": "weight gradient", "backprop_std": "back-propagated error",
               "update_ratio": "update / weight"}


@dataclass(frozen=True)
class Options:
    """The live charts' own settings, as their widgets last left them."""

    log_y: bool = False
    field: str = "grad_norm"
    similarity_layer: int = 1
    present: bool = False  # the presenter view: the key charts large, every text legible


class ExplorePresenter(LivePresenter):
    """One network (the newest of a few settings' runs) trained live."""

    def __init__(self, link: query.ExploreLink):
        super().__init__()
        self.options = Options()
        self.snapshot = None  # (run generation, refresh number, snapshot) for three charts
        self.link = link
        self.picks: dict[str, int] = {}  # lesson -> the answer committed to its question
        self.drawn_landscape = None  # (run, generation, line, slice) when last asked
        self.use(link.config)

    # ------------------------------------------------------------ what the page sets

    @property
    def config(self) -> RunConfig:
        return self.run.config

    def use(self, cfg: RunConfig) -> None:
        """Show the run of ``cfg`` (LivePresenter.show_run). Raises LimitError, naming the
        cap, before anything changes."""
        budget.check(cfg, CAPS)
        self.show_run(cfg, lambda: LiveRun(cfg))
        self.link = replace(self.link, config=cfg)

    def carry_on(self, cfg: RunConfig) -> bool:
        """Only a learning-rate change keeps the run going, at the new rate."""
        if cfg.replace(lr=self.run.config.lr) != self.run.config:
            return False
        self.run.update(cfg)
        return True

    def show(self, panels: tuple[str, ...], speed: int, options: Options) -> None:
        """What the page shows: its panels, steps per refresh and the charts' settings."""
        self.shown, self.speed, self.options = tuple(panels), int(speed), options
        self.link = replace(self.link, panels=tuple(p for p in PANELS if p in panels))

    @property
    def lesson(self) -> lessons.Lesson | None:
        return lessons.BY_KEY.get(self.link.lesson or "")

    @property
    def question(self) -> questions.Question | None:
        """The open lesson's question, when the address asks it (predict, then run)."""
        return questions.QUESTIONS.get(self.link.lesson) if self.link.ask else None

    def commit(self, picked: int) -> None:
        self.picks[self.link.lesson] = picked

    def graded(self) -> tuple[str, str] | None:
        """The run's verdict on the committed answer, or None before one is committed."""
        picked = self.picks.get(self.link.lesson) if self.question else None
        if picked is None:
            return None
        with np.errstate(all="ignore"):
            return questions.grade(self.question, self.run.trainer, picked)

    # ------------------------------------------------------------ the live charts

    def charts(self) -> dict[str, Chart]:
        return self._for_the_room(self._charts_plain())

    def _charts_plain(self) -> dict[str, Chart]:
        trainer, o = self.run.trainer, self.options
        depth, width = trainer.depth, trainer.config.width
        layer_frame, step_frame = trainer.frames()
        latest = self._latest(layer_frame)

        def snap():
            return self.snapshot[2]

        charts = {
            "network": Chart("network", SLOW,
                             lambda: network.network_figure(snap(), depth, width)),
            "boundary": Chart("boundary", SLOW,
                              lambda: boundary.boundary_figure(snap(), trainer.data)),
            "loss": Chart("loss", 1, lambda: training.loss_figure(step_frame, log_y=o.log_y),
                          (o.log_y,)),
            "flow_bars": Chart("gradient flow", 1,
                               lambda: training.gradflow_bars(latest, o.field, depth), (o.field,)),
            "flow_lines": Chart("gradient flow", SLOW, lambda: training.gradflow_lines(
                layer_frame, o.field, depth), (o.field,)),
            "flow_heat": Chart("gradient flow", SLOW, lambda: training.gradflow_heatmap(
                layer_frame, o.field, depth), (o.field,)),
        }
        if depth:
            layer = min(o.similarity_layer, depth)
            charts.update({
                "histograms": Chart("distributions", SLOW,
                                    lambda: distributions.histograms_figure(snap(), depth)),
                "saturation": Chart("distributions", SLOW,
                                    lambda: distributions.saturation_figure(latest, depth)),
                "symmetry": Chart("symmetry", SLOW,
                                  lambda: training.symmetry_figure(layer_frame, width, depth)),
                "similarity": Chart("symmetry", SLOW, lambda: self._similarity(layer),
                                    (layer,)),
                "spectrum": Chart("isometry", SLOW, self._spectrum),
            })
        return charts

    def _for_the_room(self, charts: dict[str, Chart]) -> dict[str, Chart]:
        """In the presenter view, every chart legible from the back of a room and the key
        three tall, under short titles; the lesson's charts to watch marked in either
        view."""
        watch = set(self.lesson.watch) if self.lesson else set()
        verdict = self.graded()
        if verdict and verdict[0] != "not yet":  # the evidence for the student's answer
            watch.add(self.question.evidence)
        present = self.options.present
        if present:
            trainer, field = self.run.trainer, self.options.field
            latest = self._latest(trainer.frames()[0])
            charts["network"] = replace(charts["network"], build=lambda: network.network_figure(
                self.snapshot[2], trainer.depth, trainer.config.width, max_layers=4,
                max_units=6, short_labels=True))
            charts["flow_bars"] = replace(charts["flow_bars"], build=lambda: (
                training.gradflow_bars(latest, field, trainer.depth, key_below=True)))
        out = {}
        for key, c in charts.items():
            if present:
                title = (training.SHORT_TITLES[self.options.field] if key == "flow_bars"
                         else KEY_TITLES.get(key))
                c = for_the_room(c, KEY_HEIGHT if key in KEY_CHARTS else None, title)
            out[key] = replace(c, inputs=(*c.inputs, key in watch), highlight=key in watch)
        return out

    def _latest(self, layer_frame):
        """The newest record with a finite loss: a diverged run shows its last finite
        state."""
        record = self.run.trainer.record
        step = record.steps[record.newest_finite()]
        return layer_frame[(layer_frame["step"] == step) & (layer_frame["member"] == 0)]

    def prepare(self, due: set[str]) -> None:
        if not due & {"network", "boundary", "histograms"}:
            return
        # The probe-batch snapshot costs a forward pass over a grid: while playing it is
        # shared by the charts due within SLOW refreshes of each other (each of them
        # redraws only one refresh in SLOW anyway).
        frame, taken = self.board.frame_no, self.snapshot
        if (frame is None or not taken or taken[0] != (id(self.run), self.run.generation)
                or taken[1] is None or frame - taken[1] >= SLOW):
            self.snapshot = ((id(self.run), self.run.generation), frame,
                             self.run.trainer.snapshot(grid_size=24, max_layers=6,
                                                       max_units=8))

    def _similarity(self, layer: int):
        trainer = self.run.trainer
        sim = diagnosis.unit_similarity(trainer.Ws[layer - 1][0], trainer.bs[layer - 1][0])
        return training.similarity_figure(sim[:32, :32], layer)

    def _singular_values(self, Ws, bs, X):
        trainer = self.run.trainer
        cap = spectrum.inputs_cap(trainer.depth, trainer.config.width, spectrum.LIVE_WORK,
                                  spectrum.LIVE_INPUTS)
        with np.errstate(all="ignore"):
            return spectrum.singular_values([W[0] for W in Ws], [b[0] for b in bs], X,
                                            trainer.config.activation, cap)

    def _spectrum(self):
        """The end-to-end Jacobian's singular values now, over the inputs of the next
        batch, against those of the first weights on the same inputs."""
        run, cfg = self.run, self.config
        X = spectrum.current_batch(run.trainer)
        return spectrum_figures.spectrum_figure(
            self._singular_values(run.trainer.Ws, run.trainer.bs, X), run.trainer.depth,
            cfg.init, cfg.activation,
            reference=self._singular_values(run.initial_Ws, run.initial_bs, X))

    # ------------------------------------------------------------ the status line

    def status_parts(self) -> dict[str, list]:
        """The status line (head) and its notes as [kind, markdown, icon]."""
        trainer = self.run.trainer
        record = trainer.record
        shown_at = record.newest_finite()
        lay, met = record.layers[shown_at][0], record.metrics[shown_at][0]
        shown_step, step = record.steps[shown_at], trainer.step
        head, parts = [], []
        if self.pacer.waiting:  # every training slot was taken, by this refresh or a Step
            parts.append(["info", busy_message(), ":material/hourglass_top:"])
        tr, te = met[Metric.train_loss], met[Metric.test_loss]
        tra, tea = met[Metric.train_acc], met[Metric.test_acc]
        acc = "" if np.isnan(tra) else f" · accuracy train **{tra:.1%}** test **{tea:.1%}**"
        if shown_step == step:
            at = ""
        elif shown_at < len(record) - 1:  # newer records hold a loss that overflowed
            at = f" (at step {shown_step}, the last finite)"
        else:  # steps between records (recorded every few steps) keep the newest record's
            at = f" (measured at step {shown_step})"
        head.append(["markdown", f"**Step {step}** · loss train **{style.loss_text(tr)}** "
                     f"test **{style.loss_text(te)}**{acc}{at}", None])
        depth, width = trainer.depth, trainer.config.width
        grads = " · ".join(f"{style.layer_name(k + 1, depth)} {g:.2g}"
                           for k, g in enumerate(lay[:, Field.grad_norm]))
        if not self.options.present:  # the bars beside it say it in the presenter view
            head.append(["caption", f"‖∂L/∂W‖ now: {grads}", None])
        where = trainer.diverged_at[0]
        if where:
            parts.append(["error", f"Exploded at step {where['step']} in layer "
                          f"{where['layer']} ({where['phase']} pass): numbers overflowed. The "
                          "last finite state stays on screen; lower the learning rate or the "
                          "initial scale and press Reset.", None])
        stuck, stalled = diagnosis.symmetric_layers(lay, width), diagnosis.stall(lay)
        if stuck:
            parts.append(["warning", f"Symmetry holds: in layer {_layers(stuck)} all {width} "
                          "units are identical, so each layer acts like a single unit.", None])
        elif stalled and not where:
            dead = stalled.dead_layers
            why = (f"every unit in layer{'s' if len(dead) > 1 else ''} {_layers(dead)} is "
                   "dead (its slope is 0 on the whole batch), and no gradient passes a dead "
                   "layer" if dead else "no gradient reaches the hidden layers")
            parts.append(["warning", "Training has stalled: every hidden layer's weight "
                          f"gradient is exactly 0, because {why}. Dead units seldom wake up; "
                          "lower the initial scale or the learning rate and press Reset.",
                          None])
        if self.lesson:
            verdict, message = lessons.check(self.lesson.key, trainer)
            icon = {"yes": ":material/check_circle:", "not yet": ":material/hourglass_top:",
                    "no": ":material/cancel:"}[verdict]
            parts.append(["markdown", f"{icon} **Live check ({verdict}):** {message}", None])
        graded = self.graded()
        if graded:
            verdict, message = graded
            kind, icon = {"not yet": ("info", ":material/hourglass_top:"),
                          "right": ("success", ":material/check_circle:"),
                          "wrong": ("warning", ":material/lightbulb:")}[verdict]
            parts.append([kind, f"**Your prediction ({verdict}):** {message}", icon])
        return {"head": head, "notes": parts}

    # ------------------------------------------------------------ drawn once per run

    def theory_frame(self) -> str | None:
        """Theory beside measurement at step 0, with the range over a few init seeds:
        drawn once per run (it depends on step 0 alone), outside the live part, so it
        costs nothing while training plays."""
        run = self.run
        watched = self._watched("theory")
        return self.board.frame("theory", lambda: self._projected(self._theory_figure()),
                                highlight=watched,
                                inputs=(id(run), run.generation, self.options.present, watched))

    def _theory_figure(self):
        trainer = self.run.trainer
        layer_frame, _ = trainer.frames()
        step0 = layer_frame[(layer_frame["step"] == 0) & (layer_frame["member"] == 0)]
        return distributions.theory_figure(
            theory.at_init(trainer), step0.sort_values("layer"), trainer.depth,
            band=theory.seed_band(self.run.config, BAND_SEEDS))

    def weights_frame(self, layer: int) -> str | None:
        """The first weights of ``layer`` against its initializer's density."""
        run, cfg = self.run, self.run.config
        name, params = cfg.layer_init(layer)
        W0 = run.initial_Ws[layer - 1][0]

        def build():
            edges, density = _density(name, params, W0.shape, cfg.init_scale)
            return self._projected(distributions.weight_histogram_figure(W0, edges, density,
                                                                         layer, name))

        return self.board.frame("weights", build,
                                inputs=(id(run), run.generation, layer, self.options.present))

    def here(self) -> dict:
        """Where the phase diagram puts this network (core.phase.point)."""
        return phase.point(self.config.activation, *phase.you_are_here(self.config))

    def phase_frame(self, here: dict | None = None) -> str | None:
        """The order-chaos phase diagram of the network's activation with this network on
        it (``here``, when the page has it already): drawn when the settings change,
        outside the live part."""
        cfg, here = self.config, here or self.here()
        watched = self._watched("phase")

        return self.board.frame("phase", lambda: self._projected(self._phase_figure(here)),
                                highlight=watched, inputs=(
            cfg.activation, here["weight_var"], here["bias_var"], self.options.present,
            watched))

    def _phase_figure(self, here: dict):
        plane, line = planes(self.config.activation, *phase_span(here["weight_var"]))
        return phase_figures.phase_diagram(plane, plane.bias_var, line,
                                           here if here["weight_var"] > 0 else None)

    # ------------------------------------------------------------ drawn when asked

    def draw_landscape(self) -> None:
        """The loss from the first weights (core/landscape.py) at the step the run is at:
        along the line θ0 → θ and on a filter-normalised slice around θ. Computed when the
        button asks (a second or so), kept until the run changes."""
        cfg = self.config
        with self.lock, np.errstate(all="ignore"):
            trainer = self.run.trainer
            n = landscape.grid_for(budget.weight_count(cfg), cfg.n_samples)
            self.drawn_landscape = (id(self.run), self.run.generation, landscape.line(trainer),
                                    landscape.slice_2d(trainer, n=n, seed=cfg.train_seed))

    def landscape_drawn(self) -> tuple[dict, dict] | None:
        """(line, slice) drawn for the run on screen, or None."""
        drawn = self.drawn_landscape
        if drawn is None or drawn[:2] != (id(self.run), self.run.generation):
            return None
        return drawn[2], drawn[3]

    def landscape_frames(self) -> tuple[str | None, str | None]:
        """The two landscape charts: new frames when drawn again, else None (kept)."""
        line, plane = self.landscape_drawn()
        watched = self._watched("landscape")
        inputs = (id(line), self.options.present, watched)
        return (self.board.frame("landscape_line", lambda: self._projected(
                    landscape_figures.line_figure(line)), inputs=inputs, highlight=watched),
                self.board.frame("landscape_slice", lambda: self._projected(
                    landscape_figures.slice_figure(plane)), inputs=inputs, highlight=watched))

    def _watched(self, key: str) -> bool:
        """Whether the open lesson asks to watch chart ``key`` (drawn outlined)."""
        return bool(self.lesson and key in self.lesson.watch)

    def _projected(self, fig):
        return style.projected(fig) if self.options.present else fig

    # ------------------------------------------------------------ export

    def report(self) -> str:
        """The lesson report (viz/report.py): what the page shows now, as one HTML file
        that opens offline. Built when its button is pressed, on the download's thread."""
        trainer, cfg, lesson = self.run.trainer, self.config, self.lesson
        with np.errstate(all="ignore"):
            parts = self.status_parts()
            self.prepare(set(self.charts()))
            built = [c.build() for c in self._charts_plain().values() if c.panel in self.shown]
            if "theory" in self.shown:
                built.append(self._theory_figure())
            if "phase" in self.shown:
                built.append(self._phase_figure(self.here()))
            drawn = self.landscape_drawn()
            if "landscape" in self.shown and drawn:
                built += [landscape_figures.line_figure(drawn[0]),
                          landscape_figures.slice_figure(drawn[1])]
        figures = {fig.layout.title.text or f"figure {i}": fig for i, fig in enumerate(built, 1)}
        words = ([f"**{lesson.title}.** {lesson.told()[0]}",
                  f"**Look for:** {lesson.told()[1]}"] if lesson else [])
        words += [content for place in ("head", "notes") for kind, content, _ in parts[place]
                  if kind != "caption"]
        if self.question and self.link.lesson in self.picks:
            words.insert(2, f"**Predict, then run:** {self.question.prompt}")
        title = lesson.title if lesson else (
            f"{cfg.depth} × {cfg.width} {cfg.activation} network, {cfg.init}")
        return report.lesson_report(title, [_plain(w) for w in words], figures, cfg.as_dict(),
                                    cli.command(cfg, trainer.step))

    def weights_json(self) -> str:
        """Member 0's weights and biases now, layer by layer (null where not finite)."""
        trainer = self.run.trainer
        layers = [{"layer": k + 1, "W": _finite_lists(W[0]), "b": _finite_lists(b[0])}
                  for k, (W, b) in enumerate(zip(trainer.Ws, trainer.bs, strict=True))]
        return json.dumps({"config": self.config.as_dict(), "step": trainer.step,
                           "layers": layers}, allow_nan=False)

    def telemetry_csv(self) -> str:
        layer_frame, step_frame = self.run.trainer.frames()
        csv = layer_frame.merge(step_frame, on=["member", "step"]).drop(columns="member")
        return csv.to_csv(index=False)


def _plain(markdown: str) -> str:
    """A status part's markdown without its :material/...: icons, which need the app's
    icon font."""
    return re.sub(r":material/[a-z_]+:\s*", "", markdown)


def _finite_lists(a: np.ndarray) -> list:
    return np.where(np.isfinite(a), a, None).tolist()


def phase_span(weight_var: float) -> tuple[float, float]:
    """The σ_w² range of a phase diagram that shows ``weight_var``: the usual 1/16 to 4,
    widened to powers of 2 around a network outside it (few ranges, so few planes)."""
    lo, hi = 1 / 16, 4.0
    if weight_var > 0:
        lo = min(lo, 2.0 ** np.floor(np.log2(weight_var / 1.5)))
        hi = max(hi, 2.0 ** np.ceil(np.log2(weight_var * 1.5)))
    return float(lo), float(hi)


@functools.lru_cache(maxsize=16)  # seconds for a smooth activation: once per range
def planes(activation: str, lo: float, hi: float) -> tuple[phase.Plane, np.ndarray]:
    """The phase plane of ``activation`` over σ_w² from ``lo`` to ``hi`` (log-spaced) and
    its critical σ_w² at each of its σ_b²."""
    plane = phase.plane(activation, weight_var=np.geomspace(lo, hi, 31), points=31)
    return plane, phase.critical_weight_var(activation, plane.bias_var)


def warm_planes() -> None:
    """The planes the lessons open, worked out as the server starts."""
    for lesson in lessons.LESSONS:
        if "phase" in lesson.panels:
            cfg = lesson.config
            planes(cfg.activation, *phase_span(phase.you_are_here(cfg)[0]))


@functools.lru_cache(maxsize=64)  # a few hundred thousand draws: once per initializer
def _density(name, params, shape, scale):
    return theory.init_density(name, dict(params), shape, scale=scale)


def _layers(numbers, most=8):
    return ", ".join(str(k) for k in numbers[:most]) + ("…" if len(numbers) > most else "")


def busy_message() -> str:
    from serving.slots import SLOTS
    return (f"The server is busy: {SLOTS.size} classmates are training; yours will continue "
            "when a slot frees.")


# ---------------------------------------------------------------- the page's session


@dataclass
class Visit:
    """Explore's state in a browser session: its presenter, the address it last wrote,
    and the messages about the link it was opened with."""

    presenter: ExplorePresenter | None = None
    written: dict | None = None
    link_errors: list | None = None


def enter() -> tuple[ExplorePresenter, list[str]]:
    """The session's presenter, with a link loaded when the address is news (the first
    visit, a link, Back or Forward, a lesson opened); the widgets show what it holds.
    Returns the presenter and the messages about the link's bad entries."""
    visit = session.page_state("explore", Visit)
    arrived = session.news(visit.written)
    if arrived is None:
        session.keep_widgets(PREFIX)
        return visit.presenter, visit.link_errors or []
    link, errors = query.explore(arrived)
    try:
        if visit.presenter is None:
            visit.presenter = ExplorePresenter(link)
        else:
            visit.presenter.use(link.config)
    except budget.LimitError as err:  # a link over this server's caps: the defaults instead
        errors.append(f"{err}; the default settings were used")
        link = query.ExploreLink()
        visit.presenter = visit.presenter or ExplorePresenter(link)
        visit.presenter.use(link.config)
    visit.presenter.link = replace(link, config=visit.presenter.config)
    visit.presenter.pace = session.tab().pace  # one pace per tab, whichever page plays
    visit.link_errors = errors
    lesson_view = lessons.BY_KEY[link.lesson].view if link.lesson else {}
    session.set_widgets({**widgets.values(link.config, PREFIX), PREFIX + "panels": list(
        link.panels), **{PREFIX + name: value for name, value in lesson_view.items()}})
    return visit.presenter, errors


def apply(presenter: ExplorePresenter, raw: dict) -> str | None:
    """Take the widgets' settings; on a bad combination, or one over a server cap, keep
    the run on screen and return the message."""
    try:
        presenter.use(config.validate(raw))
        return None
    except ValueError as err:
        return str(err)


def ask(presenter: ExplorePresenter) -> None:
    """The lesson's question, when the address asks it: pick an answer and commit to it
    before Play; the run grades it under the status line (ExplorePresenter.graded)."""
    question = presenter.question
    if question is None:
        return
    picked = presenter.picks.get(presenter.link.lesson)
    with st.container(border=True):
        st.markdown(f":material/quiz: **Predict, then run.** {question.prompt}")
        if picked is not None:
            st.markdown(f"Your answer: **{question.choices[picked]}**. The run grades it "
                        "under the status line.")
            return
        choice = st.radio("your answer", range(len(question.choices)), index=None,
                          format_func=question.choices.__getitem__, horizontal=True,
                          key=f"{PREFIX}ask_{presenter.link.lesson}",
                          label_visibility="collapsed")
        st.button("Commit my answer", disabled=choice is None, on_click=presenter.commit,
                  args=(choice,), key="expbtn_commit", icon=":material/how_to_vote:")


def phase_text(presenter: ExplorePresenter, here: dict) -> str:
    """What the phase diagram's star says, in words and numbers."""
    depth = presenter.config.depth
    if here["weight_var"] == 0:
        return (f"**You are here:** σ_w² = 0, σ_b² = {here['bias_var']:.3g}. These weights "
                "are not random, and the phase diagram is a theory of random ones: here "
                "symmetry, not the phase, decides what happens.")
    where = {"ordered": "in the **ordered** phase (χ₁ < 1)",
             "chaotic": "in the **chaotic** phase (χ₁ > 1)",
             "critical": "**on the critical line** (χ₁ = 1)",
             "undefined": "where the theory has no answer"}[here["phase"]]
    text = (f"**You are here:** σ_w² = {here['weight_var']:.3g}, σ_b² = "
            f"{here['bias_var']:.3g}, {where}")
    if here["chi1"] is not None:
        text += (f". Each layer multiplies a gradient's mean square by χ₁ = "
                 f"{here['chi1']:.3g}")
    trainable = here["trainable_depth"]
    if here["phase"] == "undefined":
        return text + "."
    if here["phase"] == "critical" or trainable is None:
        return text + f"; signals reach any depth, this network's {depth} included."
    verdict = "deeper than" if depth > trainable else "within"
    return (text + f"; depth scale ξ_c = {here['xi_c']:.3g} layers, so about "
            f"{trainable:.3g} layers train: this network's {depth} is {verdict} that.")


def shortcuts(presenter: ExplorePresenter) -> dict:
    """What the keys do on Explore (ui/view.py): space Play/Pause, s Step, r Reset, n new
    initial weights."""
    return {"space": lambda: presenter.play(not presenter.playing),
            "step": lambda: presenter.step(1), "reset": presenter.reset,
            "seed": view.new_seed(PREFIX + "init_seed")}


def config_json(presenter: ExplorePresenter) -> str:
    return json.dumps(presenter.config.as_dict(), indent=2)


def share_link(presenter: ExplorePresenter) -> str:
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urlencode(query.explore_query(presenter.link))}"


def leave(presenter: ExplorePresenter) -> None:
    """At the end of the page's run: the address shows the settings, the widgets are kept."""
    visit = session.page_state("explore", Visit)
    visit.written = session.write_query(query.explore_query(presenter.link))
    session.save_widgets(PREFIX)
