// A React 17 grid on sp-live/react's `useLiveList`, rendered next to the probe by the
// webpack 5 and webpack 4 consumers (React bundled from node_modules, as an SPFx web
// part bundles it): it opens the same list as the probe (sharing its feed and socket)
// and keeps what it shows on `window.__react` for tests/consumers/run.mjs. React, its
// DOM renderer and the hook are passed in, so that each consumer resolves them its own
// way. ES2019 syntax only: webpack 4 parses this file too.
export function renderGrid({ React, ReactDOM, useLiveList }) {
  const h = React.createElement;
  function Grid({ options }) {
    const state = useLiveList(options);
    const titles = state.items.map((i) => (i.Title == null ? "" : String(i.Title)));
    const error = state.error ? `${state.error.code}: ${state.error.message}` : null;
    window.__react = { status: state.status, titles, error };
    return h("ul", { "data-status": state.status }, titles.map((t, i) => h("li", { key: i }, t)));
  }
  const q = new URLSearchParams(location.search);
  const options = { broadcaster: q.get("broadcaster"), siteUrl: q.get("site"), listId: q.get("list"), select: ["Title"] };
  const root = document.body.appendChild(document.createElement("div"));
  ReactDOM.render(h(Grid, { options }), root);
}
