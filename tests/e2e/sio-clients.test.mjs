// Real socket.io-client browser bundles (2.0.4, the seed's, and 4.8.1) in headless Chromium
// against sp-broadcaster: a client that falls behind (its page's main thread blocked while
// more than its 256 queued packets pile up) is cut off and reconnects by itself, on long
// polling and on polling upgraded to a WebSocket (socket.io-client's default, what the
// seed's unported web parts use). The Node clients of broadcaster/tests do the same in Node;
// this checks the browser's XMLHttpRequest and WebSocket paths. Prints one line per check
// and "N passed, M failed"; exits 1 on failure.
//
//   cargo build --release -p sp-broadcaster && node tests/e2e/sio-clients.test.mjs
// Needs tests/fixtures/node_modules (npm ci --prefix tests/fixtures). Ports (127.0.0.1):
// page 22080, broadcaster 22400. Log: target/e2e/sio-clients.log.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Checks, killAll, launchChromium, portTaken, sleep, start, waitFor, watchdog as startWatchdog } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const require = createRequire(path.join(ROOT, "tests/tools/package.json"));
const { chromium } = require("playwright-core");

const HOST = "127.0.0.1";
const PAGE = 22080;
const BC = 22400;
const BROADCASTER = `http://${HOST}:${BC}`;
const OUT = path.join(ROOT, "target/e2e");
const MODULES = path.join(ROOT, "tests/fixtures/node_modules");
const BUNDLES = {
  "/v2.js": path.join(MODULES, "socket.io-client-v2/dist/socket.io.js"),
  "/v4.js": path.join(MODULES, "socket.io-client-v4/dist/socket.io.js"),
};
/** Lists a client subscribes to: a webhook naming them all is one event per list for it. */
const LISTS = Array.from({ length: 200 }, (_, i) => `${i.toString(16).padStart(8, "0")}-0000-4000-8000-000000000000`);
/** A list no client subscribed to (after a reconnect, a client is in no room and gets all). */
const LATER = "0000abcd-0000-4000-8000-000000000000";

fs.mkdirSync(OUT, { recursive: true });
const logFile = fs.createWriteStream(path.join(OUT, "sio-clients.log"));
const checks = new Checks();
const watchdog = startWatchdog(checks, 240_000, "the socket.io clients test");

// ---------- the page's server: the page, the two bundles, and /unblock ----------

let unblocked = false;
let blockedPolls = 0;
function servePage() {
  const server = http.createServer((req, res) => {
    const p = new URL(req.url, "http://x").pathname;
    if (p === "/unblock") {
      blockedPolls += 1;
      res.writeHead(unblocked ? 200 : 204, { "Cache-Control": "no-store" }).end();
    } else if (p === "/") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(fs.readFileSync(path.join(HERE, "sio-clients.html")));
    } else if (BUNDLES[p]) {
      res.writeHead(200, { "Content-Type": "text/javascript" }).end(fs.readFileSync(BUNDLES[p]));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(PAGE, HOST, () => resolve(server));
  });
}

// ---------- the broadcaster ----------

const health = async () => (await fetch(`${BROADCASTER}/health`)).json();
/** A notification entry as SharePoint sends it; `pad` characters more in a member of its
 * own (passed on as the rest), to fill the buffers between a WebSocket and its page sooner. */
const entry = (list, pad = 0) => ({
  subscriptionId: `sub-${list}`, clientState: null, expirationDateTime: "2030-01-01T00:00:00.0000000Z",
  resource: list, tenantId: "00000000-0000-0000-0000-000000000001", siteUrl: "/sites/team",
  webId: "00000000-0000-0000-0000-000000000002", ...(pad ? { pad: "x".repeat(pad) } : {}),
});
async function postWebhook(lists, pad = 0) {
  const r = await fetch(`${BROADCASTER}/api/webhook`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ value: lists.map((l) => entry(l, pad)) }),
  });
  if (r.status !== 202) throw new Error(`webhook: HTTP ${r.status}`);
}
/** Posts a webhook and waits until the broadcaster has emitted it as its own batch. */
async function postAndEmit(lists, pad) {
  const emitted = async () => (await health()).notifications.batches_emitted;
  const before = await emitted();
  await postWebhook(lists, pad);
  await waitFor("the webhook emitted", async () => (await emitted()) > before, 10_000, 2);
}

// ---------- one case ----------

/** A `version` client on `transports` (undefined: the default, polling then an upgrade)
 * subscribes to LISTS; its page blocks while `webhooks` webhooks naming every list are
 * emitted; it must be cut off (not sent DISCONNECT), reconnect, and get a later webhook. */
async function lagsAndReconnects(browser, version, transports, webhooks, pad = 0) {
  const name = `${version} ${transports ? transports.join("+") : "polling upgraded to websocket"}`;
  const page = await browser.newPage();
  page.on("console", (m) => logFile.write(`[${name} ${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => logFile.write(`[${name} pageerror] ${e.message}\n`));
  const seen = () => page.evaluate(() => window.t.seen.slice());
  try {
    await page.goto(`http://${HOST}:${PAGE}/?v=${version}`);
    const before = await health();
    await checks.check(`${name}: connects and subscribes`, async () => {
      const ack = await page.evaluate(([url, tr, lists]) => window.t.connect(url, tr, lists), [BROADCASTER, transports ?? null, LISTS]);
      if (!transports) {
        await waitFor("the upgrade to websocket", () => page.evaluate(() => window.t.transport() === "websocket"), 5000);
      }
      return `ack ${JSON.stringify(ack).slice(0, 60)}`;
    });

    let lagged = "";
    await checks.check(`${name}: a blocked page is cut off, not sent DISCONNECT, and reconnects`, async () => {
      unblocked = false;
      blockedPolls = 0;
      const blocking = page.evaluate(() => window.t.block());
      await waitFor("the page blocked", () => blockedPolls > 0, 5000, 5);
      for (let i = 0; i < webhooks; i++) await postAndEmit(LISTS, pad);
      unblocked = true;
      const blockedMs = await blocking;
      const events = await waitFor("a disconnect, then a connect", async () => {
        const s = await seen();
        const d = s.findIndex((e) => e.type === "disconnect");
        return d >= 0 && s.slice(d).some((e) => e.type === "connect") && s;
      }, 10_000).then((r) => r.value, async (e) => {
        // Say how it ended (an "io server disconnect" is never followed by a reconnect).
        const s = await seen();
        const ends = s.filter((x) => x.type !== "event").map((x) => x.reason ?? x.message ?? x.type);
        throw new Error(`${e.message}; after ${s.length - ends.length} events: ${JSON.stringify(ends)}`);
      });
      const disconnect = events.find((e) => e.type === "disconnect");
      const got = events.filter((e) => e.type === "event").length;
      const reasons = transports ? ["transport error"] : ["transport close", "transport error"];
      if (!reasons.includes(disconnect.reason)) throw new Error(`disconnect reason ${JSON.stringify(disconnect.reason)} (${got} events)`);
      if (got >= webhooks * LISTS.length) throw new Error(`all ${got} events came: it never lagged`);
      const h = await health();
      lagged = `lagged ${before.sockets.lagged} -> ${h.sockets.lagged}`;
      if (h.sockets.lagged !== before.sockets.lagged + 1) throw new Error(lagged);
      return `blocked ${Math.round(blockedMs)} ms, ${got} of ${webhooks * LISTS.length} events, "${disconnect.reason}", ${lagged}`;
    });

    await checks.check(`${name}: after the reconnect, a later webhook reaches it`, async () => {
      await postWebhook([LATER]);
      await waitFor("the later event", async () => (await seen()).some((e) => e.type === "event" && String(e.payload).includes(LATER)), 5000);
    });
  } finally {
    await page.evaluate(() => window.t.close()).catch(() => {});
    await page.close();
  }
}

// ---------- main ----------

try {
  for (const port of [PAGE, BC]) if (await portTaken(port)) throw new Error(`port ${port} is taken`);
  for (const file of Object.values(BUNDLES)) if (!fs.existsSync(file)) throw new Error(`${file} is missing: npm ci --prefix tests/fixtures`);
  const server = await servePage();
  // A slow heartbeat: a page blocked for seconds must lag, not miss a pong.
  const bc = start("sp-broadcaster", path.join(ROOT, "target/release/sp-broadcaster"), [
    "--port", String(BC), "--cors", "public", "--max-body", "1MiB", "--ping-interval-ms", "60000", "--ping-timeout-ms", "60000",
  ], { ready: /listening on/, log: logFile });
  await bc.ready;
  const browser = await launchChromium(chromium);
  for (const version of ["v2", "v4"]) {
    await lagsAndReconnects(browser, version, ["polling"], 4);
    await lagsAndReconnects(browser, version, undefined, 80, 1000);
  }
  await browser.close();
  server.close();
} catch (e) {
  checks.failed += 1;
  console.log(`not ok - ${e.stack ?? e}`);
}
clearTimeout(watchdog);
console.log(`${checks.passed} passed, ${checks.failed} failed`);
killAll();
await sleep(50);
process.exit(checks.failed ? 1 : 0);
