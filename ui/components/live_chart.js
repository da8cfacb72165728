// A Plotly chart that updates in place (ui/live_chart.py says why): one element per key,
// each new frame handed to Plotly.react. Frames come with the page's runs (the component's
// data) and, while a run plays, from the page's live feed (feed.js), as "wri-frame" events.

const STATIC = "app/static/";  // Streamlit's static file serving (server.enableStaticServing)
const url = (file) => new URL(STATIC + file, document.baseURI).href;

let plotlyLoading = null;
function plotlyJs() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = url("plotly-cartesian.min.js");
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        plotlyLoading = null;  // the next chart tries again
        reject(new Error("plotly.js did not load"));
      };
      document.head.appendChild(script);
    });
  }
  return plotlyLoading;
}

const templates = {};
function template(name) {
  if (!templates[name]) {
    // Without its template a chart still draws, only plainer.
    templates[name] = fetch(url("templates/" + name + ".json"))
      .then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  }
  return templates[name];
}

// The viewer's theme, from Streamlit's background colour (a --st-* variable on every
// component): the figures are built for a white page.
function darkTheme(div) {
  const hex = getComputedStyle(div).getPropertyValue("--st-background-color").trim();
  const rgb = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
  if (!rgb) return false;
  const [r, g, b] = rgb.slice(1).map((h) => parseInt(h, 16));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 128;
}

// On a dark page: Plotly's dark template on the page's own background, and the black and
// dark greys chosen to read on white (the train line, notes) turned light. Any other dark
// line or marker colour (the first layers' end of the viridis ramp) is mixed with just
// enough white to reach DARKEST, keeping its hue: the ramp still runs dark to light.
const LIGHTER = { "#000000": "#e8e8e8", "#333": "#ccc", "#555": "#bbb", "#555555": "#bbb" };
const DARKEST = 0.35;  // luminance (0 to 1) below which a colour is lifted
function lifted(colour) {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(colour);
  const c = hex ? hex.slice(1).map((h) => parseInt(h, 16)) : rgb && rgb.slice(1).map(Number);
  if (!c) return colour;
  const luminance = (0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]) / 255;
  if (luminance >= DARKEST) return colour;
  const t = (DARKEST - luminance) / (1 - luminance);  // just enough white to reach DARKEST
  return "rgb(" + c.map((v) => Math.round(v + (255 - v) * t)).join(",") + ")";
}
function forDark(figure) {
  const layout = figure.layout;
  layout.template = "plotly_dark";
  layout.paper_bgcolor = layout.plot_bgcolor = "rgba(0,0,0,0)";
  const lighten = (style, lift) => {
    if (style && typeof style.color === "string") {
      style.color = LIGHTER[style.color] || (lift ? lifted(style.color) : style.color);
    }
  };
  // Notes keep their own colours: a number inside a heatmap cell is chosen for its cell.
  (layout.annotations || []).forEach((note) => lighten(note.font, false));
  (figure.data || []).forEach((trace) => {
    lighten(trace.line, true);
    lighten(trace.marker, true);
  });
}

// One first draw at a time, each in a task of its own: the browser paints the first chart
// between two draws instead of after a dozen of them.
let turn = Promise.resolve();
function inTurn(work) {
  const mine = turn.then(() => new Promise((resolve) => setTimeout(resolve, 0))).then(work);
  turn = mine.catch(() => {});
  return mine;
}

// Draws the newest frame waiting for ``div``, if the chart is on screen (or near it): a
// chart scrolled out of view costs nothing until it comes back, with its latest frame.
async function pump(div) {
  if (div.wriDrawing || !div.wriNext || !div.wriVisible) return;
  div.wriDrawing = true;
  try {
    const Plotly = await plotlyJs();
    const draw = async () => {
      const next = div.wriNext;  // the newest frame by the time the draw starts
      div.wriNext = null;
      if (!next) return;
      div.wriVersion = next.version;
      div.classList.toggle("wri-watch", Boolean(next.highlight));
      if (typeof next.layout.template === "string") {
        if (next.layout.template === "plotly_white" && darkTheme(div)) forDark(next);
        next.layout.template = await template(next.layout.template);
      }
      const start = performance.now();
      await Plotly.react(div, next.data, next.layout, next.config);
      // Frames drawn and milliseconds spent drawing, on the element (bench/ reads them).
      div.dataset.draws = Number(div.dataset.draws || 0) + 1;
      div.dataset.drawMs = Number(div.dataset.drawMs || 0) + performance.now() - start;
    };
    // First draws take turns, so the first chart shows before the last is built; later
    // frames draw at once (a queue would hold the light charts behind the heavy ones).
    while (div.wriNext && div.wriVisible) await (div._fullLayout ? draw() : inTurn(draw));
  } finally {
    div.wriDrawing = false;
  }
}

// Versions count up across the page's runs and the feed: an older frame arriving late is
// dropped; frames can come faster than a busy browser draws, so only the newest is kept.
function offer(div, frame) {
  const newest = div.wriNext || { version: div.wriVersion ?? -1 };
  if (frame.version < newest.version) return;
  div.wriNext = frame;
  pump(div);
}

// Listens for its frames and for the feed's question, and watches whether it is on screen.
// Undone by the cleanup Streamlit calls when the element goes; done again if it comes back.
function attach(div, key) {
  const onFrame = (event) => {
    if (event.detail.key === key) offer(div, event.detail.frame);
  };
  // The feed asks which charts are on screen before each request: it names only those.
  const onAsk = (event) => {
    if (div.wriVisible) event.detail.add(key);
  };
  document.addEventListener("wri-frame", onFrame);
  document.addEventListener("wri-visible", onAsk);
  const seen = new IntersectionObserver((entries) => {
    div.wriVisible = entries[entries.length - 1].isIntersecting;
    pump(div);
  }, { rootMargin: "300px" });
  seen.observe(div);
  // Columns change width without a window resize (the sidebar opening, say).
  const sized = new ResizeObserver(() => {
    if (div._fullLayout && div.offsetWidth) window.Plotly.Plots.resize(div).catch(() => {});
  });
  sized.observe(div);
  div.wriDetach = () => {
    document.removeEventListener("wri-frame", onFrame);
    document.removeEventListener("wri-visible", onAsk);
    seen.disconnect();
    sized.disconnect();
    div.wriDetach = null;
  };
}

export default function ({ parentElement, data }) {
  const spec = typeof data === "string" ? JSON.parse(data) : data;
  if (spec.preload) {  // a page's first element: start fetching while the page builds
    plotlyJs().catch(() => {});
    spec.preload.forEach(template);
    return undefined;
  }
  let div = parentElement.querySelector(":scope > .wri-live-chart");
  if (!div) {
    div = document.createElement("div");
    div.className = "wri-live-chart";
    div.dataset.key = spec.key;
    parentElement.appendChild(div);
  }
  if (!div.wriDetach) attach(div, spec.key);
  if (spec.keep === undefined) {
    // A fixed box that contains its own layout: Plotly measures text as it draws, and each
    // measurement would otherwise lay out the whole page again. (Not its paint: a watched
    // chart's label sits on its outline, partly outside the box.)
    div.style.height = (spec.layout.height || 300) + "px";
    div.style.contain = "size layout style";
    // Panels side by side need a width of their own (viz: layout.meta.min_width): on a
    // narrower screen (a phone) the chart keeps it and scrolls sideways, where its panels'
    // titles ran into each other.
    const least = spec.layout.meta && spec.layout.meta.min_width;
    div.style.minWidth = least ? least + "px" : "";
    parentElement.style.overflowX = least ? "auto" : "";
    offer(div, spec);
  }
  return () => div.wriDetach && div.wriDetach();
}
