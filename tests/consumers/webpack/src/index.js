import init, { LiveList } from "sp-live";
import * as seed from "sp-live/seed";
import * as React from "react";
import * as ReactDOM from "react-dom";
import { useLiveList } from "sp-live/react";
import { probe } from "../../common/probe.js";

// The `sp-live/seed` subpath resolves through the package's `exports`.
window.__seedExports = Object.keys(seed).sort();

probe("webpack", { init, LiveList });

// sp-live/react with React 17 (SPFx's version), bundled from node_modules as an SPFx
// web part bundles it: a grid on the same list (it shares the probe's feed and socket).
function Grid({ options }) {
  const { items, status, error } = useLiveList(options);
  const titles = items.map((i) => (i.Title == null ? "" : String(i.Title)));
  window.__react = { status, titles, error: error ? `${error.code}: ${error.message}` : null };
  return React.createElement("ul", { "data-status": status }, titles.map((t, i) => React.createElement("li", { key: i }, t)));
}
const q = new URLSearchParams(location.search);
const options = { broadcaster: q.get("broadcaster"), siteUrl: q.get("site"), listId: q.get("list"), select: ["Title"] };
const root = document.body.appendChild(document.createElement("div"));
ReactDOM.render(React.createElement(Grid, { options }), root);
