// Reports whether the tab is hidden (ui/visibility.py says why): only changes, and a page
// opened in a background tab. Each report reruns the page.
export default function ({ setStateValue }) {
  const report = () => setStateValue("visible", document.visibilityState !== "hidden");
  document.addEventListener("visibilitychange", report);
  if (document.visibilityState === "hidden") report();
  return () => document.removeEventListener("visibilitychange", report);
}
