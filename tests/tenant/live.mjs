// The tenant probe's LiveLists: opened with no broadcaster (changes are looked for with
// `refresh()`), what they told their subscriber, and waits until their rows equal what
// the site answers.
import { sleep } from "../e2e/lib.mjs";

/** A LiveList on `rest`'s list (options added) with what it told its subscriber. */
export async function open(sp, rest, label, options = {}) {
  const events = [];
  const list = await sp.LiveList.open({
    broadcaster: "ws://127.0.0.1:9/", // none: changes are looked for with refresh()
    protocol: "websocket",
    reconnection: false,
    siteUrl: rest.site,
    listTitle: rest.listTitle,
    select: ["Title"],
    pollIntervalMs: 0,
    fetch: rest.fetchFor(label),
    ...options,
  });
  list.subscribe((e) => events.push(e));
  const errors = () => events.filter((e) => e.type === "error" && !e.error.code.startsWith("protocol-"));
  return { list, events, errors };
}

/** A list's rows as `{ id, title }`, in ID order. */
export const rowsOf = (list) =>
  list.items().map((i) => ({ id: i.Id ?? i.ID, title: i.Title ?? "" })).sort((a, b) => a.id - b.id);

function difference(have, want) {
  const h = new Map(have.map((r) => [r.id, r.title]));
  const w = new Map(want.map((r) => [r.id, r.title]));
  const missing = [...w.keys()].filter((id) => !h.has(id));
  const extra = [...h.keys()].filter((id) => !w.has(id));
  const stale = [...w.keys()].filter((id) => h.has(id) && h.get(id) !== w.get(id));
  if (!missing.length && !extra.length && !stale.length) return null;
  return `missing ${JSON.stringify(missing.slice(0, 10))}, extra ${JSON.stringify(extra.slice(0, 10))}, stale ${JSON.stringify(stale.slice(0, 10))}`;
}

/** Waits until `live`'s rows equal the list's own (through `filter`), comparing every
 * 0.5 s, then less often up to every `pollMs` (each a read of the whole list: slower for
 * a big one), and asking the list to look for changes every 2 s; resolves to how long
 * that took. Fails early after 4 errors during the wait, not counting throttling (sp-live
 * waits it out: only the wait's end can show it went wrong). */
export async function converge(live, rest, waitMs, { filter, pollMs = 500 } = {}) {
  const t0 = Date.now();
  const since = live.events.length;
  const told = () => live.errors().filter((e) => live.events.indexOf(e) >= since);
  const last = (errors) => `${errors.at(-1).error.code} ${errors.at(-1).error.message}`;
  let asked = 0;
  for (let k = 0; ; k++) {
    const errors = told().filter((e) => e.error.code !== "sp-throttled");
    if (errors.length > 3) throw new Error(`${errors.length} errors, the last: ${last(errors)}`);
    const diff = difference(rowsOf(live.list), await rest.items(filter));
    if (!diff) return `${Date.now() - t0} ms, ${live.list.items().length} rows`;
    if (Date.now() - t0 > waitMs) {
      const all = told();
      throw new Error(`rows differ after ${waitMs} ms: ${diff}${all.length ? `; ${all.length} errors, the last: ${last(all)}` : ""}`);
    }
    if (Date.now() - asked >= 2000) {
      live.list.refresh();
      asked = Date.now();
    }
    await sleep(Math.min(pollMs, 500 * 2 ** k));
  }
}

/** Waits for a `changes` event naming `id` after `since` events; throws after `waitMs`. */
export async function changeOf(live, id, since, waitMs) {
  const t0 = Date.now();
  for (;;) {
    const seen = live.events.slice(since).some((e) =>
      e.type === "changes" && [...e.added, ...e.updated].some((i) => (i.Id ?? i.ID) === id));
    if (seen) return;
    if (Date.now() - t0 > waitMs) throw new Error(`no change of item ${id} within ${waitMs} ms`);
    await sleep(100);
  }
}

/** Waits until `live` has sent no request for `quietMs` (a round it started is over). */
export async function quiet(live, quietMs = 4000) {
  let [last, since] = [live.list.stats().requests, Date.now()];
  while (Date.now() - since < quietMs) {
    await sleep(250);
    const now = live.list.stats().requests;
    if (now !== last) [last, since] = [now, Date.now()];
  }
}
