// What every bundler consumer does in the page (the SPFx web part does the same in
// TypeScript): init sp-live, open a LiveList from the page's query string
// (?site=...&list=...&broadcaster=...), and keep what it saw on `window.__consumer`
// for tests/consumers/run.mjs. sp-live itself is passed in, so that each consumer
// resolves the package its own way (bundler, import map). ES2019 syntax only (no `?.`,
// `??`): webpack 4 parses this file too.
export async function probe(consumer, { init, LiveList }) {
  const state = { consumer, status: "starting", events: [], titles: [], error: null, authAsked: 0 };
  window.__consumer = state;
  const q = new URLSearchParams(location.search);
  const out = document.getElementById("status");
  const show = () => {
    out.textContent = `${consumer}: ${state.status}, ${state.titles.length} rows${state.error ? `, error: ${state.error}` : ""}`;
    out.dataset.status = state.status;
  };
  try {
    await init();
    const list = await LiveList.open({
      broadcaster: q.get("broadcaster"),
      siteUrl: q.get("site"),
      listId: q.get("list"),
      select: ["Title"],
      // Asked before each connection attempt (sp-broadcaster ignores what it gives): the
      // release build's askAuth in bridge.js, through each bundler.
      auth: (cb) => {
        state.authAsked += 1;
        cb({ client: consumer });
      },
    });
    list.subscribe((e) => {
      state.events.push(e.type);
      if (e.type === "status") state.status = e.status;
      else if (e.type === "error") state.error = `${e.error.code}: ${e.error.message}`;
      state.titles = list.items().map((i) => (i.Title == null ? "" : String(i.Title)));
      show();
    });
    window.__consumerList = list;
  } catch (e) {
    state.error = String((e && e.message) || e);
  }
  show();
}
