// The facade test page: a "seed web part" ported to sp-live/seed. Its eventsubscriber
// is the seed's, unchanged; the test drives it through window.t.
const params = new URLSearchParams(location.search);

if (params.has("foreign")) {
  // An unported seed web part got to the page first: its rx-lite style emitter
  // (on returns nothing, off(name) drops every handler) sits on window.RxJsEventEmitter.
  class SeedEmitter {
    constructor() {
      this.subjects = {};
    }
    emit(name, data) {
      for (const h of this.subjects["$ " + name] ?? []) h(data);
    }
    on(name, handler) {
      (this.subjects["$ " + name] ??= []).push(handler);
    }
    off(name) {
      delete this.subjects["$ " + name];
    }
  }
  window.RxJsEventEmitter = new SeedEmitter();
  window.seedEmitter = window.RxJsEventEmitter;
}

const { RxJsEventEmitter, SocketListChanges, parseListChanges } = await import("/pkg/seed.js");
const sp = await import("/pkg/sp_live.js");

const reported = [];
window.addEventListener("error", (e) => {
  reported.push(e.error?.message ?? e.message);
  e.preventDefault();
});

// ---- the seed web part's eventsubscriber, unchanged ----
const emitter = RxJsEventEmitter.getInstance();
let rows = [];
const seedErrors = [];
emitter.on("listChanges", (data) => {
  const changes = JSON.parse(data);
  if (changes.ErrorMsg) {
    seedErrors.push(changes.ErrorMsg);
    return;
  }
  for (const item of changes.AddedItems) rows.push(item);
  for (const item of changes.UpdatedItems) {
    const i = rows.findIndex((r) => r.Id === item.Id);
    if (i >= 0) rows[i] = item;
  }
  for (const deleted of changes.DeleteItems) {
    const i = rows.findIndex((r) => r.Id === deleted.ItemId);
    if (i >= 0) rows.splice(i, 1);
  }
});
// ---- end of the seed's code ----

// Every raw payload, as received (strings).
const received = [];
emitter.on("listChanges", (data) => received.push(data));

window.t = {
  RxJsEventEmitter,
  SocketListChanges,
  parseListChanges,
  sp,
  emitter,
  received,
  reported,
  seedErrors,
  errorCodes: [],
  sockets: {},
  /** The seed web part's initial load (its own REST read), then the live rows. */
  async loadRows(siteUrl, listId) {
    const r = await fetch(`${siteUrl}/_api/web/lists(guid'${listId}')/items?$select=Id,ID,Title,Subject&$top=5000`, {
      headers: { Accept: "application/json;odata=nometadata" },
    });
    rows = (await r.json()).value;
    return rows.length;
  },
  rows: () => [...rows].sort((a, b) => a.Id - b.Id).map((r) => ({ id: r.Id, title: r.Title ?? "", subject: r.Subject ?? "" })),
  async start(name, options) {
    const socket = new SocketListChanges(options);
    window.t.sockets[name] = socket;
    try {
      await socket.start();
      // The list's own error events (codes), to tell which ones the facade left out.
      socket.list.subscribe((e) => e.type === "error" && window.t.errorCodes.push(e.error.code));
      return { ok: true };
    } catch (e) {
      return { ok: false, code: e.code ?? null, message: e.message };
    }
  },
  status: (name) => window.t.sockets[name]?.list?.status ?? null,
};
window.ready = true;
