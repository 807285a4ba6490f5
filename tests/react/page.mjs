// The sp-live/react test page: a grid component using `useLiveList`, rendered into
// #root (and a second one into #second) with React 17, or at /18/ with React 18 (a
// concurrent root in StrictMode); tests/react/react.test.mjs drives it through window.t.
import { useLiveList } from "/pkg/react.js";

const { React, ReactDOM } = globalThis;
const h = React.createElement;
// React 18 (the page at /18/): createRoot roots, by element id.
const concurrent = typeof ReactDOM.createRoot === "function";
const roots = {};

// Every WebSocket the page opens (sp-live's, through the shared connection).
const sockets = [];
const NativeWebSocket = globalThis.WebSocket;
globalThis.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    sockets.push(this);
  }
};

const t = {
  renders: 0,
  /** The state each grid rendered last, by element id. */
  last: {},
  /** Every LiveList a grid was given, in order. */
  lists: [],
  /** The tag of the fetch closure each SharePoint request went through, and its URL. */
  fetchTags: [],
  fetchUrls: [],
  /** Every status a grid rendered, in order (repeats dropped). */
  statuses: [],
  /** Every render of a grid: its id, status, number of rows, error's code and list's status. */
  views: [],
  openSockets: () => sockets.filter((s) => s.readyState === NativeWebSocket.OPEN).length,
  rows: (id = "root") => [...document.querySelectorAll(`#${id} li`)].map((li) => li.textContent),
  text: (id, part) => document.querySelector(`#${id} .${part}`)?.textContent ?? null,
  /** Renders a grid into `#id` with `options` (null: none); `fetchTag` makes a new inline
   * fetch closure that notes its tag and owns auth (a bearer token, where SPFx's
   * SPHttpClient would add a digest), as a web part's render would. */
  render(options, { id = "root", fetchTag, sync = false } = {}) {
    const withAuth = (init) => ({ ...init, headers: { ...init.headers, Authorization: "Bearer react-test" } });
    const opts = options && fetchTag
      ? { ...options, fetch: (url, init) => (t.fetchTags.push(fetchTag), t.fetchUrls.push(url), fetch(url, withAuth(init))) }
      : options;
    const grid = h(Grid, { id, options: opts });
    if (!concurrent) return ReactDOM.render(grid, document.getElementById(id));
    // React 18: a concurrent root in StrictMode; `sync` renders at once, as a discrete
    // event's update does (flushSync).
    const root = (roots[id] ??= ReactDOM.createRoot(document.getElementById(id)));
    const go = () => root.render(h(React.StrictMode, null, grid));
    return sync ? ReactDOM.flushSync(go) : go();
  },
  unmount(id = "root") {
    if (!concurrent) return ReactDOM.unmountComponentAtNode(document.getElementById(id));
    roots[id]?.unmount();
    delete roots[id];
  },
};
window.t = t;

function Grid({ id, options }) {
  const state = useLiveList(options);
  t.renders += 1;
  t.last[id] = state;
  t.views.push({ id, status: state.status, rows: state.items.length, error: state.error?.code ?? null, list: state.list?.status ?? null });
  if (t.statuses.at(-1) !== state.status) t.statuses.push(state.status);
  if (state.list && !t.lists.includes(state.list)) t.lists.push(state.list);
  const error = state.error ? `${state.error.code ?? "none"}: ${state.error.message}` : "";
  return h(
    "div",
    null,
    h("p", { className: "status" }, state.status),
    h("p", { className: "error" }, error),
    h("p", { className: "progress" }, state.progress ? String(state.progress.loaded) : ""),
    h("ul", null, state.items.map((item) => h("li", { key: item.Id }, `${item.Id}:${item.Title}`))),
  );
}

window.ready = true;
