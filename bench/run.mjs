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
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Procs, portTaken, sleep } from "./lib.mjs";
import { measureSizes } from "./sizes.mjs";

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

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : "n/a");
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "n/a");
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
const kb = (b) => `${(b / 1024).toFixed(1)} KiB`;
const mib = (b) => `${(b / 1048576).toFixed(2)} MiB`;
const n0 = (x) => x.toLocaleString("en-US");

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
    for (const kind of ["live", "replica"]) {
      const { page, heap, close, cdp } = await newPage();
      const heap0 = await heap();
      if (n === 50000) await startProfile(cdp);
      const wasm0 = await page.evaluate(() => window.bench.wasmMemoryBytes());
      const r = await page.evaluate(([cfg, kind]) => window.bench.memoryLoad(cfg, kind), [{ siteUrl: SITE, broadcaster: BROADCASTER, listId: lists[n].id }, kind]);
      if (n === 50000) await stopProfile(cdp, `load-${kind}`);
      const heap1 = await heap();
      await page.evaluate(() => window.bench.closeAll());
      await close();
      rows.push({ n, kind, heap0, heap1, wasm0, wasm1: r.wasmBytes, loadMs: r.loadMs, rows: r.rows });
      log(`memory ${kind} ${n}: ${r.rows} rows in ${f1(r.loadMs)} ms, JS heap ${mib(heap0)} -> ${mib(heap1)}, wasm memory ${mib(wasm0)} -> ${mib(r.wasmBytes)}`);
    }
  }
  return rows;
}

// ---------- RESULTS.md ----------

function machine(browserVersion) {
  const cpus = os.cpus();
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["-C", ROOT, "rev-parse", "--short=12", "HEAD"]).toString().trim();
    const dirty = execFileSync("git", ["-C", ROOT, "status", "--porcelain", "--", "src", "pkg", "Cargo.toml", "Cargo.lock", "sim", "broadcaster"]).toString().trim();
    if (dirty) commit += " (+ uncommitted changes under src/, sim/, broadcaster/ or pkg/)";
  } catch {
    /* not a git checkout */
  }
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Commit: ${commit}`,
    `- Machine: ${cpus[0]?.model ?? "?"} x ${cpus.length} (os.cpus), ${mib(os.totalmem())} RAM, ${os.type()} ${os.release()} ${os.arch()}; load average at the start ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
    `- Node ${process.version}; Chromium ${browserVersion} headless (playwright-core, /usr/bin/chromium); sp-sim and sp-broadcaster release builds, all on 127.0.0.1`,
  ].join("\n");
}

function report(env, res) {
  const L = [];
  L.push("# sp-live benchmarks", "", "Written by `make bench` (bench/run.mjs); numbers, not pass/fail. Rerun to refresh.", "", env, "");
  if (res.sizes) {
    const s = res.sizes;
    L.push("## 0. Sizes", "", "The release package as `make pkg` builds it (the standard library rebuilt for size, binaryen 132 `-Oz`). The last column is what a bundler ships: JavaScript minified by esbuild, then gzip -9 (how the stacks below are measured); the wasm is as it is.", "");
    L.push("| file | raw | gzip -9 | brotli (q11) | minified + gzip -9 |", "| --- | ---: | ---: | ---: | ---: |");
    for (const f of s.files) L.push(`| ${f.name} | ${n0(f.raw)} | ${n0(f.gzip)} | ${n0(f.brotli)} | ${n0(f.minGzip)} |`);
    L.push(`| **wasm + glue** | ${n0(s.total.raw)} | **${n0(s.total.gzip)}** | ${n0(s.total.brotli)} | **${n0(s.total.minGzip)}** |`, "");
    L.push("The JS stack it replaces, bundled by esbuild (`bench/stacks/*.mjs`: bundle, minify, ESM, browser, es2017; what the seed web part imports and calls), then gzip -9:", "");
    L.push("| stack | min | min + gzip -9 | the issue's number |", "| --- | ---: | ---: | ---: |");
    for (const b of s.stacks) L.push(`| ${b.label} | ${n0(b.min)} | ${n0(b.gzip)} | ${n0(b.issue)} |`);
    const verdict = (b) => (b < 27000 ? "**met**" : `**not met** (${(b / 27000).toFixed(2)}x the budget; ${(b / s.stacks[0].gzip).toFixed(2)}x the seed stack, ${(b / s.stacks[1].gzip).toFixed(2)}x the modern stack)`);
    L.push("", `Target: wasm + glue below 27,000 B gzip. Now: ${n0(s.total.gzip)} B as published, ${verdict(s.total.gzip)}; ${n0(s.total.minGzip)} B with the JavaScript minified as a bundler ships it, ${verdict(s.total.minGzip)}.`, "");
    if (s.floor) {
      L.push("How small could the wasm get by moving work to JavaScript? `make floor` builds a lower bound (`bench/floor`): sp-live's sans-IO cores (`src/json.rs`, `text.rs`, `protocol/`, `sharepoint/`, `sync/`: the same files) behind a plain C ABI, every input the browser layer gives them exported and every field of every output written to a buffer, with no wasm-bindgen, web-sys, js-sys, futures executor or browser layer at all, built and optimised exactly as the package (export names shortened); `bench/floor/smoke.mjs` drives it through a handshake, an event and a list load. A JavaScript driver doing everything `src/web` does (sockets, fetch, timers, page-wide sharing, subscriptions, rows, events, option checks) would come on top.", "");
      L.push("| build | raw | gzip -9 | brotli (q11) |", "| --- | ---: | ---: | ---: |");
      L.push(`| the cores alone (bench/floor) | ${n0(s.floor.raw)} | **${n0(s.floor.gzip)}** | ${n0(s.floor.brotli)} |`);
      L.push(`| the package's wasm (for comparison) | ${n0(s.files[0].raw)} | ${n0(s.files[0].gzip)} | ${n0(s.files[0].brotli)} |`, "");
      L.push(`The cores alone are ${(s.floor.gzip / 27000).toFixed(2)}x the 27,000 B budget before any JavaScript: no split of the work that keeps these cores (the two state machines and the JSON and REST code they are written against) in Rust can meet it; the browser layer and wasm-bindgen cost ${n0(s.files[0].gzip - s.floor.gzip)} B of the package's wasm.`, "");
    }
  }
  if (res.latency) {
    const { live, rep, bare, liveStats } = res.latency;
    L.push("## 1. Latency: webhook POST -> JS callback", "");
    L.push("Three lists of 100 rows: list A watched by one sp-live `LiveList`, list B by one seed-replica component (`bench/page/replica.js`), list C by a second `LiveList` with `readAhead: false`, in one page, on the same sp-sim; sp-live's lists on one sp-broadcaster and the replica's on a second process of the same sp-broadcaster, so each socket carries only its own client's webhooks, as in a page running one stack (on one broadcaster the replica's socket, which like the seed's joins no list room, would also get every webhook for sp-live's lists, and the time it spends ignoring them on the shared main thread would be charged to sp-live: about 0.1 ms here). Each iteration edits a row of A through the sim's admin API, then the page POSTs a SharePoint-shaped webhook for A to the broadcaster and stamps `performance.now()` just before the POST and in the callback that first sees the edited Title; then the same for B and C (who goes first rotates every iteration). Nothing else runs meanwhile, so the clients never compete. The replica and list C then do GetChanges + an item read by ID against the sim; list A's LiveList does one `$batch`: its GetChanges and then the read-ahead (the items modified since its change token's time, newest first), which brings the edited item, so no read by ID follows. 20 warm-up iterations per client are dropped. Milliseconds:", "");
    L.push("| client | edits | missed (>5 s) | p50 | p95 | p99 | mean | p50 of POST -> first REST request |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of [live, rep, bare]) L.push(`| ${r.name} | ${r.n} | ${r.missed} | ${f2(r.p50)} | ${f2(r.p95)} | ${f2(r.p99)} | ${f2(r.mean)} | ${f2(r.toRequest)} |`);
    L.push(`| **ratio sp-live / replica** | | | **${f2(live.p50 / rep.p50)}** | **${f2(live.p95 / rep.p95)}** | **${f2(live.p99 / rep.p99)}** | ${f2(live.mean / rep.mean)} | ${f2(live.toRequest / rep.toRequest)} |`);
    L.push(`| ratio sp-live without the read-ahead / replica | | | ${f2(bare.p50 / rep.p50)} | ${f2(bare.p95 / rep.p95)} | ${f2(bare.p99 / rep.p99)} | ${f2(bare.mean / rep.mean)} | ${f2(bare.toRequest / rep.toRequest)} |`, "");
    L.push("The last column splits the path: webhook POST -> broadcaster -> socket frame -> decode -> hint -> the first SharePoint request leaving the page (the page's global `fetch` is wrapped to note when each `/_api/` request starts; both clients use it). Times are `performance.now()` of a cross-origin isolated page (COOP + COEP credentialless), so they resolve microseconds rather than Chromium's usual 0.1 ms.", "");
    L.push("The whole path in stages (medians over the iterations with exactly GetChanges + one item read, or one `$batch` bringing both, whose middle two stages are then n/a and whose first request is the batch; the wrapped `fetch` also notes when each response's headers arrive, and the page's `WebSocket` is wrapped to note when each socket's frames arrive):", "");
    L.push("| client | n | POST -> frame in the page | frame -> GetChanges (or batch) leaves | GetChanges (or batch) on the wire | response -> item read leaves | item read on the wire | last response -> callback |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of [live, rep, bare]) L.push(`| ${r.name} | ${r.stagesN} | ${r.stages.map(f2).join(" | ")} |`);
    L.push(`| **sp-live - replica** | | ${live.stages.map((x, j) => f2(x - rep.stages[j])).join(" | ")} |`, "");
    L.push("The clients call SharePoint on the page's own origin, as an SPFx web part calls its site: the static server forwards `/sites/` to sp-sim (one extra local hop for every request of both clients), so there is no CORS and no preflight; across origins, sp-live's default `X-ClientService-ClientTag` header would cost a preflight per item read. The third row is the same LiveList with `readAhead: false`: the same two requests as the replica.", "");
    L.push(`Target: ratio <= 1.0. sp-live's own stats after the run: ${JSON.stringify(liveStats)}.`, "");
  }
  if (res.roundtrips) {
    L.push("## 2. REST round trips per burst", "");
    L.push("A list of 200 rows; L clients (sp-live: L `LiveList`s on the same list in one page, which share one feed; replica: L components, each with its own socket, token and GetChanges, as the seed's web parts). One burst = K rows edited through the admin API (not counted), then K webhook POSTs to the broadcaster, one per edit, sent concurrently. Counted: every SharePoint REST request sp-sim received from the counter reset (after all clients were live and quiet) until all L clients had all K edits and the counters were still for 600 ms. A `$batch` is one request; the requests inside it are listed as `batched:<kind>`.", "");
    L.push("| client | L | K | requests | by kind | K POSTs answered within | all seen after |", "| --- | ---: | ---: | ---: | --- | ---: | ---: |");
    const label = { live: "sp-live", "live-debounced": "sp-live, `hintDebounceMs: 100`", replica: "seed replica" };
    for (const r of res.roundtrips) L.push(`| ${label[r.kind]} | ${r.L} | ${r.K} | **${r.total}** | ${r.kinds}${r.errors ? `; ${r.errors} error events` : ""} | ${r.spread} ms | ${r.ms} ms |`);
    const worstOf = (kind) => Math.max(...res.roundtrips.filter((r) => r.kind === kind).map((r) => r.total));
    const [worst, worstDebounced] = [worstOf("live"), worstOf("live-debounced")];
    L.push("", `Target: <= 2 requests per burst for any K and L. sp-live's worst case here: ${worst} with the default (a round starts at the first hint, for the latency of a lone edit: one \`$batch\` with its GetChanges and the read-ahead, which brings the changed items of a list this size; hints that come while it runs start one more round once they have settled, and item reads the read-ahead missed wait for that too and go with its GetChanges in one \`$batch\`; ${worst <= 2 ? "met" : "**not met**"}), ${worstDebounced} with \`hintDebounceMs: 100\` (${worstDebounced <= 2 ? "met" : "**not met**"}; a burst then waits until its hints have been quiet for 100 ms).`, "");
  }
  if (res.apply) {
    const { setup, reps } = res.apply;
    const med = (f) => {
      const xs = reps.map(f).sort((a, b) => a - b);
      return xs[Math.floor((xs.length - 1) / 2)];
    };
    const cpu = med((r) => r.live.cpuMs);
    const ui = med((r) => r.live.cpuMs + r.live.uiDiffsMs);
    const parse = med((r) => r.js.parseMs);
    const seed = med((r) => r.js.parseMs + r.js.seedApplyMs);
    const map = med((r) => r.js.parseMs + r.js.mapApplyMs);
    L.push("## 3. Applying 1,000 changes to a 10,000-row list", "");
    L.push(`A list of 10,000 rows (loaded by the LiveList in ${f1(setup.loadMs)} ms). Each of ${reps.length} rounds (all counted; the first two or three run slower while the page's JIT and the wasm tiers warm up and the JS replays' garbage is collected): 800 updates, 100 deletes, 100 adds through the admin API, then one webhook hint. sp-live's requests go through a recording \`fetch\` option (it awaits the real body before handing it over), so the page knows when each response was ready. **sp-live CPU** = time from its first request to the \`changes\` callback minus the time its requests were on the wire (one at a time): parsing GetChanges and the item reads in wasm, collapsing, the ListState apply, building the JS rows and the index diffs, the callback. **+ UI** adds what a UI pays on top: applying \`diffs\` (splice/assign by index) to its own array of 10,000 rows. The JS approaches replay the **same response bodies**: JSON.parse of GetChanges and items, collapse per item (\`parse\`), then either the seed grid's \`rows.slice()\` + \`filter(...)[0]\`/\`indexOf\` per change, or a \`Map\` by ID kept between rounds + \`Array.from(map.values())\`. All four end with the same IDs in the same order (checked). Medians of 5 runs each for the JS approaches; milliseconds:`, "");
    L.push("| round | sp-live CPU | of which after the last body | of which the apply step | + UI applies diffs | requests | JS parse | seed filter/indexOf apply | Map apply | same rows |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    reps.forEach((r, i) => L.push(`| ${i + 1} | ${f2(r.live.cpuMs)} | ${f2(r.live.tailMs)} | ${f2(r.live.applyMs)} | ${f2(r.live.cpuMs + r.live.uiDiffsMs)} | ${r.live.requests} (${summarize(r.live.requestKinds)}) | ${f2(r.js.parseMs)} | ${f2(r.js.seedApplyMs)} | ${f3(r.js.mapApplyMs)} | ${r.agree ? "yes" : "**no**"} |`));
    L.push("", "From response bodies to updated rows (medians over the rounds):", "");
    L.push("| approach | ms | sp-live (+ UI) is ... |", "| --- | ---: | --- |");
    L.push(`| sp-live (CPU + UI applies diffs) | ${f2(ui)} | |`);
    L.push(`| seed web part: parse + filter/indexOf | ${f2(seed)} | ${f1(seed / ui)}x faster |`);
    L.push(`| JS Map: parse + Map apply | ${f2(map)} | ${f2(ui / map)}x the Map's time |`);
    L.push(`| (JS parse alone) | ${f2(parse)} | |`);
    const [liveApply, seedApply, mapApply] = [med((r) => r.live.applyMs), med((r) => r.js.seedApplyMs), med((r) => r.js.mapApplyMs)];
    L.push("", "The apply step alone, without parsing (medians over the rounds): sp-live's is `stats().lastApplyMs`, timed inside wasm with `performance.now()` from the collapsed change set to the `changes` event (list state, the JS rows, the index diffs); the seed's is `rows.slice()` + filter/indexOf; the Map's is `set`/`delete` + `Array.from(map.values())`, timed over 100 runs on fresh Maps because one run is below the clock's 0.1 ms:", "");
    L.push("| apply step | ms | sp-live is ... |", "| --- | ---: | --- |");
    L.push(`| sp-live (\`lastApplyMs\`) | ${f2(liveApply)} | |`);
    L.push(`| seed filter/indexOf | ${f2(seedApply)} | ${f1(seedApply / liveApply)}x faster |`);
    L.push(`| JS Map | ${f3(mapApply)} | ${f1(liveApply / mapApply)}x the Map's time |`, "");
    L.push(`Targets: >= 50x faster than the seed approach (from bodies to rows: ${seed / ui >= 50 ? "met" : "**not met**"}, ${f1(seed / ui)}x; apply step alone: ${seedApply / liveApply >= 50 ? "met" : "**not met**"}, ${f1(seedApply / liveApply)}x); within 1.5x of the Map approach (from bodies to rows: ${ui / map <= 1.5 ? "met" : "**not met**"}, ${f2(ui / map)}x; apply step alone: ${liveApply / mapApply <= 1.5 ? "met" : "**not met**"}, ${f1(liveApply / mapApply)}x).`, "");
  }
  if (res.memory) {
    L.push("## 4. Memory after loading the list", "");
    L.push("A fresh page per row: `init()` of pkg/, then the JS heap (CDP `Runtime.getHeapUsage` usedSize after two `HeapProfiler.collectGarbage`) and the wasm memory (`memory.buffer.byteLength` of the module's exported memory); then one client loads the whole list (sp-live: `LiveList.open` with 5 fields selected, default page size 2000; replica: the same fields, `$top=5000` pages, rows in a JS array) and both are read again while the client is still open. Wasm memory only grows (it is the high-water mark); each load page becomes JS objects as it arrives, so wasm holds one page at a time, and the feed keeps a 16-byte fingerprint per item; the rows live once, as JS objects (`items()`).", "");
    L.push("| rows | client | load time | JS heap before | JS heap after | wasm memory before | wasm memory after | JS heap + wasm growth |", "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of res.memory) L.push(`| ${n0(r.rows)} | ${r.kind === "live" ? "sp-live" : "seed replica"} | ${n0(Math.round(r.loadMs))} ms | ${mib(r.heap0)} | ${mib(r.heap1)} | ${mib(r.wasm0)} | ${mib(r.wasm1)} | ${mib(r.heap1 - r.heap0 + r.wasm1 - r.wasm0)} |`);
    L.push("");
  }
  return L.join("\n");
}

function summarize(kinds) {
  const m = new Map();
  for (const k of kinds) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m].map(([k, n]) => `${n} ${k}`).join(", ");
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
  let env = machine("(not started)");
  if (browserRuns.length) {
    const sim = procs.start("sp-sim", path.join(BIN, "sp-sim"), ["--port", String(SIM_PORT), "--webhook-interval-ms", "50"], /listening on/);
    const bc = procs.start("sp-broadcaster", path.join(BIN, "sp-broadcaster"), ["--port", String(BC_PORT), "--cors", "all"], /listening on/);
    const bc2 = procs.start("sp-broadcaster-2", path.join(BIN, "sp-broadcaster"), ["--port", String(BC2_PORT), "--cors", "all"], /listening on/);
    await Promise.all([sim, bc, bc2]);
    const server = await staticServer(PAGE_PORT);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    env = machine(browser.version());
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

