// The tenant probe: runs sp-live (pkg/, in Node) against a real SharePoint site and
// checks, end to end, what the tests can only check against sp-sim: loads in every
// metadata level, edits, deletes, recycle and restore, a bulk of adds, a view with a
// `datetime` filter, the read-ahead's window (one request for a lone edit), an expired
// change token, an unknown list. It edits only items it adds itself, in a list you name,
// and deletes them at the end. Every exchange is written to the output folder with the
// credentials left out. See README "Checking a real tenant".
//
//   SP_SITE=https://contoso.sharepoint.com/sites/team SP_LIST="sp-live probe" \
//   SP_TOKEN_CMD="az account get-access-token --resource https://contoso.sharepoint.com --query accessToken -o tsv" \
//   make probe-tenant
//
// Environment: SP_SITE, SP_LIST (a list you may add items to), SP_TOKEN (a bearer token
// for SharePoint) or SP_TOKEN_CMD (a command printing one) or SP_COOKIE (a browser's
// FedAuth/rtFa cookies), SP_PROBE_OUT (default target/tenant-probe), SP_PROBE_BULK
// (items added at once, default 120), SP_PROBE_WAIT_MS (how long a list may take to
// show a change, default 60000), SP_BIG_LIST (optional: a list over the 5,000-item view
// threshold, only read).
import { execSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Checks, sleep } from "../e2e/lib.mjs";
import { Rest } from "./rest.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** .NET ticks of 2001-01-01: a change token from then is long past any change log. */
const ANCIENT_TICKS = "631139040000000000";

/** A LiveList with what it told its subscriber. */
async function open(sp, rest, label, options = {}) {
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
  return { list, events, errors: () => events.filter((e) => e.type === "error" && !e.error.code.startsWith("protocol-")) };
}

const rowsOf = (list) =>
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

/** Waits until `live`'s rows equal the list's own (through `filter`), asking it to look
 * for changes every 2 s and comparing every 500 ms; resolves to how long that took. */
async function converge(live, rest, waitMs, filter) {
  const t0 = Date.now();
  for (let k = 0; ; k++) {
    const errors = live.errors();
    if (errors.length > 3) throw new Error(`${errors.length} errors, the last: ${errors.at(-1).error.code} ${errors.at(-1).error.message}`);
    const diff = difference(rowsOf(live.list), await rest.items(filter));
    if (!diff) return `${Date.now() - t0} ms, ${live.list.items().length} rows`;
    if (Date.now() - t0 > waitMs) throw new Error(`rows differ after ${waitMs} ms: ${diff}`);
    if (k % 4 === 0) live.list.refresh();
    await sleep(500);
  }
}

/** Waits for a `changes` event naming `id` after `since` events; throws after `waitMs`. */
async function changeOf(live, id, since, waitMs) {
  const t0 = Date.now();
  for (;;) {
    const seen = live.events.slice(since).some((e) =>
      e.type === "changes" && [...e.added, ...e.updated].some((i) => (i.Id ?? i.ID) === id));
    if (seen) return;
    if (Date.now() - t0 > waitMs) throw new Error(`no change of item ${id} within ${waitMs} ms`);
    await sleep(100);
  }
}

function credentials(env) {
  if (env.SP_TOKEN) return { Authorization: `Bearer ${env.SP_TOKEN.trim()}` };
  if (env.SP_TOKEN_CMD) return { Authorization: `Bearer ${execSync(env.SP_TOKEN_CMD, { encoding: "utf8" }).trim()}` };
  if (env.SP_COOKIE) return { Cookie: env.SP_COOKIE };
  return {};
}

/** Runs every check; resolves to the `Checks` tally. */
export async function probe(env = process.env) {
  if (!env.SP_SITE || !env.SP_LIST) throw new Error("set SP_SITE (the site URL) and SP_LIST (a list the probe may add items to)");
  const out = path.resolve(env.SP_PROBE_OUT ?? path.join(ROOT, "target/tenant-probe"));
  fs.rmSync(out, { recursive: true, force: true });
  const rest = new Rest({ site: env.SP_SITE, list: env.SP_LIST, auth: credentials(env), out });
  const waitMs = Number(env.SP_PROBE_WAIT_MS ?? 60000);
  const bulk = Number(env.SP_PROBE_BULK ?? 120);
  const sp = await import(pathToFileURL(path.join(ROOT, "pkg/sp_live.js")));
  await sp.default({ module_or_path: fs.readFileSync(path.join(ROOT, "pkg/sp_live_bg.wasm")) });

  const checks = new Checks();
  const marker = `sp-live probe ${new Date().toISOString()}`;
  const created = new Set();
  const add = async (n) => {
    const id = await rest.add(`${marker} ${n}`);
    created.add(id);
    return id;
  };
  const opened = [];
  const openList = async (...a) => {
    const live = await open(sp, rest, ...a);
    opened.push(live.list);
    return live;
  };
  console.log(`# ${rest.site}, list "${rest.listTitle}"; exchanges in ${out}`);
  try {
    const info = await rest.listInfo();
    console.log(`# list ${info.Id}, ${info.ItemCount} items`);
    let main;
    await checks.check("the list loads (OData 4, the default with a fetch)", async () => {
      main = await openList("load");
      return converge(main, rest, waitMs);
    });
    if (!main) throw new Error("the list did not load: the other checks need it");
    await checks.check("a lone edit takes one request (the read-ahead's datetime window)", async () => {
      const id = await add("lone");
      await converge(main, rest, waitMs);
      await sleep(1500);
      const [before, since] = [main.list.stats().requests, main.events.length];
      await rest.update(id, `${marker} lone, edited`);
      main.list.refresh();
      await changeOf(main, id, since, waitMs);
      const requests = main.list.stats().requests - before;
      if (requests !== 1) throw new Error(`${requests} requests: the read-ahead missed the edit (only costs a request)`);
      return "1 request";
    });
    await checks.check("adds, updates and deletes", async () => {
      const ids = [await add(1), await add(2), await add(3)];
      await rest.update(ids[0], `${marker} 1, edited`);
      await rest.remove(ids[1]);
      created.delete(ids[1]);
      return converge(main, rest, waitMs);
    });
    await checks.check("recycle and restore", async () => {
      const id = await add("recycled");
      await converge(main, rest, waitMs);
      const bin = await rest.recycle(id);
      await converge(main, rest, waitMs);
      if (rowsOf(main.list).some((r) => r.id === id)) throw new Error("the recycled item is still shown");
      await rest.restore(bin);
      const took = await converge(main, rest, waitMs);
      if (!rowsOf(main.list).some((r) => r.id === id)) throw new Error("the restored item is not shown");
      return took;
    });
    await checks.check(`a bulk of ${bulk} adds`, async () => {
      const before = main.list.stats().requests;
      for (let i = 0; i < bulk; i++) await add(`bulk ${i}`);
      const took = await converge(main, rest, waitMs);
      return `${took}, ${main.list.stats().requests - before} requests`;
    });
    await checks.check("a view: a datetime filter, ordered by Modified", async () => {
      const since = new Date(Date.now() - 30 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
      const filter = `Modified ge datetime'${since}'`;
      const view = await openList("view", { filter, select: ["Title", "Modified"], orderBy: "Modified desc" });
      await converge(view, rest, waitMs, filter);
      await rest.update(await add("view"), `${marker} view, edited`);
      const took = await converge(view, rest, waitMs, filter);
      const times = view.list.items().map((i) => Date.parse(i.Modified));
      if (times.some((t, k) => k > 0 && t > times[k - 1])) throw new Error("rows not in Modified desc order");
      return took;
    });
    for (const metadata of ["verbose", "minimalmetadata", "nometadata", "odata4"]) {
      await checks.check(`metadata ${metadata}: load, an edit, a person column's field`, async () => {
        const live = await openList(metadata, { metadata, select: ["Title", "Editor/Title"] });
        await converge(live, rest, waitMs);
        const id = [...created].at(-1);
        await rest.update(id, `${marker} ${metadata}`);
        const took = await converge(live, rest, waitMs);
        const row = live.list.items().find((i) => (i.Id ?? i.ID) === id);
        if (typeof row?.Editor?.Title !== "string" || !row.Editor.Title) throw new Error(`no Editor.Title in ${JSON.stringify(row)}`);
        return `${took}, edited by ${row.Editor.Title}`;
      });
    }
    await checks.check("an expired change token reloads the list", async () => {
      const checkpoint = main.list.checkpoint();
      for (const list of opened) list.close(); // a checkpoint of a feed that is open is ignored
      const parts = checkpoint.token.split(";");
      parts[3] = ANCIENT_TICKS;
      parts[4] = "1";
      const old = await openList("expired", { resume: { ...checkpoint, token: parts.join(";") } });
      const reloaded = () => old.events.some((e) => e.type === "reset" || (e.type === "status" && e.reason === "reloading the whole list"));
      for (const t0 = Date.now(); !reloaded() && Date.now() - t0 < waitMs; ) await sleep(200);
      const told = old.errors().map((e) => `${e.error.code}: ${e.error.message}`);
      if (!reloaded()) throw new Error(`no reload within ${waitMs} ms; errors: ${told.join(" | ") || "none"}`);
      const took = await converge(old, rest, waitMs);
      return `${took}${told.length ? `; told: ${told.join(" | ")}` : ""}`;
    });
    if (env.SP_BIG_LIST) {
      await checks.check(`a list over the view threshold ("${env.SP_BIG_LIST}", read only) loads`, async () => {
        const big = rest.withList(env.SP_BIG_LIST);
        const live = await open(sp, big, "big");
        opened.push(live.list);
        const took = await converge(live, big, Math.max(waitMs, 120000));
        return `${took}, ${live.list.stats().requests} requests`;
      });
    }
    await checks.check("an unknown list gives a coded error", async () => {
      let error;
      try {
        const live = await openList("missing", { listTitle: `${marker} missing` });
        const t0 = Date.now();
        while (!live.errors().length && Date.now() - t0 < waitMs) await sleep(100);
        error = live.errors()[0]?.error;
      } catch (e) {
        error = e;
      }
      if (!error?.code) throw new Error(`no coded error: ${error?.message ?? "nothing"}`);
      return `${error.code}${error.status ? ` ${error.status}` : ""}: ${error.message}`;
    });
  } catch (e) {
    checks.failed += 1;
    console.log(`not ok - ${e.message}`);
  } finally {
    for (const list of opened) list.close();
    let left = 0;
    for (const id of created) await rest.remove(id).catch(() => (left += 1));
    console.log(`# deleted the ${created.size - left} items the probe added${left ? `; ${left} could not be deleted` : ""}`);
  }
  return checks;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  probe()
    .then((c) => {
      console.log(`${c.passed} passed, ${c.failed} failed`);
      process.exit(c.failed ? 1 : 0);
    })
    .catch((e) => {
      console.log(`not ok - ${e.message}`);
      console.log("0 passed, 1 failed");
      process.exit(1);
    });
}
