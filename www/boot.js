// Classic script, loaded before the module: if app.js or pkg/ cannot load (pkg not built,
// an old pkg without LiveList), say so on the page instead of staying "connecting".
window.addEventListener("error", (e) => {
  if (window.__demo?.list) return;
  const msg = e.message || "a script failed to load";
  const status = document.getElementById("status");
  if (status) {
    status.dataset.status = "error";
    document.getElementById("status-text").textContent = "error";
    status.title = msg;
  }
  const empty = document.getElementById("empty");
  if (empty) {
    empty.hidden = false;
    empty.textContent = `The page could not start: ${msg}. Build the package with \`make pkg\` (or run \`make demo\`).`;
  }
}, true);
