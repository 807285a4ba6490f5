// Browser test of the seed facade (sp-live/seed) against sp-sim + sp-broadcaster: a page
// whose "seed web part" eventsubscriber is the seed's, unchanged, receives "listChanges"
// JSON strings in the seed's shape for add, update and delete, errors as ErrorMsg, and a
// reset (expired change token) as a diff. Prints one line per check and
// "N passed, M failed"; exits 1 on failure.
//
//   cargo build -p sp-sim -p sp-broadcaster && make pkg && cp src/js/seed.* pkg/
//   node tests/facade/facade.test.mjs
// Ports (127.0.0.1): sim 21500, broadcaster 21400, page 21080 (below Linux's ephemeral range,
// 32768-60999, where a client socket's own port could take one first). Logs: target/facade/.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { emitterChecks } from "./emitter-checks.mjs";
import { lifecycleChecks } from "./lifecycle-checks.mjs";
import { Checks, Rest, admin as adminApi, killAll, launchChromium, portTaken, serveStatic, sleep, startSimAndBroadcaster, subscribeWebhook, under, waitFor } from "../e2e/lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const require = createRequire(path.join(ROOT, "tests/tools/package.json"));
const { chromium } = require("playwright-core");

const SIM = 21500;
const BC = 21400;
const PAGE = 21080;
const HOST = "127.0.0.1";
const SITE = `http://${HOST}:${SIM}/sites/dev`;
const BROADCASTER = `http://${HOST}:${BC}`;
const BIN = path.join(ROOT, "target/debug");
const OUT = path.join(ROOT, "target/facade");
const ARRIVE_MS = 8000;
const KEYS = ["AddedItems", "UpdatedItems", "DeleteItems", "ErrorMsg"];

fs.mkdirSync(OUT, { recursive: true });
const logFile = fs.createWriteStream(path.join(OUT, "facade.log"));
const checks = new Checks();

const watchdog = setTimeout(() => {
  console.log("not ok - watchdog: the facade test took more than 180 s");
  console.log(`${checks.passed} passed, ${checks.failed + 1} failed`);
  killAll();
  process.exit(1);
}, 180_000);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => (killAll(), process.exit(130)));
process.on("exit", killAll);

// ---------- the page at /, pkg/ under /pkg/; the sim's admin API ----------

const serve = () =>
  serveStatic(HOST, PAGE, ROOT, (p) =>
    p === "/" ? path.join(HERE, "page.html") : p === "/page.mjs" ? path.join(HERE, "page.mjs") : under(p, "/pkg/", path.join(ROOT, "pkg")));
const admin = (method, route, body) => adminApi(`http://${HOST}:${SIM}`, method, route, body);

// ---------- page helpers ----------

const payloads = (page) => page.evaluate(() => window.t.received.slice());
const sameRows = async (page, rest) => {
  const [mine, server] = await Promise.all([page.evaluate(() => window.t.rows()), rest.items()]);
  return JSON.stringify(mine) === JSON.stringify(server) ? mine.length : false;
};

/** Waits for payloads after index `from`; returns them parsed (and raw). */
async function nextPayloads(page, from, count = 1, what = "a listChanges payload") {
  const { value } = await waitFor(what, async () => {
    const all = await payloads(page);
    return all.length >= from + count ? all.slice(from) : false;
  }, ARRIVE_MS);
  return value;
}

/** The payload is a JSON string of exactly the seed's shape (keys, order, types). */
function seedShape(raw) {
  if (typeof raw !== "string") throw new Error(`payload is a ${typeof raw}, not a JSON string`);
  const p = JSON.parse(raw);
  if (JSON.stringify(Object.keys(p)) !== JSON.stringify(KEYS)) throw new Error(`keys ${JSON.stringify(Object.keys(p))}`);
  for (const k of KEYS.slice(0, 3)) if (!Array.isArray(p[k])) throw new Error(`${k} is not an array`);
  if (typeof p.ErrorMsg !== "string") throw new Error("ErrorMsg is not a string");
  for (const d of p.DeleteItems) {
    if (JSON.stringify(Object.keys(d)) !== '["ItemId"]' || typeof d.ItemId !== "number") throw new Error(`DeleteItems entry ${JSON.stringify(d)}`);
  }
  return p;
}

const expect = (cond, message) => {
  if (!cond) throw new Error(message);
};

// ---------- the test ----------

async function main() {
  for (const p of [SIM, BC, PAGE]) {
    if (await portTaken(p)) throw new Error(`port ${p} is taken: stop whatever listens there`);
  }
  for (const f of ["sp-sim", "sp-broadcaster"]) {
    if (!fs.existsSync(path.join(BIN, f))) throw new Error(`${BIN}/${f} missing: cargo build -p sp-sim -p sp-broadcaster`);
  }
  for (const f of ["sp_live.js", "sp_live_bg.wasm", "seed.js"]) {
    if (!fs.existsSync(path.join(ROOT, "pkg", f))) throw new Error(`pkg/${f} missing: make pkg && cp src/js/seed.* pkg/`);
  }
  await startSimAndBroadcaster(BIN, SIM, BC, logFile);
  const server = await serve();

  const list = await admin("POST", "/seed", { title: "Mails", count: 12 });
  const other = await admin("POST", "/seed", { title: "Other", count: 3 });
  const rest = new Rest(SITE, list.id);
  const browser = await launchChromium(chromium);
  const pageErrors = [];
  const openPage = async (query = "") => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10000);
    page.on("console", (m) => logFile.write(`[page ${m.type()}] ${m.text()}\n`));
    page.on("pageerror", (e) => (pageErrors.push(e.message), logFile.write(`[pageerror] ${e.message}\n`)));
    await page.goto(`http://${HOST}:${PAGE}/${query}`);
    await page.waitForFunction(() => window.ready === true);
    return page;
  };
  const base = { broadcaster: BROADCASTER, siteUrl: SITE, listId: list.id, select: ["Title", "Subject"] };

  try {
    await checks.check("webhook subscribed through the sim's REST API (validated by the broadcaster)", async () => {
      const sub = await subscribeWebhook(rest, list.id, `${BROADCASTER}/api/webhook`, "sp-live-facade");
      expect(sub.resource === list.id, `resource ${sub.resource}`);
      await subscribeWebhook(rest, other.id, `${BROADCASTER}/api/webhook`, "sp-live-facade");
    });

    const page = await openPage();

    await checks.check("RxJsEventEmitter.getInstance() is one page-wide instance on window.RxJsEventEmitter", () =>
      page.evaluate(() => {
        const { RxJsEventEmitter, emitter } = window.t;
        if (RxJsEventEmitter.getInstance() !== emitter || window.RxJsEventEmitter !== emitter) throw new Error("not a singleton");
      }));

    await checks.check("emitter: on/emit in order, on returns an unsubscribe, off(name, h), off(name), dispose-free isolation", () =>
      page.evaluate(() => {
        const e = window.t.emitter;
        const log = [];
        const a = (d) => log.push(["a", d]);
        const offA = e.on("ev", a);
        const offB = e.on("ev", (d) => log.push(["b", d]));
        e.on("ev", () => {
          throw new Error("boom from a listener");
        });
        const offC = e.on("ev", (d) => log.push(["c", d]));
        e.emit("ev", { n: 1 });
        offB();
        offB(); // twice is fine
        e.emit("ev", 2);
        e.off("ev", a);
        e.emit("ev", 3);
        e.off("ev");
        e.emit("ev", 4);
        offA();
        offC();
        const want = '[["a",{"n":1}],["b",{"n":1}],["c",{"n":1}],["a",2],["c",2],["c",3]]';
        if (JSON.stringify(log) !== want) throw new Error(JSON.stringify(log));
        if (window.t.reported.filter((m) => /boom from a listener/.test(m)).length !== 3) throw new Error(`reported: ${JSON.stringify(window.t.reported)}`);
        // A handler removed by an earlier handler of the same emit is not called.
        const seen = [];
        let offY;
        e.on("ev2", () => (seen.push("x"), offY()));
        offY = e.on("ev2", () => seen.push("y"));
        e.emit("ev2");
        if (seen.join() !== "x") throw new Error(`seen ${seen}`);
        e.off("ev2");
      }));
    await emitterChecks(checks, { page, openPage, base });

    await checks.check("SocketListChanges.start() resolves; the list goes live; no payload for the initial rows", async () => {
      const r = await page.evaluate((o) => window.t.start("main", o), base);
      expect(r.ok, JSON.stringify(r));
      await waitFor("status live", () => page.evaluate(() => window.t.status("main") === "live"), 15000);
      const n = await page.evaluate(({ site, id }) => window.t.loadRows(site, id), { site: SITE, id: list.id });
      expect(n === 12, `${n} rows`);
      await sleep(500);
      const got = await payloads(page);
      expect(got.length === 0, `payloads: ${got}`);
      return `${n} rows`;
    });

    let id;
    await checks.check("add -> one JSON string {AddedItems:[item], UpdatedItems:[], DeleteItems:[], ErrorMsg:\"\"}", async () => {
      const from = (await payloads(page)).length;
      id = await rest.add({ Title: "facade add", Subject: "hello" });
      const [raw] = await nextPayloads(page, from);
      const p = seedShape(raw);
      expect(p.AddedItems.length === 1 && p.UpdatedItems.length === 0 && p.DeleteItems.length === 0 && p.ErrorMsg === "", raw);
      const item = p.AddedItems[0];
      expect(item.Id === id && item.Title === "facade add" && item.Subject === "hello", raw);
      return raw.length > 160 ? `${raw.slice(0, 160)}...` : raw;
    });

    await checks.check("update -> {AddedItems:[], UpdatedItems:[item], DeleteItems:[], ErrorMsg:\"\"}", async () => {
      const from = (await payloads(page)).length;
      await rest.update(id, { Subject: "updated" });
      const [raw] = await nextPayloads(page, from);
      const p = seedShape(raw);
      expect(p.AddedItems.length === 0 && p.UpdatedItems.length === 1 && p.DeleteItems.length === 0 && p.ErrorMsg === "", raw);
      expect(p.UpdatedItems[0].Id === id && p.UpdatedItems[0].Subject === "updated" && p.UpdatedItems[0].Title === "facade add", raw);
    });

    await checks.check("delete -> {AddedItems:[], UpdatedItems:[], DeleteItems:[{ItemId}], ErrorMsg:\"\"}", async () => {
      const from = (await payloads(page)).length;
      await rest.remove(id);
      const [raw] = await nextPayloads(page, from);
      const p = seedShape(raw);
      expect(JSON.stringify(p) === JSON.stringify({ AddedItems: [], UpdatedItems: [], DeleteItems: [{ ItemId: id }], ErrorMsg: "" }), raw);
      return raw;
    });

    await checks.check("the seed's eventsubscriber, unchanged, keeps its rows equal to the sim's list", async () => {
      const n = (await waitFor("rows = server", () => sameRows(page, rest), ARRIVE_MS)).value;
      return `${n} rows`;
    });

    await checks.check("a burst (3 adds, 1 update, 1 delete) arrives in the seed's shape; rows still equal", async () => {
      const from = (await payloads(page)).length;
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push(await rest.add({ Title: `burst ${i}`, Subject: "b" }));
      await rest.update(ids[0], { Subject: "b2" });
      await rest.remove(ids[1]);
      await waitFor("rows = server", () => sameRows(page, rest), ARRIVE_MS);
      const all = (await payloads(page)).slice(from).map(seedShape);
      expect(all.every((p) => p.ErrorMsg === ""), JSON.stringify(all));
      return `${all.length} payload(s)`;
    });

    await checks.check("an error event it does not recover from as SharePoint asks (500 on GetChanges) -> {AddedItems:[], UpdatedItems:[], DeleteItems:[], ErrorMsg: message}; the change follows", async () => {
      const from = (await payloads(page)).length;
      await admin("POST", "/faults", { status: 500, count: 1, match: "getchanges" });
      const added = await rest.add({ Title: "after a 500", Subject: "x" });
      const got = await nextPayloads(page, from, 2, "an error payload, then the change");
      const [err, change] = got.map(seedShape);
      expect(err.AddedItems.length === 0 && err.UpdatedItems.length === 0 && err.DeleteItems.length === 0, JSON.stringify(err));
      expect(err.ErrorMsg.length > 0, "ErrorMsg is empty");
      expect(change.ErrorMsg === "" && change.AddedItems.some((i) => i.Id === added), JSON.stringify(change));
      const seedSaw = await page.evaluate(() => window.t.seedErrors.slice());
      expect(seedSaw.includes(err.ErrorMsg), `seed errors ${JSON.stringify(seedSaw)}`);
      await waitFor("rows = server", () => sameRows(page, rest), ARRIVE_MS);
      return `ErrorMsg ${JSON.stringify(err.ErrorMsg.slice(0, 80))}`;
    });

    await checks.check("throttling (503 with Retry-After on GetChanges): no ErrorMsg (the list waits and sends again, a seed web part would show it until disposed); the change follows", async () => {
      const from = (await payloads(page)).length;
      const { seen, codes } = await page.evaluate(() => ({ seen: window.t.seedErrors.length, codes: window.t.errorCodes.length }));
      await admin("POST", "/faults", { status: 503, count: 1, retryAfter: 1, match: "getchanges" });
      const added = await rest.add({ Title: "after a 503", Subject: "x" });
      const [change] = (await nextPayloads(page, from, 1, "the change")).map(seedShape);
      expect(change.ErrorMsg === "" && change.AddedItems.some((i) => i.Id === added), JSON.stringify(change));
      const after = await page.evaluate(() => ({ seedErrors: window.t.seedErrors.slice(), codes: window.t.errorCodes.slice() }));
      expect(after.codes.slice(codes).includes("sp-throttled"), `the list's errors ${JSON.stringify(after.codes)}`);
      expect(after.seedErrors.length === seen, `seed errors ${JSON.stringify(after.seedErrors)}`);
      await waitFor("rows = server", () => sameRows(page, rest), ARRIVE_MS);
      return "no ErrorMsg";
    });

    await checks.check("a late second facade (emitSnapshot, own eventName, reset \"all\"): all rows once as AddedItems", async () => {
      const r = await page.evaluate((o) => {
        window.t.snap = [];
        window.t.emitter.on("listChanges2", (d) => window.t.snap.push(d));
        return window.t.start("second", { ...o, emitSnapshot: true, eventName: "listChanges2", reset: "all" });
      }, base);
      expect(r.ok, JSON.stringify(r));
      const { value } = await waitFor("snapshot payload", () => page.evaluate(() => (window.t.snap.length ? window.t.snap.slice() : false)), ARRIVE_MS);
      const p = seedShape(value[0]);
      const server = await rest.items();
      expect(JSON.stringify(p.AddedItems.map((i) => i.Id)) === JSON.stringify(server.map((i) => i.id)), `${p.AddedItems.length} vs ${server.length}`);
      expect(value.length === 1, `${value.length} payloads`);
      return `${p.AddedItems.length} rows`;
    });

    await checks.check("reset (change token expired after the clock moves 61 days): no ErrorMsg, one diff payload (\"all\": every row); rows equal", async () => {
      const before = await rest.items();
      const from = (await payloads(page)).length;
      // Hold webhooks so all three edits precede the client's next GetChanges.
      await admin("POST", "/config", { webhookIntervalMs: 600000 });
      await admin("POST", "/clock", { advanceSeconds: 61 * 86400 });
      rest.digest = null; // digests expired with the clock
      const upd = before[0].id;
      const del = before[1].id;
      const added = (await admin("POST", "/lists/Mails/items", { Title: "after reset", Subject: "r" })).Id;
      await admin("PATCH", `/lists/Mails/items/${upd}`, { Subject: "changed while expired" });
      await admin("DELETE", `/lists/Mails/items/${del}`);
      await admin("POST", "/config", { webhookIntervalMs: 300 });
      await admin("POST", "/webhooks/flush");
      await waitFor("rows = server", () => sameRows(page, rest), 15000);
      const got = (await payloads(page)).slice(from).map(seedShape);
      const errors = got.filter((p) => p.ErrorMsg);
      const diffs = got.filter((p) => !p.ErrorMsg);
      // The list reports the expired token, the facade does not: the reload it starts ends in the diff.
      const codes = await page.evaluate(() => window.t.errorCodes.slice());
      expect(codes.includes("sp-token-expired"), `the list's errors ${JSON.stringify(codes)}`);
      expect(errors.length === 0, `errors ${JSON.stringify(errors)}`);
      expect(diffs.length === 1, `${diffs.length} change payloads: ${JSON.stringify(diffs)}`);
      const d = diffs[0];
      expect(d.AddedItems.map((i) => i.Id).join() === String(added), `added ${JSON.stringify(d.AddedItems)}`);
      expect(d.UpdatedItems.map((i) => i.Id).join() === String(upd), `updated ${JSON.stringify(d.UpdatedItems)}`);
      expect(JSON.stringify(d.DeleteItems) === JSON.stringify([{ ItemId: del }]), `deleted ${JSON.stringify(d.DeleteItems)}`);
      // The second facade (reset: "all") got every row as AddedItems.
      const second = (await page.evaluate(() => window.t.snap.slice())).map(seedShape).filter((p) => !p.ErrorMsg);
      const serverIds = (await rest.items()).map((i) => i.id).join();
      expect(second.length === 2 && second[1].AddedItems.map((i) => i.Id).join() === serverIds && second[1].DeleteItems.length === 0,
        `reset "all": ${JSON.stringify(second.map((p) => p.AddedItems.length))}`);
      return `error events ${JSON.stringify(codes.slice(-6))}, no ErrorMsg`;
    });

    await checks.check("invalid options: start() rejects (code invalid-options) and emits the message as ErrorMsg", async () => {
      const from = (await payloads(page)).length;
      const r = await page.evaluate((o) => window.t.start("bad", { ...o, listId: "not-a-guid" }), base);
      expect(!r.ok && r.code === "invalid-options", JSON.stringify(r));
      const [raw] = await nextPayloads(page, from);
      const p = seedShape(raw);
      expect(p.ErrorMsg === r.message, raw);
      return r.message;
    });

    await checks.check("stop(): no payload after it; the list is closed; stop() again is harmless", async () => {
      await page.evaluate(() => {
        window.t.sockets.main.stop();
        window.t.sockets.second.stop();
        window.t.sockets.main.stop();
      });
      const status = await page.evaluate(() => window.t.status("main"));
      expect(status === null, `list after stop: ${status}`);
      // A plain LiveList on the same list proves the change reached the page.
      await page.evaluate(async (o) => {
        window.t.plain = [];
        const { LiveList } = window.t.sp;
        window.t.live = await LiveList.open(o);
        window.t.live.subscribe((ev) => window.t.plain.push(ev.type));
      }, base);
      await waitFor("plain list snapshot", () => page.evaluate(() => window.t.plain.includes("snapshot")), 10000);
      const from = (await payloads(page)).length;
      await rest.add({ Title: "after stop", Subject: "s" });
      await waitFor("plain list got the change", () => page.evaluate(() => window.t.plain.includes("changes")), ARRIVE_MS);
      await sleep(300);
      const after = (await payloads(page)).slice(from);
      expect(after.length === 0, `payloads after stop: ${after}`);
      const restart = await page.evaluate(() => window.t.sockets.main.start().then(() => "resolved", (e) => e.code));
      expect(restart === "closed", `start after stop: ${restart}`);
      await page.evaluate(() => window.t.live.close());
    });

    await checks.check("a seed emitter already on the page: getInstance() delegates to it, both ways, and on() still unsubscribes", async () => {
      const p2 = await openPage("?foreign=1");
      const r = await p2.evaluate(() => {
        const { emitter, RxJsEventEmitter } = window.t;
        const seed = window.seedEmitter;
        const out = [];
        if (window.RxJsEventEmitter !== seed) throw new Error("the seed's instance was replaced");
        if (RxJsEventEmitter.getInstance() !== emitter) throw new Error("not a singleton");
        seed.on("x", (d) => out.push(`seed:${d}`));
        const off = emitter.on("x", (d) => out.push(`ours:${d}`));
        emitter.emit("x", 1);
        seed.emit("x", 2);
        off();
        seed.emit("x", 3);
        // Handlers that come and go (a component mounted 200 times) leave one relay.
        for (let i = 0; i < 200; i += 1) emitter.on("y", () => out.push("gone"))();
        const keep = emitter.on("y", (d) => out.push(`y:${d}`));
        seed.emit("y", 4);
        // An unported web part's off(name) drops every handler of the bus, our relay
        // too: ours still hears, and so do handlers added later.
        seed.off("y");
        seed.emit("y", 5);
        const later = emitter.on("y", (d) => out.push(`later:${d}`));
        seed.emit("y", 6);
        const relays = seed.subjects["$ y"].length;
        keep();
        later();
        emitter.off("x");
        return `${out.join(",")} relays:${relays}`;
      });
      expect(r === "seed:1,ours:1,seed:2,ours:2,seed:3,y:4,y:5,y:6,later:6 relays:1", r);
      // The facade's payloads reach the seed's own subscribers.
      const s = await p2.evaluate((o) => {
        window.t.seedSide = [];
        window.seedEmitter.on("listChanges", (d) => window.t.seedSide.push(d));
        return window.t.start("main", o);
      }, base);
      expect(s.ok, JSON.stringify(s));
      await waitFor("live", () => p2.evaluate(() => window.t.status("main") === "live"), 15000);
      const added = await rest.add({ Title: "through a seed emitter", Subject: "f" });
      const { value } = await waitFor("payload at the seed's emitter", () => p2.evaluate(() => (window.t.seedSide.length ? window.t.seedSide.slice() : false)), ARRIVE_MS);
      const p = seedShape(value[0]);
      expect(p.AddedItems[0]?.Id === added, value[0]);
      await p2.evaluate(() => window.t.sockets.main.stop());
      await p2.close();
    });

    await lifecycleChecks(checks, { openPage, base, broadcaster: BROADCASTER, rest, wasmPath: path.join(ROOT, "pkg/sp_live_bg.wasm") });

    await checks.check("no uncaught page errors", () => {
      if (pageErrors.length) throw new Error(pageErrors.join("; "));
    });
  } finally {
    await browser.close().catch(() => {});
    server.close();
    killAll();
  }
}

main()
  .catch((e) => {
    checks.failed += 1;
    console.log(`not ok - setup: ${e?.stack ?? e}`);
  })
  .finally(() => {
    clearTimeout(watchdog);
    console.log(`${checks.passed} passed, ${checks.failed} failed`);
    logFile.end();
    process.exit(checks.failed ? 1 : 0);
  });
