// The tenant probe's own test, against sp-sim (`make test-probe`): every check passes
// against a simulated site, the record leaves the credentials out, a SharePoint that
// refuses GetChanges or ignores the time of a datetime filter makes the probe fail (it
// can tell), and either way, Ctrl-C too, the probe deletes the items it added.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Checks, admin, portTaken, sleep, start, waitFor, watchdog } from "../e2e/lib.mjs";
import { Rest, checkToken } from "./rest.mjs";
import { probe } from "./probe.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const SECRET = "probe-self-test-token";

const checks = new Checks();
const timer = watchdog(checks, 360_000, "the tenant probe's self-test");
let port = 28600;
while (await portTaken(port)) port += 1;
const simUrl = `http://127.0.0.1:${port}`;
await start("sp-sim", path.join(ROOT, "target/release/sp-sim"), ["--port", String(port), "--seed", "20"], { ready: /listening on/ }).ready;
const out = fs.mkdtempSync(path.join(os.tmpdir(), "sp-live-probe-"));
const env = {
  SP_SITE: `${simUrl}/sites/dev`,
  SP_LIST: "Mails",
  SP_TOKEN: SECRET,
  SP_PROBE_OUT: out,
  SP_PROBE_BULK: "40",
  SP_PROBE_WAIT_MS: "10000",
};
await admin(simUrl, "POST", "/seed", { title: "Big", count: 6000 });
env.SP_BIG_LIST = "Big";
const reads = fs.mkdtempSync(path.join(os.tmpdir(), "sp-live-probe-reads-"));
const titles = async () => (await new Rest({ site: env.SP_SITE, list: "Mails", auth: {}, out: reads }).items()).map((i) => i.title);
const before = await titles();

/** The probe's own report, indented under this test's checks (its lines also kept in
 * `said`). */
let said = [];
async function quietly(fn) {
  const log = console.log;
  said = [];
  console.log = (...a) => (said.push(a.join(" ")), log("    #", ...a));
  try {
    return await fn();
  } finally {
    console.log = log;
  }
}

await checks.check("README's \"Checking a real tenant\" names every setting the probe reads", async () => {
  const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## Checking a real tenant"), readme.indexOf("`make test-probe` (part of"));
  const read = new Set();
  for (const file of ["probe.mjs", "rest.mjs", "live.mjs"]) {
    const text = fs.readFileSync(path.join(ROOT, "tests/tenant", file), "utf8");
    for (const [, name] of text.matchAll(/\benv\.(SP_[A-Z_]+)/g)) read.add(name);
  }
  const missing = [...read].filter((name) => !new RegExp(`\\b${name}\\b`).test(section));
  if (missing.length) throw new Error(`not in README: ${missing.join(", ")}`);
});

await checks.check("a token whose scopes cannot write is warned about, a token for another host refused", async () => {
  const jwt = (aud, scp) => ({ Authorization: `Bearer e30.${Buffer.from(JSON.stringify({ aud, scp, exp: Date.now() / 1000 + 3600 })).toString("base64url")}.x` });
  const site = "https://contoso.sharepoint.com/sites/team";
  await quietly(async () => checkToken(jwt("https://contoso.sharepoint.com", "AllSites.Read User.Read"), site));
  if (!said.some((l) => /AllSites\.Write/.test(l))) throw new Error(`no warning for AllSites.Read: ${JSON.stringify(said)}`);
  await quietly(async () => checkToken(jwt("https://contoso.sharepoint.com/", "AllSites.Write"), site));
  if (said.length) throw new Error(`a warning for AllSites.Write: ${said}`);
  let refused;
  try {
    checkToken(jwt("https://contoso-my.sharepoint.com", "AllSites.Write"), site);
  } catch (e) {
    refused = e.message;
  }
  if (!refused) throw new Error("a token for contoso-my taken");
});
await checks.check("a token pasted with its \"Bearer \" or its JSON quotes is sent once as a bearer", async () => {
  const { credentials } = await import("./rest.mjs");
  for (const pasted of ["Bearer abc.def.ghi", "\"abc.def.ghi\"", " bearer  abc.def.ghi\n"]) {
    const { Authorization } = credentials({ SP_TOKEN: pasted });
    if (Authorization !== "Bearer abc.def.ghi") throw new Error(`${JSON.stringify(pasted)} sent as ${Authorization}`);
  }
});
await checks.check("a token from SP_TOKEN_CMD about to expire is asked for again", async () => {
  const calls = path.join(reads, "token-calls");
  const claims = Buffer.from(JSON.stringify({ aud: simUrl, scp: "AllSites.Write", exp: Math.floor(Date.now() / 1000) + 120 })).toString("base64url");
  const cmd = `echo x >> ${calls}; echo e30.${claims}.x`;
  const { Authorization } = await import("./rest.mjs").then((m) => m.credentials({ SP_TOKEN_CMD: cmd }));
  const renew = () => ({ Authorization: `Bearer ${fs.readFileSync(calls, "utf8").length}` });
  const rest = new Rest({ site: env.SP_SITE, list: "Mails", auth: { Authorization }, out: reads, renew });
  await rest.items();
  await rest.items();
  if (rest.auth.Authorization === Authorization) throw new Error("the token expiring in 2 minutes was used on");
});
await checks.check("every probe check passes against sp-sim", async () => {
  const c = await quietly(() => probe(env));
  if (c.failed || c.passed < 15) throw new Error(`${c.passed} passed, ${c.failed} failed`);
  return `${c.passed} checks`;
});
await checks.check("the record has every exchange and no credential or digest", async () => {
  const files = fs.readdirSync(out).filter((f) => f.endsWith(".txt"));
  if (files.length < 50) throw new Error(`only ${files.length} exchanges recorded`);
  const leaked = files.filter((f) => fs.readFileSync(path.join(out, f), "utf8").includes(SECRET));
  if (leaked.length) throw new Error(`the token is in ${leaked.join(", ")}`);
  const digests = files.filter((f) => /"FormDigestValue"\s*:\s*"0x/.test(fs.readFileSync(path.join(out, f), "utf8")));
  if (digests.length) throw new Error(`a form digest is in ${digests.join(", ")}`);
  for (const kind of ["load-get", "load-batch", "verbose-batch", "big-get", "contextinfo", "recycle"]) {
    if (!files.some((f) => f.includes(kind))) throw new Error(`no ${kind} exchange recorded`);
  }
  return `${files.length} files`;
});
await checks.check("the probe deleted what it added", async () => {
  const after = await titles();
  if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`${before.length} items before, ${after.length} after`);
});
await checks.check("a SharePoint that refuses GetChanges fails the probe", async () => {
  await admin(simUrl, "POST", "/faults", { status: 503, count: 100000, retry_after: 0, match: "getchanges" });
  const c = await quietly(() => probe({ ...env, SP_PROBE_WAIT_MS: "3000", SP_PROBE_BULK: "3", SP_PROBE_RETRIES: "0" }));
  await admin(simUrl, "DELETE", "/faults");
  if (!c.failed) throw new Error(`all ${c.passed} checks passed`);
  const after = await titles();
  if (after.length !== before.length) throw new Error(`${after.length - before.length} probe items left behind`);
  return `${c.failed} of ${c.passed + c.failed} checks failed, as they must`;
});
await checks.check("a site that throttles a few of sp-live's requests passes the probe", async () => {
  // sp-live waits each out (Retry-After: 1): throttling is no failed fact.
  await admin(simUrl, "POST", "/faults", { status: 429, count: 4, retryAfter: 1, match: "getchanges" });
  const c = await quietly(() => probe({ ...env, SP_BIG_LIST: "", SP_PROBE_BULK: "3" }));
  await admin(simUrl, "DELETE", "/faults");
  if (c.failed) throw new Error(`${c.failed} of ${c.passed + c.failed} checks failed`);
  return `${c.passed} checks`;
});
await checks.check("a site that refuses $batch fails the lone edit's check, saying so", async () => {
  await admin(simUrl, "POST", "/faults", { status: 400, count: 100000, retryAfter: 0, match: "batch" });
  await quietly(() => probe({ ...env, SP_BIG_LIST: "", SP_PROBE_BULK: "3" }));
  await admin(simUrl, "DELETE", "/faults");
  const lone = said.find((l) => / - a lone edit /.test(l));
  if (!/^not ok.*refused sp-live's \$batch/.test(lone ?? "")) throw new Error(`the check said: ${lone}`);
});
await checks.check("a site whose datetime filter ignores the time of day fails the view check", async () => {
  // As a tenant that reads `datetime'...'` as a date (or in another time zone) would:
  // every probe item is from today, so the view must leave out one from before its window.
  const fetch = globalThis.fetch;
  const dayOnly = (s) => s.replace(/datetime(%27|')(\d{4}-\d\d-\d\d)T[0-9:%A]+Z(%27|')/gi, "datetime$1$2T00:00:00Z$3");
  globalThis.fetch = (url, init) => fetch(dayOnly(String(url)), init?.body ? { ...init, body: dayOnly(String(init.body)) } : init);
  let c;
  try {
    c = await quietly(() => probe({ ...env, SP_BIG_LIST: "", SP_PROBE_WAIT_MS: "3000", SP_PROBE_BULK: "3" }));
  } finally {
    globalThis.fetch = fetch;
  }
  const view = said.find((l) => / - a view: /.test(l));
  if (!view?.startsWith("not ok")) throw new Error(`the view check: ${view ?? "not run"}`);
  if (c.failed !== 1) throw new Error(`${c.failed} checks failed, not only the view's`);
  if ((await titles()).length !== before.length) throw new Error("probe items left behind");
});
await checks.check("a probe stopped with Ctrl-C deletes what it added", async () => {
  const record = fs.mkdtempSync(path.join(os.tmpdir(), "sp-live-probe-stopped-"));
  const child = spawn(process.execPath, [path.join(ROOT, "tests/tenant/probe.mjs")], {
    env: { ...process.env, ...env, SP_BIG_LIST: "", SP_PROBE_OUT: record },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  const exited = new Promise((r) => child.on("exit", (code, signal) => r(code ?? signal)));
  try {
    await waitFor("the probe's bulk", () => fs.readdirSync(record).filter((f) => f.endsWith("-add.txt")).length > 10, 30_000, 20);
    child.kill("SIGINT");
    const end = await Promise.race([exited, sleep(20_000).then(() => "still running")]);
    if (end === "still running") child.kill("SIGKILL");
    const left = (await titles()).length - before.length;
    if (left) throw new Error(`${left} probe items left behind (exit ${end}): ${output.trim().split("\n").slice(-3).join(" | ")}`);
    if (end !== 130) throw new Error(`exit ${end}, not 130`);
    return output.trim().split("\n").filter((l) => /^# /.test(l)).at(-1);
  } finally {
    fs.rmSync(record, { recursive: true, force: true });
  }
});
for (const dir of [out, reads]) fs.rmSync(dir, { recursive: true, force: true });
clearTimeout(timer);
console.log(`${checks.passed} passed, ${checks.failed} failed`);
process.exit(checks.failed ? 1 : 0);
