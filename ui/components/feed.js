// A live page's status, and its live feed (ui/live.py says why there is one).
//
// The status comes in places ("head" above the key charts, "notes" under them), each a box
// of this component. A place's parts are lists [kind, content, extra]: markdown with an icon
// ("markdown", "caption", "info", "success", "warning", "error"), a coloured square before markdown
// ("swatch"), a bar filled to the share in extra above markdown ("progress"), columns of
// parts ("columns") and a table ("table"). This is the one place that draws them, whether
// the page's runs send them or the feed does.
//
// While the page plays and the server mounts the feed's route, the head's box asks the route
// for each refresh: it writes the answer's status (its own place here, the others through a
// "wri-status" event) and hands each chart frame to its chart (live_chart.js) as a
// "wri-frame" event. One request is out at a time: the next
// leaves as soon as an answer arrives, before its charts are drawn, so a busy server or
// browser gets fewer refreshes, never a queue of them.

// Streamlit's theme colours (light or dark, as the viewer's), light ones as a fallback.
const tint = (name, bg, fg) =>
  `background:var(--st-${name}-background-color,${bg});color:var(--st-${name}-text-color,${fg});`;
const KINDS = {
  markdown: "",
  // 0.6, Streamlit's own, left grey text at 3.9:1 on white; WCAG AA asks 4.5:1
  caption: "font-size:0.875rem;opacity:0.75;",
  info: tint("blue", "rgba(28,131,225,0.1)", "rgb(0,66,128)"),
  success: tint("green", "rgba(33,195,84,0.1)", "rgb(23,114,51)"),
  warning: tint("yellow", "rgba(255,227,18,0.1)", "rgb(146,108,5)"),
  error: tint("red", "rgba(255,43,43,0.09)", "rgb(125,53,59)"),
};
const ALERTS = new Set(["info", "success", "warning", "error"]);
const BOX = "padding:1rem;border-radius:0.5rem;";
const CELL = "padding:0.25rem 0.5rem;border-bottom:1px solid var(--st-border-color,#e6e6e6);";

const escape = (s) => s.replace(/[&<>"]/g, (c) => ({
  "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
})[c]);
const icon = (name) => `<span style="font-family:'Material Symbols Rounded';font-size:1.25em;` +
  `vertical-align:-0.2em;margin-right:0.4rem">${name}</span>`;
// The markdown the parts use: **bold** and :material/name: icons, nothing else.
const inline = (md) => escape(md).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>")
  .replace(/:material\/([a-z_]+):/g, (_, n) => icon(n));

// Side by side while each keeps 7.5rem (six fit a laptop's main column); on a phone they
// wrap into rows instead of breaking every word.
function columns(perColumn) {
  const grid = "display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,7.5rem)," +
    "1fr));gap:1rem";
  const column = "display:flex;flex-direction:column;gap:0.5rem;overflow-wrap:break-word";
  return `<div style="${grid}">` +
    perColumn.map((parts) => `<div style="${column}">${html(parts)}</div>`).join("") +
    "</div>";
}

function table({ columns: heads, rows }) {
  const row = (cells, tag) => "<tr>" + cells.map((c, i) => `<${tag} style="${CELL}` +
    `text-align:${i ? "right" : "left"};white-space:${tag === "th" ? "normal" : "nowrap"};` +
    `vertical-align:bottom">${escape(String(c))}</${tag}>`).join("") + "</tr>";
  return "<div style=\"overflow-x:auto\"><table style=\"border-collapse:collapse;" +
    `font-size:0.875rem;width:100%">${row(heads, "th")}` +
    rows.map((r) => row(r, "td")).join("") + "</table></div>";
}

function text(kind, md, extra) {
  const lead = kind === "swatch"  // extra: the colour of a square before the text
    ? `<span style="color:${escape(extra)};margin-right:0.4rem">■</span>`
    : extra ? icon(extra.replace(/^:material\/|:$/g, "")) : "";
  const body = md.split(/\n\n+/)
    .map((p, i) => `<p style="margin:0">${i ? "" : lead}${inline(p)}</p>`)
    .join("<p style=\"margin:0.5rem 0 0\"></p>");
  return `<div data-kind="${kind}" style="${KINDS[kind] || ""}${ALERTS.has(kind) ? BOX : ""}">` +
    body + "</div>";
}

function progress(md, share) {
  const percent = Math.round(100 * Math.min(1, Math.max(0, Number(share) || 0)));
  const track = "height:0.5rem;border-radius:0.25rem;overflow:hidden;" +
    "background:var(--st-secondary-background-color,#f0f2f6)";
  const bar = `width:${percent}%;height:100%;background:var(--st-primary-color,#ff4b4b)`;
  return `<div data-kind="progress" role="progressbar" aria-label="progress" aria-valuemin="0" ` +
    `aria-valuemax="100" aria-valuenow="${percent}"><div style="${track}">` +
    `<div style="${bar}"></div></div><p style="margin:0.25rem 0 0">${inline(md)}</p></div>`;
}

function html(parts) {
  return parts.map(([kind, content, extra]) => {
    if (kind === "columns") return columns(content);
    if (kind === "table") return table(content);
    if (kind === "progress") return progress(content, extra);
    return text(kind, content, extra);
  }).join("");
}

function render(box, parts) {
  box.wriParts = parts;
  box.innerHTML = html(parts);
}

// Every place's box, the one that asks included, takes its own parts of an answer.
function answered(status) {
  document.dispatchEvent(new CustomEvent("wri-status", { detail: status }));
}

const shown = () => new Promise((resolve) =>
  document.addEventListener("visibilitychange", resolve, { once: true }));

// One request: the chart keys on screen go with it, so the server skips the others.
async function ask(spec) {
  const visible = new Set();
  document.dispatchEvent(new CustomEvent("wri-visible", { detail: visible }));
  const url = new URL(spec.route, document.baseURI);
  url.searchParams.set("visible", [...visible].join(","));
  let response = await fetch(url, { cache: "no-store" });
  // 429: this session asked too much at once (another copy of the page, or a script):
  // the server says when to ask again, and this page, which asks once at a time, does.
  for (let tries = 0; response.status === 429 && tries < 30; tries += 1) {
    const wait = Number(response.headers.get("Retry-After")) || 1;
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    response = await fetch(url, { cache: "no-store" });
  }
  const reply = await response.json();
  if (!response.ok) throw new Error(reply.error || response.statusText);
  return reply;
}

// A hidden tab asks nothing (nobody watches it) until it is shown again.
async function askWhenShown(spec) {
  while (document.hidden) await shown();
  return ask(spec);
}

async function poll(box) {
  if (box.wriPolling) return;
  box.wriPolling = true;
  try {
    let asking = askWhenShown(box.wriSpec);
    for (;;) {
      let reply;
      try {
        reply = await asking;
      } catch (err) {
        render(box, [...box.wriParts, ["error", String(err.message || err), null]]);
        break;
      }
      if (!box.isConnected || !box.wriSpec.playing) break;  // paused while it was on its way
      box.dataset.polls = Number(box.dataset.polls || 0) + 1;  // tests and bench/ read it
      if (reply.status) answered(reply.status);
      if (reply.done) {
        // The run ended (it diverged everywhere): tell the page, so Play comes back.
        if (reply.status) box.wriFinished();
        break;
      }
      // The next request leaves now, before this answer's charts are drawn: the server
      // computes the next refresh (not before a tick has passed) while the browser draws.
      asking = askWhenShown(box.wriSpec);
      for (const [key, frame] of Object.entries(reply.charts)) {
        document.dispatchEvent(new CustomEvent("wri-frame", { detail: { key, frame } }));
      }
    }
  } finally {
    box.wriPolling = false;
  }
}

export default function ({ parentElement, data, setTriggerValue }) {
  const spec = typeof data === "string" ? JSON.parse(data) : data;
  let box = parentElement.querySelector(":scope > .wri-status");
  if (!box) {
    box = document.createElement("div");
    box.className = "wri-status";
    box.dataset.place = spec.place;
    box.style.cssText = "display:flex;flex-direction:column;gap:1rem;line-height:1.6";
    parentElement.appendChild(box);
  }
  if (!box.wriListening) {
    const onStatus = (event) => render(box, event.detail[spec.place] || []);
    document.addEventListener("wri-status", onStatus);
    box.wriListening = () => document.removeEventListener("wri-status", onStatus);
  }
  box.wriSpec = spec;
  box.wriFinished = () => setTriggerValue("finished", true);
  render(box, spec.status[spec.place] || []);
  if (spec.playing && spec.route) poll(box);
  return () => {
    if (box.wriListening) box.wriListening();
    box.wriListening = null;
  };
}
