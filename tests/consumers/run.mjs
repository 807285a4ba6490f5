// Consumer builds: sp-live (pkg/, as `file:` dependency) built by real toolchains and
// loaded in headless Chromium, where each opens a LiveList against sp-sim +
// sp-broadcaster and must receive one change (an item added through the sim's admin API).
//
//   node tests/consumers/run.mjs           (make test-consumers: after make pkg and
//                                           cargo build -p sp-sim -p sp-broadcaster)
// Env: CONSUMERS=plain,webpack,vite,spfx,webpack4,spfx118,spfx121 (default: all), CONSUMERS_PORT (static pages,
// default 29080; sp-sim = 29500, sp-broadcaster = 29400 unless CONSUMERS_SIM_PORT /
// CONSUMERS_BC_PORT). npm trees are installed with `npm ci` when their lockfile changed
// (stamp: node_modules/.sp-live-lock). Logs in target/consumers/. Prints one line per check
// and "N passed, M failed"; exits 1 on failure.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { Checks, watchdog as startWatchdog, killAll, launchChromium, portTaken, startSimAndBroadcaster, stop, waitFor } from "../e2e/lib.mjs";
import { HERE, OUT, PKG, ROOT, bundleSizes, kib, node18Env, node22Env, npmCi, serve, sh, sha, takeLock } from "./lib.mjs";
import { twoCopies } from "./two-copies.mjs";

const require = createRequire(path.join(ROOT, "tests/tools/package.json"));
const { chromium } = require("playwright-core");

const ALL = ["plain", "webpack", "vite", "spfx", "webpack4", "spfx118", "spfx121"];
const WANT = (process.env.CONSUMERS ?? ALL.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
for (const c of WANT) if (!ALL.includes(c)) throw new Error(`CONSUMERS: unknown consumer ${c} (known: ${ALL.join(", ")})`);
const PAGE_PORT = Number(process.env.CONSUMERS_PORT ?? 29080);
const SIM_PORT = Number(process.env.CONSUMERS_SIM_PORT ?? 29500);
const BC_PORT = Number(process.env.CONSUMERS_BC_PORT ?? 29400);
const SIM = `http://127.0.0.1:${SIM_PORT}`;
const SITE = `${SIM}/sites/dev`;
const BROADCASTER = `http://127.0.0.1:${BC_PORT}`;
const SECRET = `consumers-${process.pid}`;
const CHANGE_MS = 15000; // an added item must show within this (webhook interval: 300 ms)

await takeLock();

const logFile = fs.createWriteStream(path.join(OUT, "run.log"));
const serveStatic = (routes) => serve(routes, PAGE_PORT, logFile);
const checks = new Checks();
const t0 = Date.now();

const watchdog = startWatchdog(checks, 15 * 60_000, "the consumer tests");

// ---------- consumers: install + build; `serve` maps URL prefixes to folders ----------

const CONSUMERS = {
  plain: {
    async build() {
      return `${await npmCi(path.join(HERE, "plain"), "plain")}, no build step`;
    },
    serve: { "/plain/": path.join(HERE, "plain") },
    url: "/plain/index.html",
  },
  webpack: {
    async build() {
      const dir = path.join(HERE, "webpack");
      const how = await npmCi(dir, "webpack");
      await sh("webpack", "npm", ["run", "build"], { cwd: dir });
      return `${how}, ${bundleSizes(path.join(dir, "dist"))}`;
    },
    serve: { "/webpack/": path.join(HERE, "webpack/dist") },
    url: "/webpack/index.html",
  },
  vite: {
    async build() {
      const dir = path.join(HERE, "vite");
      const how = await npmCi(dir, "vite");
      await sh("vite", "npm", ["run", "build"], { cwd: dir });
      return `${how}, ${bundleSizes(path.join(dir, "dist"))}`;
    },
    serve: { "/vite/": path.join(HERE, "vite/dist") },
    url: "/vite/index.html",
  },
  // The SPFx <= 1.18 route: webpack 4 with the two rules of tests/consumers/README.md.
  webpack4: {
    async build() {
      const dir = path.join(HERE, "webpack4");
      const how = await npmCi(dir, "webpack4");
      // Without the rules, webpack 4 must fail on import.meta (the trap being worked around).
      fs.rmSync(path.join(OUT, "webpack4-bare.log"), { force: true });
      const bare = await sh("webpack4-bare", "npm", ["run", "build"], { cwd: dir, env: { SP_LIVE_NO_REWRITE: "1" } }).then(() => null, (e) => e.message);
      if (!bare || !/Module parse failed: Unexpected token/.test(fs.readFileSync(path.join(OUT, "webpack4-bare.log"), "utf8"))) {
        throw new Error("webpack 4 without the import.meta rewrite did not fail with 'Module parse failed'");
      }
      fs.rmSync(path.join(dir, "dist"), { recursive: true, force: true }); // webpack 4 does not clean
      await sh("webpack4", "npm", ["run", "build"], { cwd: dir });
      return `${how}, without the rewrite: Module parse failed (as expected); with it: ${bundleSizes(path.join(dir, "dist"))}`;
    },
    serve: { "/webpack4/": path.join(HERE, "webpack4/dist") },
    url: "/webpack4/index.html",
  },
  spfx: {
    async build() {
      const dir = path.join(HERE, "spfx");
      const env = node22Env();
      const how = [await npmCi(path.join(HERE, "node22"), "spfx", {}), await npmCi(dir, "spfx", env)];
      await sh("spfx", "node", ["--version"], { cwd: dir, env });
      const t = Date.now();
      await sh("spfx", "npm", ["run", "build"], { cwd: dir, env });
      const ms = Date.now() - t;
      const sppkg = path.join(dir, "sharepoint/solution/sp-live-spfx.sppkg");
      // What SharePoint would serve: the ClientSideAssets packed into the .sppkg.
      const unpacked = path.join(OUT, "spfx-sppkg");
      fs.rmSync(unpacked, { recursive: true, force: true });
      await sh("spfx", "unzip", ["-q", "-o", sppkg, "-d", unpacked]);
      copyManifest(path.join(dir, "release/manifests"), unpacked);
      return `node22 ${how[0]}, spfx ${how[1]}, npm run build ${(ms / 1000).toFixed(1)} s, .sppkg ${kib(fs.statSync(sppkg).size)}, ${bundleSizes(path.join(unpacked, "ClientSideAssets"))}`;
    },
    serve: {
      "/spfx/assets/": path.join(OUT, "spfx-sppkg/ClientSideAssets"),
      "/spfx/manifest.json": path.join(OUT, "spfx-sppkg/manifest.json"),
      "/spfx/": path.join(HERE, "spfx/harness"),
    },
    url: "/spfx/index.html",
  },
  // The SPFx <= 1.18 route for real: an SPFx 1.18.2 solution, gulp and webpack 4, with the
  // two rules of tests/consumers/README.md in its gulpfile.js.
  spfx118: {
    build: () => gulpSpfx("spfx118", { nodeDir: "node18", env: node18Env(), rules: true }),
    serve: spfxServe("spfx118"),
    url: "/spfx118/index.html",
  },
  // The last gulp SPFx: 1.21.1, webpack 5, Node 22, no webpack change.
  spfx121: {
    build: () => gulpSpfx("spfx121", { nodeDir: "node22", env: node22Env(), rules: false }),
    serve: spfxServe("spfx121"),
    url: "/spfx121/index.html",
  },
};

/** Routes for a gulp SPFx consumer: its unpacked .sppkg, its manifest and the shared harness. */
function spfxServe(name) {
  return {
    [`/${name}/assets/`]: path.join(OUT, `${name}-sppkg/ClientSideAssets`),
    [`/${name}/manifest.json`]: path.join(OUT, `${name}-sppkg/manifest.json`),
    [`/${name}/`]: path.join(HERE, "spfx/harness"),
  };
}

/**
 * Installs and builds a gulp SPFx solution (`gulp bundle --ship`, then
 * `gulp package-solution --ship`) with the Node of `nodeDir`, and unpacks its .sppkg.
 * With `rules`, first checks that bundling without the gulpfile's two webpack rules
 * (SP_LIVE_NO_REWRITE=1) fails at import.meta, as webpack 4 does.
 */
async function gulpSpfx(name, { nodeDir, env, rules }) {
  const dir = path.join(HERE, name);
  // Installed with the default Node (current npm no longer runs on 18); built with the solution's.
  const how = [await npmCi(path.join(HERE, nodeDir), name, {}), await npmCi(dir, name)];
  await sh(name, "node", ["--version"], { cwd: dir, env });
  copyWebPart(dir);
  const gulp = path.join(dir, "node_modules/gulp/bin/gulp.js");
  const clean = () => ["dist", "temp", "lib", "release", "sharepoint/solution"].forEach((d) => fs.rmSync(path.join(dir, d), { recursive: true, force: true }));
  let bare = "";
  if (rules) {
    clean();
    fs.rmSync(path.join(OUT, `${name}-bare.log`), { force: true });
    const failed = await sh(`${name}-bare`, "node", [gulp, "bundle", "--ship"], { cwd: dir, env: { ...env, SP_LIVE_NO_REWRITE: "1" } }).then(() => null, (e) => e.message);
    if (!failed || !/Module parse failed: Unexpected token/.test(fs.readFileSync(path.join(OUT, `${name}-bare.log`), "utf8"))) {
      throw new Error(`${name}: gulp bundle without the gulpfile's rules did not fail with 'Module parse failed'`);
    }
    bare = "without the rules: Module parse failed (as expected); with them: ";
  }
  clean();
  const t = Date.now();
  await sh(name, "node", [gulp, "bundle", "--ship"], { cwd: dir, env });
  await sh(name, "node", [gulp, "package-solution", "--ship"], { cwd: dir, env });
  const ms = Date.now() - t;
  const solution = path.join(dir, "sharepoint/solution");
  const sppkg = path.join(solution, fs.readdirSync(solution).find((f) => f.endsWith(".sppkg")));
  const unpacked = path.join(OUT, `${name}-sppkg`);
  fs.rmSync(unpacked, { recursive: true, force: true });
  await sh(name, "unzip", ["-q", "-o", sppkg, "-d", unpacked]);
  copyManifest(path.join(dir, "dist"), unpacked);
  const node = fs.readFileSync(path.join(OUT, `${name}.log`), "utf8").match(/\nv(\d+\.\d+\.\d+)\n/)?.[1] ?? "?";
  return `${nodeDir} ${how[0]}, ${name} ${how[1]}, ${bare}gulp bundle + package-solution --ship on Node ${node} ${(ms / 1000).toFixed(1)} s, .sppkg ${kib(fs.statSync(sppkg).size)}, ${bundleSizes(path.join(unpacked, "ClientSideAssets"))}`;
}

/**
 * The probe web part of `spfx/` (its code, styles and strings; not its manifest, whose id
 * is the solution's own) into the gulp solution `dir`, which builds the same web part.
 */
function copyWebPart(dir) {
  const from = path.join(HERE, "spfx/src/webparts/liveListProbe");
  const to = path.join(dir, "src/webparts/liveListProbe");
  for (const f of ["LiveListProbeWebPart.ts", "LiveListProbeWebPart.module.scss", "loc/en-us.js", "loc/mystrings.d.ts"]) {
    fs.mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
    fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
}

/** The web part's manifest (the one `*.manifest.json` in `from`), next to the unpacked .sppkg. */
function copyManifest(from, unpacked) {
  const manifests = fs.readdirSync(from).filter((f) => f.endsWith(".manifest.json"));
  if (manifests.length !== 1) throw new Error(`${path.relative(ROOT, from)}: ${manifests.length} manifests`);
  fs.copyFileSync(path.join(from, manifests[0]), path.join(unpacked, "manifest.json"));
}

// ---------- sp-sim: a list, rows, and the broadcaster's webhook subscription ----------

async function json(url, init) {
  const r = await fetch(url, init);
  const text = await r.text();
  if (!r.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}
const post = (url, body, headers = {}) =>
  json(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

async function setUpList() {
  const list = await post(`${SIM}/_admin/lists`, { title: "Consumers" });
  await post(`${SIM}/_admin/lists/${list.id}/items`, [{ Title: "row 1" }, { Title: "row 2" }, { Title: "row 3" }]);
  // Through SharePoint's REST API, as a real deployment would: digest, then subscribe.
  const accept = { accept: "application/json;odata=nometadata" };
  const { FormDigestValue } = await json(`${SITE}/_api/contextinfo`, { method: "POST", headers: accept });
  const expires = new Date(Date.now() + 90 * 86_400_000).toISOString();
  await post(
    `${SITE}/_api/web/lists(guid'${list.id}')/subscriptions`,
    { resource: list.id, notificationUrl: `${BROADCASTER}/api/webhook`, expirationDateTime: expires, clientState: SECRET },
    { ...accept, "X-RequestDigest": FormDigestValue },
  );
  return list.id;
}

// ---------- the page ----------

async function liveChange(browser, name, listId) {
  const q = new URLSearchParams({ site: SITE, list: listId, broadcaster: BROADCASTER });
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => logFile.write(`[${name} ${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => {
    errors.push(e.message);
    logFile.write(`[${name} pageerror] ${e.message}\n`);
  });
  page.on("requestfailed", (r) => logFile.write(`[${name} requestfailed] ${r.url()} ${r.failure()?.errorText}\n`));
  const wasm = [];
  page.on("response", (r) => {
    if (r.status() >= 400) logFile.write(`[${name} HTTP ${r.status()}] ${r.url()}\n`);
    if (new URL(r.url()).pathname.endsWith(".wasm")) wasm.push(`${new URL(r.url()).pathname} ${r.status()} ${r.headers()["content-type"]}`);
  });
  const state = () => page.evaluate(() => window.__consumer ?? null);
  try {
    const t = Date.now();
    await page.goto(`http://127.0.0.1:${PAGE_PORT}${CONSUMERS[name].url}?${q}`);
    await waitFor(`${name}: live with the list's rows`, async () => {
      const s = await state();
      if (s?.error || errors.length) throw new Error(s?.error ?? errors[0]);
      return s?.status === "live" && s.titles.includes("row 1");
    }, 20000);
    const liveMs = Date.now() - t;
    const title = `added for ${name} ${Date.now()}`;
    const added = Date.now();
    await post(`${SIM}/_admin/lists/${listId}/items`, { Title: title });
    await waitFor(`${name}: the added item shows`, async () => {
      const s = await state();
      if (s?.error || errors.length) throw new Error(s?.error ?? errors[0]);
      return s.titles.includes(title);
    }, CHANGE_MS);
    const s = await state();
    const snap = s.events.indexOf("snapshot");
    if (snap < 0 || !s.events.slice(snap).includes("changes")) throw new Error(`events: ${s.events.join(",")}: no snapshot, then changes`);
    if (!name.startsWith("spfx") && !(s.authAsked >= 1)) throw new Error(`the auth function was asked ${s.authAsked} times`);
    if (name === "webpack" || name === "vite" || name === "webpack4") {
      const seed = await page.evaluate(() => window.__seedExports);
      if (!seed?.includes("RxJsEventEmitter")) throw new Error(`sp-live/seed exports: ${JSON.stringify(seed)}`);
    }
    if (name === "webpack" || name === "webpack4") {
      // The React 17 grid (sp-live/react's useLiveList) is live and shows the add too.
      await waitFor(`${name}: the React grid (useLiveList) shows the added item`, async () => {
        const r = await page.evaluate(() => window.__react ?? null);
        if (r?.error) throw new Error(r.error);
        return r?.status === "live" && r.titles.includes(title);
      }, CHANGE_MS);
    }
    // The .wasm came from the consumer's own build output (its asset URL), once.
    const prefix = CONSUMERS[name].url.split("/")[1];
    if (wasm.length !== 1 || !wasm[0].startsWith(`/${prefix}/`) || !wasm[0].endsWith(" 200 application/wasm")) throw new Error(`wasm requests: ${wasm.join("; ") || "none"}`);
    const where = wasm[0].split(" ")[0];
    if (name.startsWith("spfx")) {
      // The next load of the page resumes from the checkpoint the web part kept on
      // pagehide (README's SPFx example): rows at once, a catch-up, no load of the list.
      await post(`${SIM}/_admin/counters/reset`, {});
      await page.reload();
      await waitFor(`${name}: live again after a reload, from its checkpoint`, async () => {
        const s = await state();
        if (s?.error || errors.length) throw new Error(s?.error ?? errors[0]);
        return s?.status === "live" && s.titles.includes(title);
      }, CHANGE_MS);
      const again = await state();
      const counters = await json(`${SIM}/_admin/counters`);
      if (!again.resumed || !again.statuses.includes("resyncing") || counters.list) {
        throw new Error(`after the reload: resumed ${again.resumed}, statuses ${again.statuses}, list info requests ${counters.list}`);
      }
    }
    const resumed = name.startsWith("spfx") ? "; after a reload, live from its checkpoint with no load" : "";
    return `wasm ${where}, live in ${liveMs} ms, change shown ${Date.now() - added} ms after the add, ${s.titles.length} rows${resumed}`;
  } finally {
    await page.close().catch(() => {});
  }
}

// ---------- checks ----------

async function main() {
  for (const p of [PAGE_PORT, SIM_PORT, BC_PORT]) {
    if (await portTaken(p)) throw new Error(`port ${p} is taken: stop whatever listens there (or set CONSUMERS_PORT / CONSUMERS_SIM_PORT / CONSUMERS_BC_PORT)`);
  }
  for (const f of ["sp-sim", "sp-broadcaster"]) {
    if (!fs.existsSync(path.join(ROOT, "target/debug", f))) throw new Error(`target/debug/${f} missing: cargo build -p sp-sim -p sp-broadcaster`);
  }
  if (!fs.existsSync(path.join(PKG, "package.json"))) throw new Error("pkg/ missing: make pkg");

  await checks.check("pkg: package.json names sp-live with exports, types, files and sideEffects; npm pack lists them", async () => {
    const p = JSON.parse(fs.readFileSync(path.join(PKG, "package.json"), "utf8"));
    const cargo = fs.readFileSync(path.join(ROOT, "Cargo.toml"), "utf8").match(/^\[package\][^[]*?^version\s*=\s*"([^"]+)"/ms)?.[1];
    const problems = [];
    if (p.name !== "sp-live") problems.push(`name ${p.name}`);
    if (p.version !== cargo) problems.push(`version ${p.version}, Cargo.toml ${cargo}`);
    if (p.type !== "module") problems.push("type is not module");
    if (p.exports?.["."]?.default !== "./sp_live.js" || p.exports?.["."]?.types !== "./sp_live.d.ts") problems.push("exports['.']");
    if (p.exports?.["./sp_live_bg.wasm"] !== "./sp_live_bg.wasm") problems.push("exports wasm");
    if (fs.existsSync(path.join(ROOT, "src/js/seed.js")) && p.exports?.["./seed"]?.default !== "./seed.js") problems.push("exports ./seed");
    if (p.exports?.["./react"]?.default !== "./react.js" || p.exports?.["./react"]?.types !== "./react.d.ts") problems.push("exports ./react");
    if (p.peerDependencies?.react === undefined || p.peerDependenciesMeta?.react?.optional !== true) problems.push("react is not an optional peer dependency");
    if (!("sideEffects" in p)) problems.push("no sideEffects");
    if (problems.length) throw new Error(problems.join("; "));
    const out = await new Promise((resolve, reject) => {
      const c = spawn("npm", ["pack", "--dry-run", "--json", "--loglevel=error"], { cwd: PKG });
      let s = "";
      c.stdout.on("data", (d) => (s += d));
      c.on("exit", (code) => (code === 0 ? resolve(s) : reject(new Error(`npm pack exit ${code}`))));
    });
    const [packed] = JSON.parse(out);
    const names = packed.files.map((f) => f.path).sort();
    for (const f of [...p.files.filter((f) => !f.endsWith("/")), "package.json"]) {
      if (!names.includes(f)) throw new Error(`npm pack leaves out ${f}: ${names.join(", ")}`);
    }
    return `${packed.id}: ${names.length} files, tarball ${kib(packed.size)}, unpacked ${kib(packed.unpackedSize)}`;
  });

  // Builds first (sequential: two cores), then one browser session against the servers.
  const built = new Set();
  for (const name of WANT) {
    if (await checks.check(`${name}: install and production build against pkg/`, () => CONSUMERS[name].build())) built.add(name);
  }
  for (const spfx of ["spfx", "spfx118", "spfx121"].filter((n) => built.has(n))) {
    await checks.check(`${spfx}: the .sppkg holds the .wasm (same bytes as pkg/) and the bundle refers to it`, async () => {
      const dir = path.join(OUT, `${spfx}-sppkg/ClientSideAssets`);
      const files = fs.readdirSync(dir);
      const wasm = files.filter((f) => f.endsWith(".wasm"));
      const want = sha(fs.readFileSync(path.join(PKG, "sp_live_bg.wasm")));
      if (wasm.length !== 1 || sha(fs.readFileSync(path.join(dir, wasm[0]))) !== want) throw new Error(`wasm files: ${wasm.join(", ") || "none"}`);
      const bundle = files.find((f) => f.startsWith("live-list-probe-web-part") && f.endsWith(".js"));
      if (!fs.readFileSync(path.join(dir, bundle), "utf8").includes(wasm[0])) throw new Error(`${bundle} does not name ${wasm[0]}`);
      const rels = fs.readFileSync(path.join(OUT, `${spfx}-sppkg/_rels/ClientSideAssets.xml.rels`), "utf8");
      if (!rels.includes(wasm[0])) throw new Error("ClientSideAssets.xml.rels does not list the .wasm");
      return `ClientSideAssets/${wasm[0]}`;
    });
  }
  if (!built.size) return;

  const routes = { "/common/": path.join(HERE, "common") };
  for (const name of built) Object.assign(routes, CONSUMERS[name].serve);
  const server = await serveStatic(routes);
  const { sim, bc } = await startSimAndBroadcaster(path.join(ROOT, "target/debug"), SIM_PORT, BC_PORT, logFile, ["--client-state", SECRET]);
  const browser = await launchChromium(chromium);
  try {
    const listId = await setUpList();
    for (const name of WANT.filter((n) => built.has(n))) {
      await checks.check(`${name}: in Chromium, a LiveList goes live and shows an item added through sp-sim`, () => liveChange(browser, name, listId));
    }
    if (built.has("spfx")) {
      const ctx = { SIM, SITE, BROADCASTER, PAGE_PORT, CHANGE_MS, json, post, logFile };
      await checks.check("spfx: two copies of the web part bundle on one page (as two bundles or solutions are) share one WebSocket and one feed, and both show an added item", () => twoCopies(browser, listId, ctx));
    }
  } finally {
    await browser.close().catch(() => {});
    server.close();
    await stop(bc.child).catch(() => {});
    await stop(sim.child).catch(() => {});
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
console.log(`consumers: ${((Date.now() - t0) / 1000).toFixed(1)} s, logs in target/consumers/`);
console.log(`${checks.passed} passed, ${checks.failed} failed`);
process.exit(checks.failed ? 1 : 0);
