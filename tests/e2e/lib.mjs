// Helpers of the end-to-end test: child processes, a SharePoint REST client (the same
// calls a web part makes), polling, and a tiny check runner.
import { spawn } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------- processes ----------

const children = new Set();

/** Starts a process; resolves once a stdout line matches `ready` (or rejects). */
export function start(name, cmd, args, { ready, timeoutMs = 20000, log } = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  children.add(child);
  child.on("exit", () => children.delete(child));
  const out = [];
  const onData = (stream) => (chunk) => {
    const text = chunk.toString();
    out.push(text);
    log?.write(`[${name} ${stream}] ${text}`);
  };
  child.stdout.on("data", onData("out"));
  child.stderr.on("data", onData("err"));
  const promise = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms: ${out.join("").slice(-500)}`)), timeoutMs);
    child.stdout.on("data", () => {
      if (ready.test(out.join(""))) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}): ${out.join("").slice(-500)}`));
    });
  });
  child.output = () => out.join("");
  return { child, ready: promise };
}

/** Runs a process to completion; returns {code, output}. */
export function run(cmd, args, timeoutMs = 15000) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    children.add(child);
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code: code ?? signal, output });
    });
  });
}

/** Stops a child with `signal` and waits for it to exit. */
export async function stop(child, signal = "SIGTERM", timeoutMs = 8000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill(signal);
  const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(t);
}

/** Kills every child still running (SIGKILL): used on every way out. */
export function killAll() {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch {
      /* gone */
    }
  }
}

/** True if something accepts connections on 127.0.0.1:port. */
export function portTaken(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

// ---------- polling ----------

/** Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`. */
export async function waitFor(what, fn, timeoutMs = 3000, everyMs = 40) {
  const t0 = Date.now();
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return { value: v, ms: Date.now() - t0 };
      last = v;
    } catch (e) {
      last = e.message;
    }
    if (Date.now() - t0 > timeoutMs) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last !== undefined && last !== false ? ` (last: ${JSON.stringify(last)})` : ""}`);
    }
    await sleep(everyMs);
  }
}

// ---------- SharePoint REST ----------

const ACCEPT = "application/json;odata=nometadata";

export class Rest {
  constructor(siteUrl, listId) {
    this.site = siteUrl;
    this.list = `${siteUrl}/_api/web/lists(guid'${listId}')`;
    this.digest = null;
  }

  async formDigest() {
    if (this.digest) return this.digest;
    const r = await fetch(`${this.site}/_api/contextinfo`, { method: "POST", headers: { Accept: ACCEPT } });
    if (!r.ok) throw new Error(`contextinfo: HTTP ${r.status}`);
    this.digest = (await r.json()).FormDigestValue;
    return this.digest;
  }

  /** A write; `user` (a site user's id) sends a bearer token `user:N`, which sp-sim
   * attributes the write to (else the dev user). */
  async write(url, verb, fields, user) {
    const headers = { Accept: ACCEPT, "X-RequestDigest": await this.formDigest() };
    if (user) headers.Authorization = `Bearer user:${user}`;
    if (verb) Object.assign(headers, { "X-HTTP-Method": verb, "IF-MATCH": "*" });
    if (fields) headers["Content-Type"] = "application/json;odata=nometadata";
    const r = await fetch(url, { method: "POST", headers, body: fields ? JSON.stringify(fields) : undefined });
    if (!r.ok) throw new Error(`${verb ?? "POST"} ${url}: HTTP ${r.status} ${await r.text()}`);
    return r.status === 204 ? null : r.json().catch(() => null);
  }

  async add(fields) {
    return (await this.write(`${this.list}/items`, null, fields)).ID;
  }

  update(id, fields, user) {
    return this.write(`${this.list}/items(${id})`, "MERGE", fields, user);
  }

  remove(id) {
    return this.write(`${this.list}/items(${id})`, "DELETE");
  }

  /** Every item as {id, title, subject} (and `editor`, the Editor's name, with
   * `withEditor`), in ID order. */
  async items(withEditor = false) {
    const out = [];
    let url = `${this.list}/items?$select=ID,Title,Subject,Editor/Title&$expand=Editor&$top=500`;
    while (url) {
      const r = await fetch(url, { headers: { Accept: ACCEPT } });
      if (!r.ok) throw new Error(`GET items: HTTP ${r.status}`);
      const j = await r.json();
      for (const i of j.value) {
        const row = { id: i.ID, title: i.Title ?? "", subject: i.Subject ?? "" };
        out.push(withEditor ? { ...row, editor: i.Editor?.Title ?? "" } : row);
      }
      url = j["odata.nextLink"];
    }
    return out;
  }
}

// ---------- the servers and the browser ----------

/** Starts sp-sim (webhooks every 300 ms) and sp-broadcaster (CORS on every route, for
 * pages on another port; `broadcasterArgs` added) from `bin`; resolves to both (`start`'s
 * handles) once both listen. */
export async function startSimAndBroadcaster(bin, simPort, bcPort, log, broadcasterArgs = []) {
  const sim = start("sp-sim", path.join(bin, "sp-sim"), ["--port", String(simPort), "--webhook-interval-ms", "300"], { ready: /listening on/, log });
  const bc = start("sp-broadcaster", path.join(bin, "sp-broadcaster"), ["--port", String(bcPort), "--cors", "all", ...broadcasterArgs], { ready: /listening on/, log });
  await Promise.all([sim.ready, bc.ready]);
  return { sim, bc };
}

/** The system Chromium, headless, with nothing running in the background (no sandbox:
 * CI runs in containers), and `gc()` in its pages (a test drops handles and collects).
 * `chromium` is playwright-core's. */
export function launchChromium(chromium) {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--js-flags=--expose-gc"],
  });
}

// ---------- sp-sim's admin API, webhooks, static pages ----------

/** A call to sp-sim's admin API at `simUrl` (e.g. "http://127.0.0.1:21500"); the JSON
 * answer, or `null`. */
export async function admin(simUrl, method, route, body) {
  const r = await fetch(`${simUrl}/_admin${route}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} /_admin${route}: HTTP ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Subscribes a webhook (`notificationUrl`, e.g. a broadcaster's `/api/webhook`) to a
 * list through SharePoint's REST API, with a digest, as a deployment does. */
export async function subscribeWebhook(rest, listId, notificationUrl, clientState) {
  const expiration = new Date(Date.now() + 90 * 86400_000).toISOString();
  const r = await fetch(`${rest.site}/_api/web/lists(guid'${listId}')/subscriptions`, {
    method: "POST",
    headers: {
      Accept: ACCEPT,
      "Content-Type": "application/json",
      "X-RequestDigest": await rest.formDigest(),
    },
    body: JSON.stringify({ resource: listId, notificationUrl, expirationDateTime: expiration, clientState }),
  });
  if (r.status !== 201) throw new Error(`subscribe: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".ts": "text/plain" };

/** Serves on `host:port` the files `route(pathname)` names (inside `root`; `null`: 404),
 * uncached. Resolves to the server once it listens. */
export function serveStatic(host, port, root, route) {
  const server = http.createServer((req, res) => {
    const file = route(decodeURIComponent(new URL(req.url, "http://x").pathname));
    if (!file || !path.resolve(file).startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Cache-Control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** A path under `/prefix/` as a file of `dir` (no way out of it), else `null`. */
export function under(pathname, prefix, dir) {
  if (!pathname.startsWith(prefix)) return null;
  return path.join(dir, path.normalize(pathname.slice(prefix.length)).replace(/^(\.\.[/\\])+/, ""));
}

// ---------- checks ----------

export class Checks {
  constructor() {
    this.passed = 0;
    this.failed = 0;
    this.n = 0;
  }

  /** Runs one check; `fn` may return a detail string (e.g. a timing). */
  async check(name, fn) {
    this.n += 1;
    const t0 = Date.now();
    try {
      const detail = await fn();
      this.passed += 1;
      console.log(`ok ${this.n} - ${name}${detail ? ` (${detail})` : ""} [${Date.now() - t0} ms]`);
      return true;
    } catch (e) {
      this.failed += 1;
      console.log(`not ok ${this.n} - ${name}: ${e?.message ?? e}`);
      return false;
    }
  }
}

/** Ends the run with a failing check after `ms` (so a hang still prints a summary), and
 * kills every child on Ctrl-C, SIGTERM and exit. Returns the timer (clear it when done). */
export function watchdog(checks, ms, what) {
  const timer = setTimeout(() => {
    console.log(`not ok - watchdog: ${what} took more than ${Math.round(ms / 1000)} s`);
    console.log(`${checks.passed} passed, ${checks.failed + 1} failed`);
    killAll();
    process.exit(1);
  }, ms);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => (killAll(), process.exit(130)));
  process.on("exit", killAll);
  return timer;
}
