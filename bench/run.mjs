// `make bench`: sizes, latency, round trips, apply cost and memory of sp-live against the
// JS stack it replaces. Starts sp-sim and sp-broadcaster (release builds) and a tiny static
// server on 127.0.0.1, drives bench/page/ in headless Chromium (playwright-core from
// tests/tools, the system /usr/bin/chromium) and writes bench/RESULTS.md.
//
//   node bench/run.mjs                      (after `make pkg` and
//   cargo build --release -p sp-sim -p sp-broadcaster; `make bench` does all of it)
// Env: BENCH_PORT (static server, default 49080; sim = +420, broadcaster = +320),
// BENCH_EDITS (latency edits per client, default 500), BENCH_ONLY (comma list of
// sizes,latency,roundtrips,apply,memory), BENCH_OUT (results file, default bench/RESULTS.md).
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Procs, portTaken, sleep } from "./lib.mjs";
import { measureSizes } from "./sizes.mjs";
import { f1, f2, machine, mib, pct, report } from "./report.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(path.join(ROOT, "tests/tools/package.json"));
const { chromium } = require("playwright-core");

const PAGE_PORT = Number(process.env.BENCH_PORT ?? 49080);
const SIM_PORT = PAGE_PORT + 420; // 49500
const BC_PORT = PAGE_PORT + 320; // 49400
const EDITS = Number(process.env.BENCH_EDITS ?? 500);
const ONLY = new Set((process.env.BENCH_ONLY ?? "sizes,latency,roundtrips,apply,memory").split(","));
const OUT = process.env.BENCH_OUT ?? path.join(ROOT, "bench/RESULTS.md");
const BIN = path.join(ROOT, "target/release");
const SIM = `http://127.0.0.1:${SIM_PORT}`;
// The clients reach SharePoint on the page's own origin, as an SPFx web part calls its
// site: the static server forwards /sites/ to sp-sim (no CORS, no preflights).
const SITE = `http://127.0.0.1:${PAGE_PORT}/sites/dev`;
const BROADCASTER = `http://127.0.0.1:${BC_PORT}`;
const WEBHOOK = `${BROADCASTER}/api/webhook`;
// The latency bench's replica has a broadcaster of its own (the same binary), so each
// client's socket carries only its own lists' webhooks, as in a page with one stack.
const BC2_PORT = BC_PORT + 1;
const BROADCASTER2 = `http://127.0.0.1:${BC2_PORT}`;
const PAGE = `http://127.0.0.1:${PAGE_PORT}/bench/page/index.html`;
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];

const procs = new Procs(path.join(ROOT, "target/bench"));
const log = (...a) => console.log(`[bench ${((Date.now() - T0) / 1000).toFixed(1)}s]`, ...a);
const T0 = Date.now();

const watchdog = setTimeout(() => {
  console.error("bench: watchdog: more than 15 minutes, giving up");
  procs.killAll();
  process.exit(1);
}, 15 * 60_000);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => (procs.killAll(), process.exit(130)));
process.on("exit", () => procs.killAll());

// ---------- static server: pkg/ and bench/page/ only ----------

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".map": "application/json" };
const SERVED = ["/pkg/", "/bench/page/", "/bench/node_modules/socket.io-client-v2/dist/"];

function staticServer(port) {
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname.startsWith("/sites/")) {
      // Host stays the page's, so sp-sim's absolute links (next pages) point here too.
      const upstream = http.request({ host: "127.0.0.1", port: SIM_PORT, path: req.url, method: req.method, headers: req.headers, agent }, (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      });
      upstream.on("error", (e) => res.writeHead(502, { "Content-Type": "text/plain" }).end(`sp-sim: ${e.message}`));
      req.pipe(upstream);
      return;
    }
    const rel = path.posix.normalize(decodeURIComponent(url.pathname));
    const file = path.join(ROOT, rel);
    if (!SERVED.some((p) => rel.startsWith(p)) || !file.startsWith(ROOT + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    // Cross-origin isolated (COOP + COEP credentialless), so performance.now() has
    // microsecond resolution instead of 0.1 ms; sp-sim and the broadcaster answer CORS.
    res.writeHead(200, {
      "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-store",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "credentialless",
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

// ---------- sp-sim admin API ----------

async function admin(method, route, body) {
  const r = await fetch(`${SIM}/_admin${route}`, {
    method, headers: body ? { "Content-Type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  if (!r.ok) throw new Error(`${method} /_admin${route}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}
const seedList = (title, count) => admin("POST", "/seed", { title, count });
const counters = () => admin("GET", "/counters");
const resetCounters = () => admin("POST", "/counters/reset");

/** Runs `fn` over `xs` with at most `n` at a time. */
async function pool(xs, n, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, xs.length) }, async () => {
    while (i < xs.length) {
      const j = i++;
      await fn(xs[j], j);
    }
  }));
}

/** A list GUID no client watches (the warm-up POSTs of the round-trips bench). */
const UNWATCHED_LIST = "00000000-0000-4000-8000-0000000000ff";

async function hint(listId) {
  const r = await fetch(WEBHOOK, {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ value: [{ subscriptionId: "00000000-0000-4000-8000-00000000b0b0", clientState: null, expirationDateTime: "2099-01-01T00:00:00.0000000Z", resource: listId, tenantId: "00000000-0000-4000-8000-000000000001", siteUrl: "/sites/dev", webId: "00000000-0000-4000-8000-000000000002" }] }),
  });
  if (r.status !== 202) throw new Error(`webhook POST: HTTP ${r.status}`);
}

/** Waits until the sim's request total has not moved for `quietMs`. */
async function settle(quietMs = 600, timeoutMs = 30000) {
  const t0 = Date.now();
  let last = (await counters()).total;
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() - t0 > timeoutMs) throw new Error("the sim's counters did not settle");
    await sleep(100);
    const now = (await counters()).total;
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** A small deterministic PRNG (mulberry32), so every run edits the same rows. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function pick(xs, n, rand) {
  const a = xs.slice();
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

// ---------- the browser ----------

let browser;

async function newPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(180_000);
  page.on("console", (m) => procs.write(`[page ${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => {
    procs.write(`[pageerror] ${e.message}\n`);
    log(`page error: ${e.message}`);
  });
  await page.goto(PAGE);
  await page.evaluate(() => window.bench.init());
  const cdp = await context.newCDPSession(page);
  const heap = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    await sleep(50);
    await cdp.send("HeapProfiler.collectGarbage");
    return (await cdp.send("Runtime.getHeapUsage")).usedSize;
  };
  return { page, heap, cdp, close: () => context.close() };
}


// BENCH_PROFILE=prefix: a sampled CPU profile of the page during the latency and the
// apply runs and the loads of 50,000 items, written to prefix-latency.cpuprofile,
// prefix-apply.cpuprofile and prefix-load-{live,replica}.cpuprofile (load them in
// DevTools; a pkg/ built with names shows the wasm functions).
async function startProfile(cdp) {
  if (!process.env.BENCH_PROFILE) return;
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 25 });
  await cdp.send("Profiler.start");
}
async function stopProfile(cdp, name) {
  if (!process.env.BENCH_PROFILE) return;
  const { profile } = await cdp.send("Profiler.stop");
  fs.writeFileSync(`${process.env.BENCH_PROFILE}-${name}.cpuprofile`, JSON.stringify(profile));
}

// ---------- 1. latency ----------

async function benchLatency() {
  const a = await seedList("LatencyLive", 100);
  const b = await seedList("LatencyReplica", 100);
  const c = await seedList("LatencyBare", 100);
  const ids = Array.from({ length: 100 }, (_, i) => i + 1);
  const { page, cdp, close } = await newPage();
  log(`latency: ${EDITS} edits per client (+20 warm-up), alternating`);
  await startProfile(cdp);
  const r = await page.evaluate((cfg) => window.bench.latency(cfg), {
    sim: SIM, siteUrl: SITE, broadcaster: BROADCASTER, webhook: WEBHOOK, n: EDITS, warmup: 20,
    replicaBroadcaster: BROADCASTER2, replicaWebhook: `${BROADCASTER2}/api/webhook`,
    a: { listId: a.id, ids }, b: { listId: b.id, ids }, c: { listId: c.id, ids },
  });
  await stopProfile(cdp, "latency");
  await close();
  const row = (name, xs, missed) => ({ name, n: xs.length, missed, p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99), mean: xs.reduce((s, x) => s + x, 0) / xs.length });
  const live = row("sp-live (LiveList subscribe callback)", r.live, r.missed.live);
  const rep = row("seed replica (socket.io-client 2.0.4 + fetch + emitter)", r.replica, r.missed.replica);
  const bare = row("sp-live, `readAhead: false` (GetChanges, then the item read)", r.bare, r.missed.bare);
  log(`latency p50 ${f2(live.p50)} vs ${f2(rep.p50)} ms, p95 ${f2(live.p95)} vs ${f2(rep.p95)}, p99 ${f2(live.p99)} vs ${f2(rep.p99)}; without the read-ahead p50 ${f2(bare.p50)}`);
  for (const [row, k] of [[live, "live"], [rep, "replica"], [bare, "bare"]]) {
    row.toRequest = pct(r.toRequest[k], 50);
    row.stages = [0, 1, 2, 3, 4, 5].map((j) => pct(r.stages[k].map((s) => s[j]).filter((x) => x !== null), 50));
    row.stagesN = r.stages[k].length;
  }
  return { live, rep, bare, liveStats: r.liveStats };
}

// ---------- 2. round trips per burst ----------

async function benchRoundTrips() {
  const list = await seedList("Burst", 200);
  const ids = Array.from({ length: 200 }, (_, i) => i + 1);
  const rows = [];
  for (const kind of ["live", "live-debounced", "replica"]) {
    for (const L of [1, 5]) {
      for (const K of [1, 10, 100]) {
        const { page, close } = await newPage();
        await page.evaluate(([cfg, kind, L]) => window.bench.openMany(cfg, kind, L), [{ siteUrl: SITE, broadcaster: BROADCASTER, listId: list.id }, kind, L]);
        // K POSTs for a list nobody watches first: Node's fetch then has K connections open
        // to the broadcaster, so the measured burst is not spread over ~40 ms by connection
        // setup (the first POST would go out alone on the one kept-alive connection).
        await Promise.all(Array.from({ length: K }, () => hint(UNWATCHED_LIST)));
        await settle(400);
        await resetCounters();
        const titles = ids.slice(0, K).map((id) => `rt-${kind}-L${L}-K${K}-${id}`);
        await pool(ids.slice(0, K), 8, (id, j) => admin("PATCH", `/lists/${list.id}/items/${id}`, { Title: titles[j] }));
        const t0 = Date.now();
        await Promise.all(titles.map(() => hint(list.id)));
        const spread = Date.now() - t0;
        await page.waitForFunction((t) => window.bench.seenAll(t), titles, { polling: 20, timeout: 60_000 });
        const ms = Date.now() - t0;
        await settle(600);
        const c = await counters();
        const errors = await page.evaluate(() => window.bench.errors());
        await page.evaluate(() => window.bench.closeAll());
        await close();
        const kinds = Object.entries(c).filter(([k, v]) => !["total", "faulted", "preflight"].includes(k) && v > 0).map(([k, v]) => `${k} ${v}`).join(", ");
        rows.push({ kind, L, K, total: c.total, kinds, ms, spread, errors: errors.length });
        log(`round trips: ${kind} L=${L} K=${K}: ${c.total} requests (${kinds}), all seen after ${ms} ms${errors.length ? `, ${errors.length} errors` : ""}`);
      }
    }
  }
  return rows;
}

// ---------- 3. applying 1,000 changes to 10,000 rows ----------

async function benchApply() {
  const list = await seedList("Apply10k", 10000);
  const { page, cdp, close } = await newPage();
  await startProfile(cdp);
  const setup = await page.evaluate((cfg) => window.bench.applySetup(cfg), { siteUrl: SITE, broadcaster: BROADCASTER, listId: list.id });
  log(`apply: LiveList loaded ${setup.rows} rows in ${f1(setup.loadMs)} ms`);
  const rand = rng(6);
  const reps = [];
  // Ten rounds, all counted: the first two or three are slower (the page's JIT and
  // wasm tiers warming up, and the garbage the JS replays leave), and five let them
  // move the median.
  for (let rep = 0; rep < 10; rep++) {
    await settle(500); // the connect catch-up round must not be counted as this one
    const current = await page.evaluate(() => window.bench.applyArm());
    const chosen = pick(current, 900, rand);
    const updates = chosen.slice(0, 800);
    const deletes = chosen.slice(800);
    await pool(updates, 8, (id) => admin("PATCH", `/lists/${list.id}/items/${id}`, { Title: `apply-${rep}-${id}`, Subject: `round ${rep}` }));
    await pool(deletes, 8, (id) => admin("DELETE", `/lists/${list.id}/items/${id}`));
    await admin("POST", `/lists/${list.id}/items`, Array.from({ length: 100 }, (_, i) => ({ Title: `apply-${rep}-new-${i}`, Subject: "added", From: "bench@contoso.com", To: "x@contoso.com" })));
    await hint(list.id);
    await page.waitForFunction(() => window.bench.applyDone(1000), null, { polling: 20, timeout: 60_000 });
    await sleep(300);
    const r = await page.evaluate(() => window.bench.applyMeasure(5));
    reps.push(r);
    procs.write(`[apply #${rep + 1} timeline] ${JSON.stringify(r.live.timeline)}\n`);
    log(`apply #${rep + 1}: sp-live cpu ${f2(r.live.cpuMs)} ms (wall ${f2(r.live.wallMs)}, network ${f2(r.live.networkMs)}, ${r.live.requests} requests, tail ${f2(r.live.tailMs)}, UI diffs ${f2(r.live.uiDiffsMs)}); JS parse ${f2(r.js.parseMs)}, seed apply ${f2(r.js.seedApplyMs)}, Map apply ${f2(r.js.mapApplyMs)}; agree=${r.agree}`);
  }
  await page.evaluate(() => window.bench.closeAll());
  await stopProfile(cdp, "apply");
  await close();
  return { setup, reps };
}

// ---------- 4. memory ----------

async function benchMemory() {
  const lists = { 10000: await seedList("Memory10k", 10000), 50000: await seedList("Memory50k", 50000) };
  const rows = [];
  for (const n of [10000, 50000]) {
    let checkpoint;
    // `resume`: the next page load, from the checkpoint `live` left, after 10 edits.
    for (const kind of ["live", "resume", "replica"]) {
      if (kind === "resume") {
        const ids = JSON.parse(checkpoint).items.slice(0, 10).map((i) => i.Id);
        await pool(ids, 5, (id) => admin("PATCH", `/lists/${lists[n].id}/items/${id}`, { Title: `edited between page loads ${id}` }));
      }
      const { page, heap, close, cdp } = await newPage();
      const heap0 = await heap();
      if (n === 50000 && kind !== "resume") await startProfile(cdp);
      const wasm0 = await page.evaluate(() => window.bench.wasmMemoryBytes());
      const cfg = { siteUrl: SITE, broadcaster: BROADCASTER, listId: lists[n].id };
      const r = await page.evaluate(([cfg, kind, text]) => window.bench.memoryLoad(cfg, kind, text), [cfg, kind, checkpoint]);
      if (n === 50000 && kind !== "resume") await stopProfile(cdp, `load-${kind}`);
      if (kind === "live") checkpoint = r.checkpoint;
      const heap1 = await heap();
      await page.evaluate(() => window.bench.closeAll());
      await close();
      rows.push({ n, kind, heap0, heap1, wasm0, wasm1: r.wasmBytes, loadMs: r.loadMs, shownMs: r.shownMs, requests: r.requests, rows: r.rows, checkpointBytes: r.checkpoint?.length });
      log(`memory ${kind} ${n}: ${r.rows} rows in ${f1(r.loadMs)} ms (shown after ${f1(r.shownMs ?? r.loadMs)} ms), JS heap ${mib(heap0)} -> ${mib(heap1)}, wasm memory ${mib(wasm0)} -> ${mib(r.wasmBytes)}`);
    }
  }
  return rows;
}

// ---------- main ----------

async function main() {
  for (const p of [PAGE_PORT, SIM_PORT, BC_PORT, BC2_PORT]) {
    if (await portTaken(p)) throw new Error(`port ${p} is taken: stop whatever listens there or set BENCH_PORT`);
  }
  for (const f of ["sp-sim", "sp-broadcaster"]) {
    if (!fs.existsSync(path.join(BIN, f))) throw new Error(`${BIN}/${f} missing: cargo build --release -p sp-sim -p sp-broadcaster`);
  }
  if (!fs.existsSync(path.join(ROOT, "pkg/sp_live_bg.wasm"))) throw new Error("pkg/ missing: make pkg");
  const res = {};
  if (ONLY.has("sizes")) {
    res.sizes = await measureSizes(ROOT);
    log(`sizes: wasm + glue ${res.sizes.total.gzip} B gzip -9 (${res.sizes.total.minGzip} B with the JS minified); stacks ${res.sizes.stacks.map((s) => `${s.gzip} B`).join(", ")}`);
  }
  const browserRuns = ["latency", "roundtrips", "apply", "memory"].filter((b) => ONLY.has(b));
  let env = machine(ROOT, "(not started)");
  if (browserRuns.length) {
    const sim = procs.start("sp-sim", path.join(BIN, "sp-sim"), ["--port", String(SIM_PORT), "--webhook-interval-ms", "50"], /listening on/);
    const bc = procs.start("sp-broadcaster", path.join(BIN, "sp-broadcaster"), ["--port", String(BC_PORT), "--cors", "all"], /listening on/);
    const bc2 = procs.start("sp-broadcaster-2", path.join(BIN, "sp-broadcaster"), ["--port", String(BC2_PORT), "--cors", "all"], /listening on/);
    await Promise.all([sim, bc, bc2]);
    const server = await staticServer(PAGE_PORT);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    env = machine(ROOT, browser.version());
    try {
      if (ONLY.has("latency")) res.latency = await benchLatency();
      if (ONLY.has("roundtrips")) res.roundtrips = await benchRoundTrips();
      if (ONLY.has("apply")) res.apply = await benchApply();
      if (ONLY.has("memory")) res.memory = await benchMemory();
    } finally {
      await browser.close().catch(() => {});
      server.close();
    }
  }
  fs.writeFileSync(OUT, `${report(env, res)}\n`);
  log(`wrote ${path.relative(process.cwd(), OUT)}`);
}

main()
  .then(() => {
    clearTimeout(watchdog);
    procs.killAll();
    process.exit(0);
  })
  .catch((e) => {
    console.error(`bench: ${e?.stack ?? e}`);
    procs.killAll();
    process.exit(1);
  });

