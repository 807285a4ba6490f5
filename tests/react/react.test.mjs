// Browser test of sp-live/react (`useLiveList`) with React 17, the version SPFx ships,
// against sp-sim + sp-broadcaster: a grid component shows the list's rows live through
// webhooks, keeps one list across renders with new inline closures, reopens when an
// option changes, closes on unmount and on `null` options, keeps a checkpoint in
// sessionStorage with `storageKey` and resumes from it, and reports a failed open; how
// it treats options that change (tokens, late closures, wasm): option-checks.mjs; with
// React 18 (a concurrent root in StrictMode): react18-checks.mjs.
// Prints one line per check and "N passed, M failed"; exits 1 on failure.
//
//   cargo build -p sp-sim -p sp-broadcaster && make pkg
//   node tests/react/react.test.mjs
// Ports (127.0.0.1): sim 21510, broadcaster 21410, page 21090. Logs: target/react/.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { checkpointChecks } from "./checkpoint-checks.mjs";
import { optionChecks } from "./option-checks.mjs";
import { react18Checks } from "./react18-checks.mjs";
import { Checks, Rest, admin as adminApi, killAll, launchChromium, portTaken, serveStatic, startSimAndBroadcaster, subscribeWebhook, under, waitFor, watchdog } from "../e2e/lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const TOOLS = path.join(ROOT, "tests/tools/node_modules");
const REACT18 = path.join(ROOT, "tests/react18/node_modules");
const require = createRequire(path.join(ROOT, "tests/tools/package.json"));
const { chromium } = require("playwright-core");

const HOST = "127.0.0.1";
const [SIM, BC, PAGE] = [21510, 21410, 21090];
const SITE = `http://${HOST}:${SIM}/sites/dev`;
const BROADCASTER = `http://${HOST}:${BC}`;
const BIN = path.join(ROOT, "target/debug");
const OUT = path.join(ROOT, "target/react");
const ARRIVE_MS = 8000;

fs.mkdirSync(OUT, { recursive: true });
const logFile = fs.createWriteStream(path.join(OUT, "react.log"));
const checks = new Checks();
const timer = watchdog(checks, 180_000, "the sp-live/react test");

const FILES = {
  "/": path.join(HERE, "page.html"),
  "/page.mjs": path.join(HERE, "page.mjs"),
  "/react-shim.mjs": path.join(HERE, "react-shim.mjs"),
  "/vendor/react.js": path.join(TOOLS, "react/umd/react.production.min.js"),
  "/vendor/react-dom.js": path.join(TOOLS, "react-dom/umd/react-dom.production.min.js"),
  // React 18, development builds (StrictMode runs effects twice only there).
  "/18/": path.join(HERE, "page.html"),
  "/18/page.mjs": path.join(HERE, "page.mjs"),
  "/18/vendor/react.js": path.join(REACT18, "react/umd/react.development.js"),
  "/18/vendor/react-dom.js": path.join(REACT18, "react-dom/umd/react-dom.development.js"),
};
const serve = () => serveStatic(HOST, PAGE, ROOT, (p) => FILES[p] ?? under(p, "/pkg/", path.join(ROOT, "pkg")));
const admin = (method, route, body) => adminApi(`http://${HOST}:${SIM}`, method, route, body);

const expect = (cond, message) => {
  if (!cond) throw new Error(message);
};

/** Waits until the grid in `#id` shows exactly the server's rows; returns how many. */
async function showsServerRows(page, rest, id = "root", what = "the grid shows the server's rows") {
  const { value } = await waitFor(what, async () => {
    const [mine, server] = await Promise.all([page.evaluate((id) => window.t.rows(id), id), rest.items()]);
    return JSON.stringify(mine) === JSON.stringify(server.map((r) => `${r.id}:${r.title}`)) && mine.length;
  }, ARRIVE_MS);
  return value;
}

const status = (page, id = "root") => page.evaluate((id) => window.t.text(id, "status"), id);
const waitStatus = (page, want, id = "root") =>
  waitFor(`status ${want}`, async () => (await status(page, id)) === want, ARRIVE_MS);

async function main() {
  for (const p of [SIM, BC, PAGE]) {
    if (await portTaken(p)) throw new Error(`port ${p} is taken: stop whatever listens there`);
  }
  for (const f of [path.join(BIN, "sp-sim"), path.join(BIN, "sp-broadcaster"), path.join(ROOT, "pkg/react.js"), ...Object.values(FILES)]) {
    if (!fs.existsSync(f)) throw new Error(`${f} missing: cargo build -p sp-sim -p sp-broadcaster, make pkg, make tools`);
  }
  await startSimAndBroadcaster(BIN, SIM, BC, logFile);
  const server = await serve();

  const mails = await admin("POST", "/seed", { title: "Mails", count: 6 });
  const other = await admin("POST", "/seed", { title: "Other", count: 3 });
  const rest = new Rest(SITE, mails.id);
  const otherRest = new Rest(SITE, other.id);
  for (const list of [mails, other]) await subscribeWebhook(rest, list.id, `${BROADCASTER}/api/webhook`, "sp-live-react");

  const browser = await launchChromium(chromium);
  const pageErrors = [];
  const page = await browser.newPage();
  page.setDefaultTimeout(10000);
  page.on("console", (m) => logFile.write(`[page ${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => (pageErrors.push(e.message), logFile.write(`[pageerror] ${e.message}\n`)));
  await page.goto(`http://${HOST}:${PAGE}/`);
  await page.waitForFunction(() => window.ready === true);
  const base = { broadcaster: BROADCASTER, siteUrl: SITE, select: ["Title"] };

  try {
    // Before anything loaded the wasm: a failure to load it is coded, and the core API
    // loads it itself when init() was not called.
    await checks.check("a wasm that cannot be loaded: status closed and an error with code init", async () => {
      await page.evaluate((o) => window.t.render(o), { ...base, listId: mails.id, wasm: "/no-such.wasm" });
      await waitStatus(page, "closed");
      const error = await page.evaluate(() => window.t.text("root", "error"));
      expect(error.startsWith("init: "), `error ${error}`);
      await page.evaluate(() => window.t.unmount());
      return error;
    });

    await checks.check("LiveList.open without init() loads the wasm itself and goes live", async () => {
      const status = await page.evaluate(async (o) => {
        const { LiveList } = await import("/pkg/sp_live.js");
        const list = await LiveList.open(o);
        for (let i = 0; i < 200 && list.status !== "live"; i++) await new Promise((r) => setTimeout(r, 50));
        const seen = `${list.status}, ${list.items().length} rows`;
        list.close();
        return seen;
      }, { ...base, listId: mails.id });
      expect(status.startsWith("live, "), status);
      return status;
    });

    await checks.check("a grid with useLiveList goes connecting -> live and shows the list's rows", async () => {
      // The first status rendered (the wasm is loaded by now, so the list may be loading
      // before this test reads the page: read the statuses it rendered, in order).
      await page.evaluate(() => (window.t.statuses.length = 0));
      await page.evaluate((o) => window.t.render(o, { fetchTag: "a" }), { ...base, listId: mails.id });
      const first = await page.evaluate(() => window.t.statuses[0]);
      expect(first === "connecting", `first render's status ${first}`);
      await waitStatus(page, "live");
      const n = await showsServerRows(page, rest);
      const progress = await page.evaluate(() => window.t.last.root.progress);
      expect(progress && progress.loaded === n && progress.total === n, `progress ${JSON.stringify(progress)}`);
      return `${n} rows`;
    });

    await checks.check("an update, an add and a delete through SharePoint's REST API re-render the grid", async () => {
      const [a, b] = (await rest.items()).map((r) => r.id);
      await rest.update(a, { Title: "edited from REST" });
      await showsServerRows(page, rest, "root", "the update shows");
      await rest.add({ Title: "added from REST" });
      await rest.remove(b);
      return `${await showsServerRows(page, rest, "root", "the add and the delete show")} rows`;
    });

    await checks.check("a render with new options objects and a new fetch closure keeps the list; requests use the latest closure", async () => {
      const before = await page.evaluate(() => window.t.lists.length);
      await page.evaluate((o) => window.t.render(o, { fetchTag: "b" }), { ...base, listId: mails.id });
      await rest.update((await rest.items())[0].id, { Title: "seen through closure b" });
      await showsServerRows(page, rest);
      const { lists, tags } = await page.evaluate(() => ({ lists: window.t.lists.length, tags: window.t.fetchTags.slice() }));
      expect(lists === before && lists === 1, `${lists} lists (was ${before})`);
      expect(tags.at(-1) === "b", `last request through closure ${tags.at(-1)}`);
      expect(tags.includes("a"), "closure a served the load");
    });

    await checks.check("another list in the options: the first list closes, the grid shows the other list, one socket", async () => {
      await page.evaluate((o) => window.t.render(o, { fetchTag: "c" }), { ...base, listId: other.id });
      await showsServerRows(page, otherRest, "root", "the other list's rows");
      await waitStatus(page, "live");
      const { first, count, sockets } = await page.evaluate(() => ({
        first: window.t.lists[0].status,
        count: window.t.lists.length,
        sockets: window.t.openSockets(),
      }));
      expect(first === "closed", `the first list is ${first}`);
      expect(count === 2, `${count} lists`);
      expect(sockets === 1, `${sockets} open sockets`);
      await otherRest.add({ Title: "other list edit" });
      await showsServerRows(page, otherRest, "root", "an edit of the other list");
    });

    await checks.check("two grids with the same options share one socket; unmounting one leaves the other live", async () => {
      await page.evaluate((o) => window.t.render(o, { id: "second" }), { ...base, listId: other.id });
      await waitStatus(page, "live", "second");
      await showsServerRows(page, otherRest, "second");
      expect((await page.evaluate(() => window.t.openSockets())) === 1, "one socket");
      await page.evaluate(() => window.t.unmount("second"));
      await otherRest.add({ Title: "after the second unmounted" });
      await showsServerRows(page, otherRest, "root", "the first grid still updates");
    });

    await checks.check("null options close the list and open nothing: status closed, no rows, no socket", async () => {
      await page.evaluate(() => window.t.render(null));
      await waitStatus(page, "closed");
      await waitFor("the socket closes", () => page.evaluate(() => window.t.openSockets() === 0), ARRIVE_MS);
      const { rows, lists } = await page.evaluate(() => ({ rows: window.t.rows().length, lists: window.t.lists.map((l) => l.status) }));
      expect(rows === 0, `${rows} rows`);
      expect(lists.every((s) => s === "closed"), `lists ${lists}`);
    });

    await checks.check("storageKey: unmounting keeps the checkpoint in sessionStorage; the next mount shows it at once and catches up, with no load", async () => {
      await page.evaluate((o) => window.t.render(o, { fetchTag: "s1" }), { ...base, listId: mails.id, storageKey: "sp-live-test" });
      await waitStatus(page, "live");
      await showsServerRows(page, rest);
      await page.evaluate(() => window.t.unmount());
      const kept = await page.evaluate(() => JSON.parse(sessionStorage.getItem("sp-live-test")).checkpoint);
      const rows = (await rest.items()).length;
      expect(kept && kept.items.length === rows, `kept ${kept?.items?.length} of ${rows} rows`);
      await rest.update((await rest.items())[0].id, { Title: "edited while unmounted" });
      await page.evaluate(() => ((window.t.statuses = []), (window.t.fetchUrls = [])));
      await page.evaluate((o) => window.t.render(o, { fetchTag: "s2" }), { ...base, listId: mails.id, storageKey: "sp-live-test" });
      await showsServerRows(page, rest, "root", "the edit made while unmounted");
      await waitStatus(page, "live");
      const { statuses, urls } = await page.evaluate(() => ({ statuses: window.t.statuses, urls: window.t.fetchUrls }));
      expect(statuses.includes("resyncing"), `statuses ${statuses}`);
      expect(!urls.some((u) => u.includes("CurrentChangeToken")), `a load: ${urls.join(" ")}`);
      await page.evaluate(() => window.t.render(null));
      await waitStatus(page, "closed");
      return `statuses ${statuses.join(" -> ")}; ${urls.length} requests`;
    });

    // What the page's requests were since `mark()`: whether the list loaded (its token read).
    const mark = () => page.evaluate(() => ((window.t.statuses = []), (window.t.fetchUrls = [])));
    const loadedSinceMark = async () => (await page.evaluate(() => window.t.fetchUrls)).some((u) => u.includes("CurrentChangeToken"));
    /** Unmounts the grid (which keeps its checkpoint), runs `prepare(arg)` in the page,
     * and mounts it again with `options` until live. */
    const remount = async (options, tag, prepare = () => {}, arg = null) => {
      await page.evaluate(() => window.t.unmount());
      await page.evaluate(prepare, arg);
      await mark();
      await page.evaluate(([o, tag]) => window.t.render(o, { fetchTag: tag }), [options, tag]);
      await waitStatus(page, "live");
      await showsServerRows(page, rest);
    };

    await checks.check("storage: \"indexedDB\" keeps a checkpoint that does not fit in sessionStorage; the next mount resumes from it", async () => {
      // sessionStorage nearly full (as a big list's checkpoint would find it).
      const filled = await page.evaluate(() => {
        let total = 0;
        for (let size = 8_000_000, i = 0; size >= 8; size = Math.floor(size / 2)) {
          try {
            sessionStorage.setItem(`filler${i}`, "x".repeat(size));
            total += size;
            i += 1;
          } catch (error) {
            // over the quota: try half as much
          }
        }
        return total;
      });
      expect(filled > 0, "could not fill sessionStorage");
      const inSession = { ...base, listId: mails.id, storageKey: "sp-live-big" };
      const inDb = { ...inSession, storage: "indexedDB" };
      await page.evaluate((o) => window.t.render(o, { fetchTag: "i1" }), inSession);
      await waitStatus(page, "live");
      await page.evaluate(() => window.t.unmount());
      expect((await page.evaluate(() => sessionStorage.getItem("sp-live-big"))) === null, "it fit in sessionStorage");
      await page.evaluate((o) => window.t.render(o, { fetchTag: "i2" }), inDb);
      await waitStatus(page, "live");
      await showsServerRows(page, rest);
      await page.evaluate(() => window.t.unmount());
      const kept = await page.evaluate(() => import("/pkg/checkpoint.js").then((m) => m.readCheckpoint("sp-live-big", { storage: "indexedDB" })));
      expect(kept && kept.items.length === (await rest.items()).length, `kept in IndexedDB: ${kept && kept.items.length} rows`);
      await rest.update((await rest.items())[1].id, { Title: "edited while in IndexedDB" });
      await mark();
      await page.evaluate((o) => window.t.render(o, { fetchTag: "i3" }), inDb);
      await showsServerRows(page, rest, "root", "the edit made while unmounted");
      await waitStatus(page, "live");
      const statuses = await page.evaluate(() => window.t.statuses);
      expect(statuses.includes("resyncing"), `statuses ${statuses}`);
      expect(!(await loadedSinceMark()), "the list loaded");
      await page.evaluate(() => {
        window.t.unmount();
        for (const key of Object.keys(sessionStorage)) if (key.startsWith("filler")) sessionStorage.removeItem(key);
      });
      return `sessionStorage filled with ${filled} chars; statuses ${statuses.join(" -> ")}`;
    });

    await checks.check("the page hidden (pagehide) keeps the checkpoint while mounted; unchanged, it is not written again", async () => {
      const options = { ...base, listId: mails.id, storageKey: "sp-live-hide" };
      await page.evaluate((o) => window.t.render(o, { fetchTag: "h1" }), options);
      await waitStatus(page, "live");
      await showsServerRows(page, rest);
      const saved = () => page.evaluate(() => JSON.parse(sessionStorage.getItem("sp-live-hide") || "null"));
      await page.evaluate(() => window.dispatchEvent(new Event("pagehide")));
      const first = await saved();
      expect(first && first.checkpoint && first.checkpoint.items.length > 0, `kept ${JSON.stringify(first)?.slice(0, 80)}`);
      await new Promise((r) => setTimeout(r, 20));
      await page.evaluate(() => window.dispatchEvent(new Event("pagehide")));
      expect((await saved()).savedAt === first.savedAt, "written again with nothing changed");
      await rest.update((await rest.items())[0].id, { Title: "edited before the next hide" });
      await showsServerRows(page, rest);
      await page.evaluate(() => window.dispatchEvent(new Event("pagehide")));
      const second = await saved();
      expect(second.checkpoint.token !== first.checkpoint.token, "the change was not kept");
      await page.evaluate(() => window.t.unmount());
    });

    await checks.check("a stored value that is not a checkpoint, or one older than storageMaxAgeMs, is not resumed from: the list loads", async () => {
      const options = { ...base, listId: mails.id, storageKey: "sp-live-odd" };
      const found = [];
      await page.evaluate((o) => window.t.render(o, { fetchTag: "o" }), options);
      await waitStatus(page, "live");
      for (const stored of ['"x"', "{}", '{"token":"t","items":[]}', "not json"]) {
        await remount(options, "o", (v) => sessionStorage.setItem("sp-live-odd", v), stored);
        expect(await loadedSinceMark(), `${stored}: no load`);
        found.push(stored);
      }
      // Kept two days ago: older than the default of a day.
      const aged = () => {
        const record = JSON.parse(sessionStorage.getItem("sp-live-odd"));
        record.savedAt -= 2 * 24 * 3600 * 1000;
        sessionStorage.setItem("sp-live-odd", JSON.stringify(record));
      };
      await remount(options, "o", aged);
      expect(await loadedSinceMark(), "an old checkpoint was resumed from");
      await remount({ ...options, storageMaxAgeMs: 7 * 24 * 3600 * 1000 }, "o", aged);
      expect(!(await loadedSinceMark()), "a checkpoint younger than storageMaxAgeMs was not resumed from");
      await page.evaluate(() => window.t.unmount());
      return `${found.length} odd values, then an old and a fresh checkpoint`;
    });

    await checkpointChecks({ page, checks, expect, root: ROOT });

    await optionChecks({ page, checks, base, listId: mails.id, rest, showsServerRows, waitStatus, expect });
    await react18Checks({ browser, url: `http://${HOST}:${PAGE}/18/`, checks, base, lists: [mails.id, other.id], rest, logFile, expect });

    await checks.check("a SharePoint error (503 on GetChanges) shows as error, and clears once the list is live again", async () => {
      await page.evaluate((o) => window.t.render(o), { ...base, listId: mails.id });
      await waitStatus(page, "live");
      await page.evaluate(() => (window.t.views.length = 0));
      await admin("POST", "/faults", { status: 503, count: 1, retryAfter: 1, match: "getchanges" });
      await rest.add({ Title: "after a 503" });
      await showsServerRows(page, rest, "root", "the add shows after the retry");
      await waitStatus(page, "live");
      const seen = await page.evaluate(() => window.t.views.filter((v) => v.id === "root").map((v) => `${v.status}${v.error ? `(${v.error})` : ""}`));
      expect(seen.some((v) => v.includes("(sp-")), `no error rendered: ${seen.join(", ")}`);
      const error = await page.evaluate(() => window.t.text("root", "error"));
      expect(error === "", `the error stayed: ${error}`);
      return seen.join(", ");
    });

    await checks.check("a failed open: status closed and the error with its code (listId not a GUID)", async () => {
      await page.evaluate((o) => window.t.render(o), { ...base, listId: "not-a-guid" });
      await waitStatus(page, "closed");
      const error = await page.evaluate(() => window.t.text("root", "error"));
      expect(error.startsWith("invalid-options: "), `error ${error}`);
      return error;
    });

    await checks.check("a storage the checkpoint module does not know: status closed and an invalid-options error", async () => {
      await page.evaluate((o) => window.t.render(o), { ...base, listId: mails.id, storageKey: "k", storage: "localStorage" });
      await waitStatus(page, "closed");
      const error = await page.evaluate(() => window.t.text("root", "error"));
      expect(error.startsWith("invalid-options: "), `error ${error}`);
      return error;
    });

    await checks.check("a storageMaxAgeMs that is not a number: status closed and an invalid-options error naming it", async () => {
      await page.evaluate((o) => window.t.render(o), { ...base, listId: mails.id, storageKey: "k", storageMaxAgeMs: "3600000" });
      await waitStatus(page, "closed");
      const error = await page.evaluate(() => window.t.text("root", "error"));
      expect(error.startsWith("invalid-options: ") && error.includes("storageMaxAgeMs"), `error ${error}`);
      return error;
    });

    await checks.check("a storageKey that is not a string: status closed and an invalid-options error", async () => {
      await page.evaluate((o) => window.t.render(o), { ...base, listId: mails.id, storageKey: { list: "Mails" } });
      await waitStatus(page, "closed");
      const error = await page.evaluate(() => window.t.text("root", "error"));
      expect(error.startsWith("invalid-options: ") && error.includes("key"), `error ${error}`);
      return error;
    });

    await checks.check("unmounting while the list opens closes it when it opens: no socket left", async () => {
      await page.evaluate((o) => {
        window.t.render(o);
        window.t.unmount();
      }, { ...base, listId: mails.id });
      await waitFor("no socket open", () => page.evaluate(() => window.t.openSockets() === 0), ARRIVE_MS);
      await new Promise((r) => setTimeout(r, 500));
      expect((await page.evaluate(() => window.t.openSockets())) === 0, "a socket opened after the unmount");
    });

    await checks.check("no uncaught page errors", () => {
      expect(pageErrors.length === 0, pageErrors.join("; "));
    });
  } finally {
    await browser.close();
    server.close();
    clearTimeout(timer);
    killAll();
  }
}

main().then(
  () => {
    console.log(`${checks.passed} passed, ${checks.failed} failed`);
    process.exit(checks.failed ? 1 : 0);
  },
  (e) => {
    console.log(`not ok - ${e.stack ?? e}`);
    console.log(`${checks.passed} passed, ${checks.failed + 1} failed`);
    process.exit(1);
  },
);
