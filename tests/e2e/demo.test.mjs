// End-to-end test of the demo: sp-demo (sp-sim + static page) with sp-broadcaster as a
// separate process (so it can really be killed), the page in headless Chromium driven by
// playwright-core. Prints one line per check and "N passed, M failed"; exits 1 on failure.
//
//   node tests/e2e/demo.test.mjs          (after `make pkg` and
//   cargo build --release -p sp-sim -p sp-broadcaster)
// Env: E2E_PORT (page, default 18080; sim = +707, broadcaster = +1320), E2E_DEMO_ARGS
// (extra sp-demo flags, e.g. "--protocol websocket"; the default is auto). The README screenshot is
// tests/e2e/screenshot.mjs.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Checks, watchdog as startWatchdog, Rest, killAll, launchChromium, portTaken, run, sleep, start, stop, waitFor } from "./lib.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(ROOT, "tests/tools/package.json"));
const { chromium } = require("playwright-core");

const PAGE = Number(process.env.E2E_PORT ?? 18080);
const SIM = PAGE + 707; // 18787
const BC = PAGE + 1320; // 19400
const BIN = path.join(ROOT, "target/release");
const OUT = path.join(ROOT, "target/e2e");
const SECRET = `e2e-${process.pid}`;
const FOLLOW_MS = 3000; // "the grid follows within 3 s"
const XSS = "<img src=x onerror=alert(1)>";

fs.mkdirSync(OUT, { recursive: true });
const logFile = fs.createWriteStream(path.join(OUT, "e2e.log"));
const checks = new Checks();
const t0 = Date.now();

const watchdog = startWatchdog(checks, 240_000, "the e2e test");

function startBroadcaster() {
  return start("broadcaster", path.join(BIN, "sp-broadcaster"), [
    "--port", String(BC), "--client-state", SECRET, "--ping-interval-ms", "2000", "--ping-timeout-ms", "2000",
  ], { ready: /listening on/, log: logFile });
}

function startDemo(ports, extra) {
  return start("sp-demo", path.join(BIN, "sp-demo"), [
    "--port", String(ports[0]), "--sim-port", String(ports[1]), "--broadcaster-port", String(ports[2]), ...extra,
    ...(process.env.E2E_DEMO_ARGS ?? "").split(" ").filter(Boolean),
  ], { ready: /open http:\/\/\S+/, log: logFile });
}

// ---------- the page ----------

async function openPage(browser, url, sink) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 820 } });
  page.setDefaultTimeout(5000);
  page.on("console", (m) => logFile.write(`[page ${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => {
    sink.pageErrors.push(e.message);
    logFile.write(`[pageerror] ${e.message}\n`);
  });
  page.on("dialog", (d) => {
    sink.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(url);
  return page;
}

const gridRows = (page) =>
  page.$$eval("#rows tr:not(.removing)", (trs) =>
    trs.map((tr) => ({ id: Number(tr.dataset.id), title: tr.children[1].textContent, subject: tr.children[2].textContent, editor: tr.children[6].textContent })),
  );
const badge = (page) => page.$eval("#status", (e) => e.dataset.status);
const rowOf = async (page, id) => (await gridRows(page)).find((r) => r.id === id);

/** The grid equals the list on the server (IDs, titles, subjects, editors, order). */
async function converged(page, rest) {
  const [grid, server] = await Promise.all([gridRows(page), rest.items(true)]);
  return JSON.stringify(grid) === JSON.stringify(server) ? grid.length : false;
}

const follows = async (what, page, fn) => `${(await waitFor(what, () => fn(page), FOLLOW_MS)).ms} ms`;

// ---------- checks ----------

async function main() {
  for (const p of [PAGE, SIM, BC, PAGE + 1, SIM + 1, BC + 1]) {
    if (await portTaken(p)) throw new Error(`port ${p} is taken: stop whatever listens there (or set E2E_PORT)`);
  }
  for (const f of ["sp-demo", "sp-broadcaster"]) {
    if (!fs.existsSync(path.join(BIN, f))) throw new Error(`${BIN}/${f} missing: cargo build --release -p sp-sim -p sp-broadcaster`);
  }
  let bc = startBroadcaster();
  await bc.ready;
  const demo = startDemo([PAGE, SIM, BC], ["--external-broadcaster", "--client-state", SECRET]);
  await demo.ready;
  const url = `http://127.0.0.1:${PAGE}/`;
  const config = await (await fetch(`${url}config.json`)).json();
  const rest = new Rest(config.siteUrl, config.listId);
  const browser = await launchChromium(chromium);
  const sink = { pageErrors: [], dialogs: [] };
  try {
    await checks.check("static server: config.json, wasm as application/wasm, CSP", async () => {
      if (!/^[0-9a-f-]{36}$/.test(config.listId) || !config.broadcaster.startsWith(`http://127.0.0.1:${BC}`)) throw new Error(JSON.stringify(config));
      const wasm = await fetch(`${url}pkg/sp_live_bg.wasm`);
      if (wasm.headers.get("content-type") !== "application/wasm") throw new Error(`wasm: ${wasm.headers.get("content-type")}`);
      const html = await fetch(url);
      if (!/script-src 'self'/.test(html.headers.get("content-security-policy") ?? "")) throw new Error("no CSP");
    });

    await checks.check("a taken port is refused with a message naming the flag", async () => {
      const r = await run(path.join(BIN, "sp-demo"), ["--port", String(PAGE), "--sim-port", String(SIM + 2), "--broadcaster-port", String(BC + 2)]);
      if (r.code !== 2 || !r.output.includes(`port ${PAGE}`) || !r.output.includes("--port")) throw new Error(`exit ${r.code}: ${r.output}`);
    });

    const page = await openPage(browser, url, sink);
    await checks.check("the page goes live and the grid shows the list", async () => {
      const { ms } = await waitFor("status live", async () => (await badge(page)) === "live", 15000);
      const n = (await waitFor("grid = server", () => converged(page, rest), 5000)).value;
      if (n !== 40) throw new Error(`${n} rows, expected 40`);
      return `${n} rows, live after ${ms} ms`;
    });

    // --- through the REST API ---
    let id;
    await checks.check("REST add shows in the grid within 3 s", async () => {
      id = await rest.add({ Title: "e2e rest add", Subject: "hello", From: "e2e@contoso.com", To: "x@contoso.com" });
      return follows("row added", page, async (p) => (await rowOf(p, id))?.title === "e2e rest add");
    });
    await checks.check("REST update by another user shows in the grid within 3 s, with its editor", async () => {
      if ((await rowOf(page, id))?.editor !== "Dev User") throw new Error("the add was not by Dev User");
      await rest.update(id, { Subject: "updated by REST" }, 11);
      const updated = async (p) => {
        const row = await rowOf(p, id);
        return row?.subject === "updated by REST" && row.editor === "Alex Wilber";
      };
      return follows("row updated", page, updated);
    });
    await checks.check("REST delete shows in the grid within 3 s", async () => {
      await rest.remove(id);
      return follows("row removed", page, async (p) => !(await rowOf(p, id)));
    });

    // --- through the page's editor ---
    let edited;
    await checks.check("editor add (POST items with a digest) shows within 3 s", async () => {
      await page.fill("#f-title", "e2e editor add");
      await page.fill("#f-subject", "typed in the page");
      await page.fill("#f-from", "me@contoso.com");
      await page.click("#b-add");
      const r = await follows("row added", page, async (p) => (await gridRows(p)).find((x) => x.title === "e2e editor add"));
      edited = (await gridRows(page)).find((x) => x.title === "e2e editor add").id;
      const server = (await rest.items()).find((x) => x.id === edited);
      if (server?.subject !== "typed in the page") throw new Error(`server has ${JSON.stringify(server)}`);
      return r;
    });
    await checks.check("editor update (MERGE) shows within 3 s", async () => {
      await page.click(`#rows tr[data-id="${edited}"]`);
      await page.fill("#f-subject", "changed in the page");
      await page.click("#b-save");
      return follows("row updated", page, async (p) => (await rowOf(p, edited))?.subject === "changed in the page");
    });
    await checks.check("editor delete (DELETE) shows within 3 s", async () => {
      await page.click(`#rows tr[data-id="${edited}"]`);
      await page.click("#b-delete");
      return follows("row removed", page, async (p) => !(await rowOf(p, edited)));
    });

    await checks.check("a Title of <img src=x onerror=alert(1)> shows as text, no dialog", async () => {
      const xid = await rest.add({ Title: XSS, Subject: "<b>bold?</b>" });
      const r = await follows("row added", page, async (p) => (await rowOf(p, xid))?.title === XSS);
      await page.click(`#rows tr[data-id="${xid}"]`); // into the editor as well
      await sleep(300);
      const imgs = await page.$$eval("img", (e) => e.length);
      if (imgs || sink.dialogs.length) throw new Error(`${imgs} <img> elements, dialogs: ${sink.dialogs}`);
      if ((await page.inputValue("#f-title")) !== XSS) throw new Error("editor does not show the title verbatim");
      await page.click("#b-clear");
      await rest.remove(xid);
      await waitFor("xss row removed", async () => !(await rowOf(page, xid)), FOLLOW_MS);
      return r;
    });

    // --- the broadcaster dies and comes back ---
    for (const [how, signal] of [["killed (SIGKILL)", "SIGKILL"], ["restarted gracefully (SIGTERM)", "SIGTERM"]]) {
      let down = Date.now();
      await checks.check(`broadcaster ${how}: the badge leaves "live"`, async () => {
        await stop(bc.child, signal);
        down = Date.now();
        const { ms } = await waitFor("status not live", async () => (await badge(page)) !== "live", 10000);
        return `${await badge(page)} after ${ms} ms`;
      });
      await checks.check(`broadcaster ${how}: edits made while it was down converge after it returns`, async () => {
        const a = await rest.add({ Title: `while down (${signal})`, Subject: "missed webhook" });
        const victims = (await rest.items()).filter((x) => x.id !== a).slice(0, 2);
        await rest.update(victims[0].id, { Subject: `updated while down (${signal})` });
        await rest.remove(victims[1].id);
        await sleep(1500); // a webhook delivery attempt fails meanwhile
        bc = startBroadcaster();
        await bc.ready;
        const back = Date.now();
        await waitFor("grid = server and live", async () => (await badge(page)) === "live" && converged(page, rest), 25000);
        return `converged ${Date.now() - back} ms after the restart, ${back - down} ms down`;
      });
      await checks.check(`broadcaster ${how}: live edits flow again within 3 s`, async () => {
        const v = (await rest.items())[0];
        await rest.update(v.id, { Subject: `after ${signal}` });
        return follows("row updated", page, async (p) => (await rowOf(p, v.id))?.subject === `after ${signal}`);
      });
    }

    await checks.check("back to the page after leaving it: its checkpoint shows at once and it catches up, with no load of the list", async () => {
      await page.goto("about:blank"); // pagehide: the demo keeps its checkpoint in sessionStorage
      const v = (await rest.items())[1];
      await rest.update(v.id, { Subject: "edited while the page was away" });
      const admin = (method, route) => fetch(`${config.simAdmin}${route}`, { method }).then((r) => r.json());
      await admin("POST", "/counters/reset");
      await page.goto(url);
      await waitFor("the edit made while away", async () => (await rowOf(page, v.id))?.subject === "edited while the page was away", FOLLOW_MS);
      await waitFor("grid = server", () => converged(page, rest), 5000);
      const counters = await admin("GET", "/counters");
      const demo = await page.evaluate(() => ({ snapshots: window.__demo.snapshots, log: document.getElementById("log")?.textContent ?? "" }));
      if (counters.list) throw new Error(`${counters.list} list info requests: the list was loaded`);
      if (demo.snapshots !== 1 || !demo.log.includes("resuming from this tab's checkpoint")) throw new Error(JSON.stringify(demo).slice(0, 300));
      return `requests: ${JSON.stringify(counters)}`;
    });

    await checks.check("change log expired (sim clock +61 days): the page resets and converges", async () => {
      const before = await page.evaluate(() => window.__demo.snapshots);
      const r = await fetch(`${config.simAdmin}/clock`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ advanceSeconds: 61 * 86400 }),
      });
      if (!r.ok) throw new Error(`clock: HTTP ${r.status}`);
      rest.digest = null; // digests expired with the clock
      const nid = await rest.add({ Title: "after the retention", Subject: "reset" });
      const { ms } = await waitFor("reset and converged", async () =>
        (await page.evaluate(() => window.__demo.snapshots)) > before && (await rowOf(page, nid)) && converged(page, rest), 10000);
      return `converged ${ms} ms after the edit`;
    });

    await checks.check("narrow screen (390 px): no horizontal overflow", async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await sleep(400);
      const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
      await page.screenshot({ path: path.join(OUT, "demo-narrow.png"), fullPage: true });
      await page.setViewportSize({ width: 1366, height: 820 });
      if (sw > iw) throw new Error(`scrollWidth ${sw} > ${iw}`);
    });

    await checks.check("diffs kept the grid in step; no page errors; no dialogs", async () => {
      const s = await page.evaluate(() => ({ out: window.__demo.outOfStep, snaps: window.__demo.snapshots }));
      if (s.out || sink.pageErrors.length || sink.dialogs.length) {
        throw new Error(`outOfStep ${s.out}, page errors ${JSON.stringify(sink.pageErrors)}, dialogs ${sink.dialogs}`);
      }
      return `${s.snaps} snapshot/reset events`;
    });

    await page.$eval("#table-wrap", (e) => (e.scrollTop = 0));
    await sleep(500);
    await page.screenshot({ path: path.join(OUT, "demo.png") });
    console.log(`screenshot: ${path.relative(ROOT, path.join(OUT, "demo.png"))}`);
    await page.close();

    for (const protocol of ["auto", "websocket", "socket.io-v2"]) {
      await checks.check(`make demo's configuration (embedded broadcaster), protocol ${protocol}: live, follows, exits cleanly`, async () => {
        const d = startDemo([PAGE + 1, SIM + 1, BC + 1], ["--protocol", protocol]);
        await d.ready;
        const p = await openPage(browser, `http://127.0.0.1:${PAGE + 1}/`, sink);
        try {
          const cfg = await (await fetch(`http://127.0.0.1:${PAGE + 1}/config.json`)).json();
          const r2 = new Rest(cfg.siteUrl, cfg.listId);
          await waitFor("live", async () => (await badge(p)) === "live" && (await converged(p, r2)) === 40, 15000);
          const nid = await r2.add({ Title: "embedded" });
          const ms = await follows("row added", p, async (pg) => (await rowOf(pg, nid))?.title === "embedded");
          const t = Date.now();
          await stop(d.child, "SIGTERM");
          if (d.child.exitCode !== 0) throw new Error(`exit ${d.child.exitCode ?? d.child.signalCode}`);
          return `add followed in ${ms}, stopped in ${Date.now() - t} ms`;
        } finally {
          await p.close();
          await stop(d.child, "SIGKILL");
        }
      });
    }
  } finally {
    await browser.close().catch(() => {});
    await stop(demo.child, "SIGTERM").catch(() => {});
    await stop(bc.child, "SIGTERM").catch(() => {});
  }
}

try {
  await main();
} catch (e) {
  checks.failed += 1;
  console.log(`not ok - setup: ${e.message}`);
}
clearTimeout(watchdog);
killAll();
logFile.end();
console.log(`e2e: ${((Date.now() - t0) / 1000).toFixed(1)} s, log in target/e2e/e2e.log`);
console.log(`${checks.passed} passed, ${checks.failed} failed`);
process.exit(checks.failed ? 1 : 0);
