// The page's view: the presenter view's look (a class on <body> that view.css styles) and
// the live pages' keyboard shortcuts (space Play/Pause, s Step, r Reset, n new seed),
// reported to the page as a trigger value. Keys typed into a field are the field's own.

const KEYS = { " ": "space", s: "step", r: "reset", n: "seed" };

function typing(target) {
  return target instanceof HTMLElement &&
    (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ||
     target.getAttribute("role") === "combobox");
}

export default function ({ data, setTriggerValue }) {
  const spec = typeof data === "string" ? JSON.parse(data) : data;
  document.body.classList.toggle("wri-present", Boolean(spec.present));
  if (!spec.keys) return () => document.body.classList.remove("wri-present");
  const onKey = (event) => {
    const action = KEYS[event.key];
    if (!action || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    event.preventDefault();  // space would scroll the page
    setTriggerValue("key", action);
  };
  document.addEventListener("keydown", onKey);
  return () => {
    document.removeEventListener("keydown", onKey);
    document.body.classList.remove("wri-present");
  };
}
