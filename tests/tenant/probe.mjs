// The tenant probe: runs sp-live (pkg/, in Node) against a real SharePoint site and
// checks, end to end, what the tests can only check against sp-sim: loads in every
// metadata level, edits, deletes, recycle and restore, a bulk of adds, a view with a
// `datetime` filter, the read-ahead's window (one request for a lone edit), old and
// expired change tokens, an unknown list. It edits only items it adds itself, in a list you name,
// and deletes them at the end. Every exchange is written to the output folder with the
// credentials left out. See README "Checking a real tenant".
//
//   SP_SITE=https://contoso.sharepoint.com/sites/team SP_LIST="sp-live probe" \
//   SP_TOKEN_CMD="m365 util accesstoken get --resource https://contoso.sharepoint.com --output text" \
//   make probe-tenant
//
// Environment: SP_SITE, SP_LIST (a list you may add items to, under 5,000 items),
// SP_TOKEN (a bearer token for SharePoint) or SP_TOKEN_CMD (a command printing one) or
// SP_COOKIE (a browser's FedAuth/rtFa cookies), SP_PROBE_OUT (default
// target/tenant-probe), SP_PROBE_BULK (items added at once, default 120),
// SP_PROBE_WAIT_MS (how long a list may take to show a change, default 60000),
// SP_PROBE_RETRIES (of the probe's own throttled requests, default 8), SP_BIG_LIST
// (optional: a list over the 5,000-item view threshold, only read).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Checks, sleep } from "../e2e/lib.mjs";
import { changeOf, converge, open, quiet, rowsOf } from "./live.mjs";
import { Rest, checkToken, credentials } from "./rest.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** .NET ticks of 2001-01-01 (and that time in ms): a change token from then is long past
 * any change log. */
const ANCIENT_TICKS = "631139040000000000";
const ANCIENT_MS = Date.UTC(2001, 0, 1);

/** Empties the output folder, refusing one that holds anything but a record. */
function freshOutput(out) {
  const entries = fs.existsSync(out) ? fs.readdirSync(out) : [];
  const foreign = entries.filter((f) => !/^\d{3}-.*\.txt$/.test(f));
  if (foreign.length) throw new Error(`SP_PROBE_OUT ${out} holds other files (${foreign.slice(0, 3).join(", ")}): give an empty folder`);
  fs.rmSync(out, { recursive: true, force: true });
}

/** `fn()` with `Date.now()` at `ms`: sp-live then takes an old checkpoint for a recent
 * one and asks SharePoint about its token. */
async function at(ms, fn) {
  const now = Date.now;
  Date.now = () => ms;
  try {
    return await fn();
  } finally {
    Date.now = now;
  }
}

/** Runs every check; resolves to the `Checks` tally. */
export async function probe(env = process.env) {
  if (!env.SP_SITE || !env.SP_LIST) throw new Error("set SP_SITE (the site URL) and SP_LIST (a list the probe may add items to)");
  const out = path.resolve(env.SP_PROBE_OUT ?? path.join(ROOT, "target/tenant-probe"));
  freshOutput(out);
  const retries = Number(env.SP_PROBE_RETRIES ?? 8);
  const renew = !env.SP_TOKEN && env.SP_TOKEN_CMD ? () => credentials(env) : undefined;
  const rest = new Rest({ site: env.SP_SITE, list: env.SP_LIST, auth: credentials(env), out, retries, renew });
  checkToken(rest.auth, rest.site);
  const waitMs = Number(env.SP_PROBE_WAIT_MS ?? 60000);
  const bulk = Number(env.SP_PROBE_BULK ?? 120);
  const sp = await import(pathToFileURL(path.join(ROOT, "pkg/sp_live.js")));
  await sp.default({ module_or_path: fs.readFileSync(path.join(ROOT, "pkg/sp_live_bg.wasm")) });

  const checks = new Checks();
  const marker = `sp-live probe ${new Date().toISOString()}`;
  const created = new Set();
  let adding = Promise.resolve(); // the add in flight: its item is in `created` once it ends
  let stopping = false;
  const add = (n) => {
    if (stopping) throw new Error("interrupted");
    const id = rest.add(`${marker} ${n}`);
    adding = id.then((i) => created.add(i), () => {});
    return id;
  };
  const opened = [];
  let cleaning;
  /** Closes the lists and deletes every item the probe added (once). */
  const cleanup = () =>
    (cleaning ??= (async () => {
      await adding;
      for (const list of opened) list.close();
      const left = [];
      for (const id of created) await rest.remove(id).catch(() => left.push(id));
      const more = left.length ? `; ${left.length} could not be deleted (ids ${left.join(", ")}, titled "${marker} ..."): delete them by hand` : "";
      console.log(`# deleted the ${created.size - left.length} items the probe added${more}`);
    })());
  // Ctrl-C (or a SIGTERM) deletes the items before leaving; a second one leaves at once.
  const onSignal = async (signal) => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`# ${signal}: deleting the items the probe added (${signal} again to leave them)`);
    await cleanup();
    console.log(`not ok - interrupted by ${signal}`);
    process.exit(130);
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, onSignal);
  const openList = async (...a) => {
    const live = await open(sp, rest, ...a);
    opened.push(live.list);
    return live;
  };
  console.log(`# ${rest.site}, list "${rest.listTitle}"; exchanges in ${out}`);
  try {
    const info = await rest.listInfo();
    console.log(`# list ${info.Id}, ${info.ItemCount} items`);
    if (info.ItemCount + bulk + 20 > 5000) {
      throw new Error(`"${rest.listTitle}" has ${info.ItemCount} items: with the probe's it would pass the 5,000-item view threshold (no read-ahead, no filter on Modified); use a smaller list, and name a big one in SP_BIG_LIST`);
    }
    let main;
    await checks.check("the list loads (OData 4, the default with a fetch)", async () => {
      main = await openList("load");
      return converge(main, rest, waitMs);
    });
    if (!main) throw new Error("the list did not load: the other checks need it");
    await checks.check("CurrentChangeToken carries the current time (a reload's cursor is fresh)", async () => {
      const j = await rest.json("current-token", `${rest.list}?$select=CurrentChangeToken`, { headers: { Accept: "application/json;odata=nometadata" } });
      const ticks = Number(j.CurrentChangeToken.StringValue.split(";")[3]);
      const offMs = (ticks - 621355968000000000) / 10_000 - Date.now();
      // Else a list idle for 50 days would reload once a day instead of once.
      if (Math.abs(offMs) > 10 * 60_000) throw new Error(`its time is ${(offMs / 3_600_000).toFixed(1)} h from this machine's clock`);
      return `${(offMs / 1000).toFixed(1)} s from this machine's clock`;
    });
    await checks.check("a lone edit takes one request (the read-ahead's datetime window)", async () => {
      const id = await add("lone");
      await converge(main, rest, waitMs);
      await quiet(main);
      const [before, since, from] = [main.list.stats().requests, main.events.length, rest.log.sent.length];
      await rest.update(id, `${marker} lone, edited`);
      main.list.refresh();
      await changeOf(main, id, since, waitMs);
      const requests = main.list.stats().requests - before;
      if (requests !== 1) {
        // A refused $batch (now or earlier: sp-live then stops sending them) means no read-ahead.
        const load = rest.log.sent.filter((s) => s.label === "load");
        const sent = rest.log.sent.slice(from).filter((s) => s.label === "load");
        const why = load.some((s) => s.kind === "batch" && (s.status < 200 || s.status > 299) && s.status !== 429 && s.status !== 503)
          ? "the site refused sp-live's $batch (see the load-batch exchanges): no read-ahead"
          : sent.some((s) => s.status === 429 || s.status === 503)
            ? "throttled: run the probe again later"
            : "the read-ahead missed the edit (only costs a request)";
        throw new Error(`${requests} requests (${sent.map((s) => `${s.kind} ${s.status}`).join(", ")}): ${why}`);
      }
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
      // The window starts a second after an item's Modified (the site's clock): the view
      // must leave that item out, or a filter that ignored the time of day (or read it in
      // another time zone) would pass whenever every row is recent.
      const early = await add("view, before the window");
      const { modified } = (await rest.items()).find((i) => i.id === early);
      const since = new Date(Date.parse(modified) + 1000).toISOString().replace(/\.\d+Z$/, "Z");
      await sleep(2500); // the next edit is past `since` by the site's clock
      const filter = `Modified ge datetime'${since}'`;
      const view = await openList("view", { filter, select: ["Title", "Modified"], orderBy: "Modified desc" });
      await converge(view, rest, waitMs, { filter });
      const late = await add("view");
      await rest.update(late, `${marker} view, edited`);
      const took = await converge(view, rest, waitMs, { filter });
      const ids = rowsOf(view.list).map((r) => r.id);
      if (ids.includes(early)) throw new Error(`item ${early}, modified at ${modified}, is shown in a view of Modified ge ${since}: the site's datetime filter ignores the time of day or reads it in another time zone`);
      if (!ids.includes(late)) throw new Error(`item ${late}, modified after ${since}, is not shown`);
      const times = view.list.items().map((i) => Date.parse(i.Modified));
      if (times.some((t, k) => k > 0 && t > times[k - 1])) throw new Error("rows not in Modified desc order");
      if (times.some((t) => t < Date.parse(since))) throw new Error(`a row modified before ${since} is shown`);
      return `${took} of ${(await rest.items()).length} in the list`;
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
    const checkpoint = main.list.checkpoint();
    for (const list of opened) list.close(); // a checkpoint of a feed that is open is ignored
    const parts = checkpoint.token.split(";");
    parts[3] = ANCIENT_TICKS;
    parts[4] = "1";
    const ancient = { ...checkpoint, token: parts.join(";") };
    await checks.check("a checkpoint over 50 days old loads the list", async () => {
      const old = await openList("old-checkpoint", { resume: ancient });
      const took = await converge(old, rest, waitMs);
      const seen = old.events.map((e) => e.reason ?? e.type);
      if (seen.includes("catching up from a checkpoint")) throw new Error(`caught up from it: ${seen.join(", ")}`);
      old.list.close();
      return took;
    });
    await checks.check("a change token from 2001: what the site says, and sp-live reloads", async () => {
      const direct = await rest.getChanges("direct-getchanges-2001", ancient.token);
      const said = `HTTP ${direct.status} ${direct.text.slice(0, 160).replace(/\s+/g, " ")}`;
      // Today's clock would make sp-live load the list without asking (the check above).
      const old = await at(ANCIENT_MS + 86_400_000, () => openList("expired", { resume: ancient }));
      const reloaded = () => old.events.some((e) => e.type === "reset" || e.reason === "reloading the whole list");
      for (const t0 = Date.now(); !reloaded() && Date.now() - t0 < waitMs; ) await sleep(200);
      const told = old.errors().map((e) => `${e.error.code}: ${e.error.message}`).join(" | ") || "no error";
      if (direct.status < 300) {
        // Nothing sp-live could see: the 50-day rule is what keeps such checkpoints out.
        return `the site ACCEPTED it (${said}): it does not report an expired token; sp-live ${reloaded() ? "reloaded anyway" : "could not tell"} (${told})`;
      }
      if (!reloaded()) throw new Error(`the site refused it (${said}) but sp-live did not reload: ${told}`);
      const took = await converge(old, rest, waitMs);
      return `${took}; the site said ${said}; sp-live was told ${told}`;
    });
    if (env.SP_BIG_LIST) {
      await checks.check(`a list over the view threshold ("${env.SP_BIG_LIST}", read only) loads`, async () => {
        const big = rest.withList(env.SP_BIG_LIST);
        const live = await open(sp, big, "big");
        opened.push(live.list);
        const took = await converge(live, big, Math.max(waitMs, 120000), { pollMs: 10_000 });
        return `${took}, ${live.list.stats().requests} requests`;
      });
    }
    await checks.check("an unknown list gives a coded error", async () => {
      let error;
      try {
        const live = await openList("missing", { listTitle: `sp-live probe missing ${Date.now()}` });
        const t0 = Date.now();
        while (!live.errors().length && Date.now() - t0 < waitMs) await sleep(100);
        error = live.errors()[0]?.error;
      } catch (e) {
        error = e;
      }
      if (!error?.code) throw new Error(`no coded error: ${error?.message ?? "nothing"}`);
      if (error.status !== 404) throw new Error(`expected a 404, got ${error.status} ${error.code}: ${error.message}`);
      return `${error.code}${error.status ? ` ${error.status}` : ""}: ${error.message}`;
    });
  } catch (e) {
    checks.failed += 1;
    console.log(`not ok - ${e.message}`);
  } finally {
    await cleanup();
    for (const signal of ["SIGINT", "SIGTERM"]) process.off(signal, onSignal);
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
