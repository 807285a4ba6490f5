// Helpers of the in-page bench (bench.js): opening sp-live and seed-replica clients on a
// list, webhook bodies, and small statistics.
import { LiveList } from "/pkg/sp_live.js";
import { RxJsEventEmitter, SeedComponent } from "./replica.js";

export const SELECT = ["Title", "Subject", "From", "To", "SentDate"];
const REPLICA_SELECT = ["ID", "Title", "Subject", "From", "To", "SentDate", "Modified"];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

export async function until(what, fn, timeoutMs = 20000) {
  const t0 = performance.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(10);
  }
}

/** A webhook body as SharePoint (and sp-sim) sends it, for one list. */
export function hintBody(listId, siteUrl = "/sites/dev") {
  return JSON.stringify({
    value: [{
      subscriptionId: "00000000-0000-4000-8000-00000000b0b0",
      clientState: null,
      expirationDateTime: "2099-01-01T00:00:00.0000000Z",
      resource: listId,
      tenantId: "00000000-0000-4000-8000-000000000001",
      siteUrl,
      webId: "00000000-0000-4000-8000-000000000002",
    }],
  });
}

export const titles = (items) => items.map((i) => i.Title);

/** The part bodies of a `$batch` response (multipart/mixed; the boundary is its first line). */
export function batchBodies(text) {
  const delimiter = text.slice(0, text.indexOf("\r\n"));
  return text.split(delimiter).slice(1, -1).map((part) => part.split("\r\n\r\n").slice(2).join("\r\n\r\n").trim());
}

/** Opens a LiveList and resolves once its snapshot arrived and it is live. */
export async function openLive(cfg, extra = {}) {
  const list = await LiveList.open({ broadcaster: cfg.broadcaster, siteUrl: cfg.siteUrl, listId: cfg.listId, select: SELECT, ...extra });
  const state = { list, snapshot: null, seen: new Set(), onChanges: null, errors: [] };
  state.sub = list.subscribe((ev) => {
    const t = performance.now();
    if (ev.type === "snapshot" || ev.type === "reset") {
      state.snapshot = ev.items;
      state.shownAt ??= t;
    }
    else if (ev.type === "changes") {
      for (const title of titles(ev.updated)) state.seen.add(title);
      for (const title of titles(ev.added)) state.seen.add(title);
      state.onChanges?.(ev, t);
    } else if (ev.type === "error") state.errors.push(ev.error?.message ?? String(ev.error));
  });
  await until("LiveList snapshot + live", () => state.snapshot && list.status === "live", 120000);
  return state;
}

/** Starts a replica component and resolves once it has its rows and a websocket. */
export async function openReplica(cfg) {
  const emitter = new RxJsEventEmitter();
  const comp = new SeedComponent({ broadcaster: cfg.broadcaster, siteUrl: cfg.siteUrl, listId: cfg.listId, select: REPLICA_SELECT, emitter });
  const state = { comp, seen: new Set(), onMessage: null };
  emitter.on("listChanges", (msg) => {
    const t = performance.now();
    const data = JSON.parse(msg);
    for (const title of titles(data.UpdatedItems)) state.seen.add(title);
    for (const title of titles(data.AddedItems)) state.seen.add(title);
    state.onMessage?.(data, t);
  });
  await comp.start();
  return state;
}
