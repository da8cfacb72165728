"""The live feed of Explore and Compare: while a run plays, the browser fetches each refresh
from a route of its own instead of rerunning the page.

A rerun of even a one-line Streamlit fragment costs a browser about 30 ms of main-thread
work (React renders the whole app again, CSS-in-JS styles and all), and Explore's live
fragment with its chart elements 180 ms: ten students' browsers on one two-core machine
managed half a refresh a second each (bench/load.py). Here a small component polls
``/_wri/feed/<token>`` about six times a second; each answer carries the status parts (the
step line, notes, Compare's columns and table) and the charts that are due and on screen;
the component writes the one and hands the others to their ``ui.live_chart`` elements,
which draw them with ``Plotly.react``. Nothing of Streamlit's runs while a run plays;
widgets still rerun the page as always.

The route exists when the server was started from ``server.py`` (an ``st.App`` that mounts
it). Started any other way (``streamlit run app.py``, AppTest) ``mounted()`` is False and
the page keeps its timed fragment, which shows the same parts with Streamlit's elements.

Each session's feed is found by an unguessable token that only its own page is sent, so a
session can neither see nor drive another's run. The registry holds feeds weakly: a feed
lives in its session's state and goes when the session does.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
import weakref
from contextlib import asynccontextmanager

import streamlit as st

from ui import live_chart, visibility

ROUTE = "/_wri/feed/{token}"
MAX_VISIBLE = 64  # chart keys one request may name: more is not a page of ours
_FEEDS: weakref.WeakValueDictionary[str, Feed] = weakref.WeakValueDictionary()
_MOUNTED = threading.Event()
_LOG = logging.getLogger(__name__)

ENDED = "This page's session has ended: reload the page to go on."
FAILED = "The live update failed on the server: press Pause, then Play, or reload the page."


class Feed:
    """One session's live part of a page, as the route answers it.

    The page sets ``produce`` (a function of the chart keys on screen returning the status
    parts, the due charts' Plotly JSON by key and whether the run has finished) and
    ``playing`` on every run of its own; ``poll`` calls it, under ``lock``, which the
    page's own runs hold too while they take a refresh.
    """

    def __init__(self):
        self.token = secrets.token_urlsafe(24)
        self.lock = threading.Lock()
        self.playing = False
        self.produce = None
        self.cache = {}  # what the page keeps from one refresh to the next
        self.tick_s = 0.0  # the least time from one refresh to the next
        self._due = 0.0  # time.monotonic() at which the next refresh may start
        _FEEDS[self.token] = self

    def wait_s(self) -> float:
        """How long a request arriving now waits before its refresh: the page asks again as
        soon as an answer comes, and the server keeps the pace (the server's tick rate)."""
        return max(0.0, self._due - time.monotonic())

    def poll(self, visible: set[str]) -> str:
        with self.lock:
            if not self.playing or self.produce is None:  # paused since the request left
                return json.dumps({"status": None, "charts": {}, "done": True})
            self._due = time.monotonic() + self.tick_s
            parts, charts, done = self.produce(visible)
        body = ",".join(f"{json.dumps(key)}:{spec}" for key, spec in charts.items())
        return f'{{"status":{json.dumps(parts)},"charts":{{{body}}},"done":{json.dumps(done)}}}'


def mounted() -> bool:
    """Whether this server answers the feed's route (it was started from server.py)."""
    return _MOUNTED.is_set()


def session_feed(scope: str) -> Feed:
    return st.session_state.setdefault(f"_feed_{scope}", Feed())


async def _answer(request):
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse, Response

    feed = _FEEDS.get(request.path_params["token"])
    if feed is None:
        return JSONResponse({"error": ENDED}, status_code=404)
    visible = set(request.query_params.get("visible", "").split(",")[:MAX_VISIBLE])
    await asyncio.sleep(feed.wait_s())  # on the event loop: a waiting session holds no thread
    try:  # training is CPU work: off the event loop, which serves every session
        body = await run_in_threadpool(feed.poll, visible)
    except Exception:
        _LOG.exception("the live feed failed")
        return JSONResponse({"error": FAILED}, status_code=500)
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


@asynccontextmanager
async def lifespan(_app):
    _MOUNTED.set()
    trimming = asyncio.create_task(_trim_every(TRIM_EVERY_S))
    yield
    trimming.cancel()
    _MOUNTED.clear()


TRIM_EVERY_S = 30.0


def malloc_trim():
    """glibc's malloc_trim, or None (another C library): it hands the free pages inside
    the heaps back to the system."""
    import ctypes
    import ctypes.util
    try:
        return ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None


async def _trim_every(seconds):
    # Ten sessions' short-lived arrays leave freed pages scattered through glibc's heaps,
    # and the server's memory crept up for minutes (bench/load.py: +33 MB from the first
    # minute to the fourth; +19 trimming every 30 s). In a thread: it locks the heaps.
    trim = malloc_trim()
    while trim is not None:
        await asyncio.sleep(seconds)
        await asyncio.to_thread(trim, 0)


def routes() -> list:
    from starlette.routing import Route

    # Streamlit's own routes move under server.baseUrlPath; an st.App's do not. The page
    # asks relative to its own address, so the route answers under any prefix as well.
    return [Route(ROUTE, _answer, methods=["GET"]),
            Route("/{base:path}" + ROUTE, _answer, methods=["GET"])]


# Draws the status parts ([kind, markdown, icon]) and, while the page plays, polls the
# route, writing each answer's status here and handing its charts to ui/live_chart.py's
# elements (window.__wriCharts). One request at a time, the next sent while the last answer
# is drawn: a busy server or browser gets fewer refreshes, never a queue of them.
_JS = """
// Streamlit's theme colours (light or dark, as the viewer's), light ones as a fallback.
const tint = (name, bg, fg) =>
  `background:var(--st-${name}-background-color,${bg});color:var(--st-${name}-text-color,${fg});`;
const KINDS = {
  markdown: "", caption: "font-size:0.875rem;opacity:0.6;",
  info: tint("blue", "rgba(28,131,225,0.1)", "rgb(0,66,128)"),
  warning: tint("yellow", "rgba(255,227,18,0.1)", "rgb(146,108,5)"),
  error: tint("red", "rgba(255,43,43,0.09)", "rgb(125,53,59)"),
};
const BOX = "padding:1rem;border-radius:0.5rem;";
const escape = (s) => s.replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
  '"': "&quot;"})[c]);
const icon = (name) => `<span style="font-family:'Material Symbols Rounded';font-size:1.25em;
  vertical-align:-0.2em;margin-right:0.4rem">${name}</span>`;
const inline = (md) => escape(md).replace(/\\*\\*(.+?)\\*\\*/g, "<strong>$1</strong>")
  .replace(/:material\\/([a-z_]+):/g, (_, n) => icon(n));

const CELL = "padding:0.25rem 0.5rem;border-bottom:1px solid var(--st-border-color,#e6e6e6);";

function html(parts) {
  return parts.map(([kind, md, extra]) => {
    if (kind === "columns") {  // md: each column's own parts
      return `<div style="display:grid;grid-template-columns:repeat(${md.length},minmax(0,1fr));` +
        `gap:1rem">` + md.map((col) => `<div style="display:flex;flex-direction:column;` +
        `gap:0.5rem;overflow-wrap:anywhere">${html(col)}</div>`).join("") + "</div>";
    }
    if (kind === "table") {  // md: {columns, rows}, every cell already formatted
      const row = (cells, tag) => "<tr>" + cells.map((c, i) => `<${tag} style="${CELL}` +
        `text-align:${i ? "right" : "left"};white-space:${tag === "th" ? "normal" : "nowrap"};` +
        `vertical-align:bottom">${escape(String(c))}</${tag}>`).join("") + "</tr>";
      return `<div style="overflow-x:auto"><table style="border-collapse:collapse;` +
        `font-size:0.875rem;width:100%">${row(md.columns, "th")}` +
        md.rows.map((r) => row(r, "td")).join("") + "</table></div>";
    }
    const alert = kind in KINDS && kind !== "markdown" && kind !== "caption";
    const lead = kind === "swatch"  // extra: the colour of a square before the text
      ? `<span style="color:${escape(extra)};margin-right:0.4rem">■</span>`
      : extra ? icon(extra.replace(/^:material\\/|:$/g, "")) : "";
    const body = md.split(/\\n\\n+/)
      .map((p, i) => `<p style="margin:0">${i ? "" : lead}${inline(p)}</p>`)
      .join('<p style="margin:0.5rem 0 0"></p>');
    return `<div data-kind="${kind}" style="${KINDS[kind] || ""}${alert ? BOX : ""}">` +
      body + "</div>";
  }).join("");
}

function render(box, parts) {
  box.innerHTML = html(parts);
}

const shown = () => new Promise((resolve) =>
  document.addEventListener("visibilitychange", resolve, { once: true }));

// One request: the chart keys on screen go with it, so the server skips the others.
async function ask(spec) {
  const visible = Object.entries(window.__wriCharts || {})
    .filter(([, div]) => div.isConnected && div.__visible).map(([key]) => key);
  const url = new URL(spec.route, document.baseURI);
  url.searchParams.set("visible", visible.join(","));
  const response = await fetch(url, { cache: "no-store" });
  const reply = await response.json();
  if (!response.ok) throw new Error(reply.error || response.statusText);
  return reply;
}

async function poll(box) {
  if (box.__polling) return;
  box.__polling = true;
  try {
    let asking = ask(box.__spec);
    while (true) {
      let reply;
      try {
        reply = await asking;
      } catch (err) {
        render(box, [...(box.__parts || []), ["error", String(err.message || err), null]]);
        break;
      }
      if (!box.isConnected || !box.__spec.playing) break;  // paused while it was on its way
      window.__wriFeedPolls = (window.__wriFeedPolls || 0) + 1;  // read by tests and bench/
      if (reply.status) { box.__parts = reply.status; render(box, reply.status); }
      if (reply.done) {
        // The run ended (it diverged everywhere): tell the page, so Play comes back.
        if (reply.status) box.__finished(true);
        break;
      }
      // The next request leaves now, before this answer's charts are drawn: the server
      // computes the next refresh (not before a tick has passed: Feed.wait_s) while the
      // browser draws this one. A hidden tab asks nothing: nobody watches it.
      asking = !document.hidden ? ask(box.__spec) : shown().then(async () => {
        while (document.hidden) await shown();
        return ask(box.__spec);
      });
      for (const [key, frame] of Object.entries(reply.charts)) {
        const div = (window.__wriCharts || {})[key];
        if (div && div.isConnected) div.__feed(frame);
      }
    }
  } finally {
    box.__polling = false;
  }
}

export default function ({ parentElement, data, setTriggerValue }) {
  const spec = typeof data === "string" ? JSON.parse(data) : data;
  let box = parentElement.querySelector(":scope > .wri-feed");
  if (!box) {
    box = document.createElement("div");
    box.className = "wri-feed";
    box.style.cssText = "display:flex;flex-direction:column;gap:1rem;line-height:1.6";
    parentElement.appendChild(box);
  }
  box.__spec = spec;
  box.__finished = (value) => setTriggerValue("finished", value);
  box.__parts = spec.status;
  render(box, spec.status);
  if (spec.playing) poll(box);
}
"""

_component = st.components.v2.component("wri_feed", js=_JS, isolate_styles=False)

def _alert(element):
    return lambda text, icon: element(text, **({"icon": icon} if icon else {}))


def _columns(parts_per_column, _):
    for place, parts in zip(st.columns(len(parts_per_column)), parts_per_column, strict=True):
        with place:
            show_parts(parts)


def _table(table, _):
    import pandas as pd
    st.dataframe(pd.DataFrame(table["rows"], columns=table["columns"]), hide_index=True,
                 width="stretch")


# Each kind of status part, [kind, content, extra], as Streamlit's own elements.
_SHOW = {
    "markdown": _alert(st.markdown), "caption": _alert(st.caption),
    "info": _alert(st.info), "warning": _alert(st.warning), "error": _alert(st.error),
    "swatch": lambda text, colour: st.markdown(
        f"<span style='color:{colour}'>■</span> {text}", unsafe_allow_html=True),
    "columns": _columns,  # content: each column's own parts
    "table": _table,  # content: {"columns": [...], "rows": [[formatted cells]]}
}


def show_parts(parts: list) -> None:
    for kind, content, extra in parts:
        _SHOW[kind](content, extra)


def run_live(body, playing_key: str, tick_s: float) -> None:
    """Run a page's live part ``body`` as a fragment: on a timer of ``tick_s`` while the
    run plays in a visible tab and no route is mounted; with the route, the feed refreshes
    it and the fragment reruns only when its own widgets change."""
    hidden = visibility.tab_hidden()  # a hidden tab stops its timer: nobody watches that run
    timed = st.session_state.get(playing_key, False) and not hidden and not mounted()
    st.fragment(body, run_every=tick_s if timed else None)()


def drive(feed: Feed, refresh, opts: dict, playing_key: str, tick_s: float) -> dict:
    """The start of a live part's run: one refresh of the page (a tick of training only
    under the timed fragment), the feed set to produce the next ones with ``opts``, and the
    status shown. ``refresh(ticking, timer, opts, visible=None)`` returns (status parts,
    chart frames, finished); the chart frames by key are returned for the page to place."""
    playing = bool(st.session_state.get(playing_key)) and not visibility.hidden()
    fed = mounted()  # the feed trains and refreshes while playing: no timer
    with feed.lock:
        timer = playing and not fed and live_chart.timed_run()
        parts, specs, _ = refresh(playing and not fed, timer, opts)
        feed.produce = lambda visible: refresh(True, True, opts, visible)
    show(feed, parts, playing, tick_s, playing_key)
    return specs


def show(feed: Feed, parts: list, playing: bool, tick_s: float, playing_key: str) -> None:
    """The status parts ([kind, content, extra]: markdown with an icon or None, a swatch's
    markdown and colour, columns of parts, a table), in the feed's component when the route
    is mounted, polling while ``playing``, else as Streamlit's own elements.

    When a poll says the run has ended (it diverged), the component asks for a rerun,
    which clears ``playing_key`` and reruns the whole page, so Play comes back."""
    finished = f"_feed_finished_{feed.token}"
    if st.session_state.pop(finished, False):
        st.rerun()  # from the fragment's rerun that the component asked for: the whole page

    def on_finished():
        st.session_state[playing_key] = False
        st.session_state[finished] = True

    feed.playing, feed.tick_s = playing and mounted(), tick_s
    if not mounted():
        show_parts(parts)
        return
    route = ROUTE.format(token=feed.token).lstrip("/")  # relative: any base URL path
    _component(key=f"_feed_{id(feed)}", height="content",
               data=json.dumps({"route": route, "playing": feed.playing, "status": parts}),
               on_finished_change=on_finished)
