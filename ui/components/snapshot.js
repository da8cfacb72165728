// "The whole view (PNG)": the page's main area as it is on screen, charts and words, as one
// image for a slide. modern-screenshot (static/, from npm) copies the DOM into an SVG and
// draws it on a canvas; here are only what to leave out and where to cut. The p key does
// the same from anywhere on the page (keys typed into a field are the field's own).
//
// What is on screen, not the whole page: a chart scrolled out of view is not drawn while
// a run plays (live_chart.js), so below the screen the page is not up to date; and copying
// the page's styles costs about 2 ms an element, so what lies below is left out.

const LIBRARY = new URL("app/static/modern-screenshot.min.js", document.baseURI).href;
const SCALE = 2;  // a 1280-pixel-wide view makes a 2560-pixel image: sharp on a slide

let loading = null;
function library() {
  if (window.modernScreenshot) return Promise.resolve(window.modernScreenshot);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = LIBRARY;
      script.onload = () => resolve(window.modernScreenshot);
      script.onerror = () => {
        loading = null;
        reject(new Error("modern-screenshot did not load"));
      };
      document.head.appendChild(script);
    });
  }
  return loading;
}

// Not on the slide: what lies below the screen, HTML that takes no room (Streamlit keeps a
// hidden copy of a button with a tooltip, which the copy would lay out; an SVG's clip
// paths take none either, and are needed), the charts' hover
// toolbars, and the box this button sits in. What lies above the screen stays, to keep
// the layout; it is cut off after.
function keep(node, own) {
  if (!(node instanceof Element)) return true;
  const box = node.getBoundingClientRect();
  if (box.top >= window.innerHeight) return false;
  if (node instanceof HTMLElement && box.width === 0 && box.height === 0 &&
      getComputedStyle(node).display !== "contents") {
    return false;
  }
  if (node.classList.contains("modebar-container")) return false;
  return !(own && node === own);
}

// The copy carries every element's computed style, two of which draw differently there: a
// column's width, rounded, can fall a hair short of its button's, which wraps a row of
// four buttons onto two lines; and the rectangles a chart clips its plot to come out with
// width and height "auto", so bars on a log axis ran off the chart. Their attributes say
// it all.
function fix(copy) {
  copy.querySelectorAll('[data-testid="stColumn"]').forEach((c) => { c.style.minWidth = "0"; });
  copy.querySelectorAll("clipPath, clipPath *").forEach((c) => c.removeAttribute("style"));
}

// The part of the main area's canvas that was on screen.
function onScreen(canvas, main) {
  const box = main.getBoundingClientRect();
  const top = Math.max(0, -box.top) * SCALE;
  const height = Math.min(canvas.height - top, (window.innerHeight - Math.max(box.top, 0)) * SCALE);
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = Math.max(1, Math.round(height));
  out.getContext("2d").drawImage(canvas, 0, top, canvas.width, height, 0, 0, canvas.width, height);
  return out;
}

function stamp() {
  const now = new Date();
  const two = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}-` +
    `${two(now.getHours())}${two(now.getMinutes())}${two(now.getSeconds())}`;
}

async function save(name, host, button) {
  const main = document.querySelector('[data-testid="stMainBlockContainer"]');
  if (!main) return;
  button.disabled = true;
  const label = button.textContent;
  button.textContent = "Drawing the view…";
  try {
    const lib = await library();
    const own = host.closest('[data-testid="stExpander"]');
    const app = document.querySelector('[data-testid="stApp"]') || document.body;
    const canvas = await lib.domToCanvas(main, {
      scale: SCALE,
      backgroundColor: getComputedStyle(app).backgroundColor,
      filter: (node) => keep(node, own),
      onCloneNode: fix,
      timeout: 10000,
    });
    const link = document.createElement("a");
    link.href = onScreen(canvas, main).toDataURL("image/png");
    link.download = `${name}-${stamp()}.png`;
    link.click();
    button.textContent = label;
  } catch (err) {
    button.textContent = "Could not draw the view: " + err.message;
  } finally {
    button.disabled = false;
  }
}

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ||
     target.getAttribute("role") === "combobox");
}

export default function ({ data, parentElement }) {
  const spec = typeof data === "string" ? JSON.parse(data) : data;
  let button = parentElement.querySelector("button.wri-snapshot");
  if (!button) {
    button = document.createElement("button");
    button.className = "wri-snapshot";
    button.type = "button";
    parentElement.appendChild(button);
  }
  button.textContent = spec.label;
  button.title = "the page as it is on screen, as one PNG (key: p)";
  button.onclick = () => save(spec.name, parentElement, button);
  const onKey = (event) => {
    if (event.key !== "p" || event.ctrlKey || event.metaKey || event.altKey ||
        typing(event.target) || button.disabled) {
      return;
    }
    event.preventDefault();
    save(spec.name, parentElement, button);
  };
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
