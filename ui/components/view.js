// Above every page: the presenter view's look (a class on <body> that view.css styles), the
// live pages' keyboard shortcuts (space Play/Pause, s Step, r Reset, n new seed) reported to
// the page as a trigger value, and the id of the server's state for this tab, kept in
// sessionStorage: a reloaded tab claims it back, and finds its runs again (ui/session.py).
// Keys typed into a field are the field's own.

const KEYS = { " ": "space", s: "step", r: "reset", n: "seed" };
const TAB = "wri-tab";

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ||
     target.getAttribute("role") === "combobox");
}

// One listener for the page, whatever the number of runs that mount the component: each
// run hands it the newest way to report. A key pressed while a rerun swaps one run for the
// next waits for the next, on the same page only (an old key must not act on a page opened
// later), however long that rerun takes: a time limit lost Reset after Pause on a busy
// server.
let report = null;
let pending = null;
function onKey(event) {
  const action = KEYS[event.key];
  if (!action || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
    return;
  }
  event.preventDefault();  // space would scroll the page
  if (report) report(action);
  else pending = { action, page: location.pathname };
}

// The theme's text and primary colours, from the --st-* variables of this component's
// element, as variables on <body> for view.css (Streamlit sets none on the page itself).
function themeColours(element) {
  const style = element && getComputedStyle(element);
  for (const name of ["text-color", "primary-color", "background-color"]) {
    const value = style && style.getPropertyValue(`--st-${name}`).trim();
    if (value) document.body.style.setProperty(`--wri-${name}`, value);
  }
}

export default function ({ data, setStateValue, parentElement }) {
  const spec = typeof data === "string" ? JSON.parse(data) : data;
  document.body.classList.toggle("wri-present", Boolean(spec.present));
  themeColours(parentElement);
  const kept = sessionStorage.getItem(TAB);
  if (!kept || spec.settled) {
    sessionStorage.setItem(TAB, spec.tab);  // a new tab, or the server has answered a claim
  } else if (kept !== spec.tab) {
    setStateValue("claim", kept);  // a reload: ask for the state this tab had
  }
  if (spec.settle && !spec.settled && (!kept || kept === spec.tab)) {
    setStateValue("claim", "none");  // nothing to claim: the page waits to know that
  }
  document.addEventListener("keydown", onKey);  // the same listener is added once
  // A state, not a trigger: a key pressed while a run is under way is merged into the
  // rerun Streamlit has queued, and a trigger could be lost there (Reset just after Pause
  // was, under load); a state's newest value survives. Each press is a new value.
  const mine = (action) => setStateValue("key", { action, at: Date.now() + Math.random() });
  report = mine;
  if (pending && pending.page === location.pathname) report(pending.action);
  pending = null;
  // Where a run replaces this element, Streamlit removes the old one only as that run ends,
  // after the new one has mounted: the old one's cleanup must not undo the newer mount (the
  // keys would go dead, and the presenter view lose its look, until the next rerun).
  return () => {
    if (report !== mine) return;
    report = null;
    document.body.classList.remove("wri-present");
  };
}
