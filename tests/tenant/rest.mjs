// The tenant probe's SharePoint REST client: every request carries the probe's
// credentials (a bearer token or cookies), and every exchange (sp-live's own included,
// through `fetchFor`) is written to the output folder with the credentials left out,
// so that what a real tenant answered can be read, compared with sp-sim and turned into
// fixtures.
import { execSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { sleep } from "../e2e/lib.mjs";

export const NOMETADATA = "application/json;odata=nometadata";

/** Headers that are never written to the record. */
const SECRET = /^(authorization|cookie|x-requestdigest)$/i;

/** Response headers written to the record. */
const KEPT = /^(content-type|odata-version|sprequestguid|request-id|retry-after|x-ms-diagnostics|www-authenticate)$/i;

/** The probe's own requests say who they are, as Microsoft asks of REST clients. */
const USER_AGENT = "NONISV|sp-live|tenant-probe";

/** The headers that authenticate every request, from the environment: `SP_TOKEN`, the
 * output of `SP_TOKEN_CMD`, or `SP_COOKIE`. */
export function credentials(env) {
  // `m365 util accesstoken get` prints JSON (a quoted string) unless `--output text`; a
  // token copied from a request's header may start with "Bearer ".
  const bearer = (raw) => {
    const token = raw.trim().replace(/^"(.*)"$/s, "$1").replace(/^Bearer\s+/i, "");
    return { Authorization: `Bearer ${token}` };
  };
  if (env.SP_TOKEN) return bearer(env.SP_TOKEN);
  if (env.SP_TOKEN_CMD) return bearer(execSync(env.SP_TOKEN_CMD, { encoding: "utf8" }));
  if (env.SP_COOKIE) return { Cookie: env.SP_COOKIE };
  return {};
}

/** Checks a bearer token before the first request: a JWT for the site's host (not for
 * `-my.sharepoint.com`, say), with a word on app-only tokens, scopes that cannot write
 * and a near expiry. A token
 * that is no JWT is only warned about (sp-sim takes anything). */
export function checkToken(auth, site) {
  const token = /^Bearer (.+)$/.exec(auth.Authorization ?? "")?.[1];
  if (!token) return;
  let claims;
  try {
    claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
  } catch {
    console.log("# the token is not a JWT: SharePoint Online will refuse it");
    return;
  }
  const origin = new URL(site).origin;
  const aud = String(claims.aud ?? "").replace(/\/+$/, "");
  if (aud !== origin && aud !== "00000003-0000-0ff1-ce00-000000000000") {
    throw new Error(`the token is for ${claims.aud}, not ${origin}: ask for one with --resource ${origin}`);
  }
  if (!claims.scp) console.log("# an app-only token: SharePoint takes those only from a certificate");
  else if (!/\b(AllSites\.(Write|Manage|FullControl)|Sites\.Selected)\b/.test(claims.scp)) {
    console.log(`# the token's scopes (${claims.scp}) do not include AllSites.Write (or Manage, FullControl): SharePoint may refuse the probe's first add`);
  }
  if (claims.exp * 1000 < Date.now() + 30 * 60_000) console.log(`# the token expires at ${new Date(claims.exp * 1000).toISOString()}`);
}

/** When the bearer token in `auth` expires (ms), or Infinity. */
function expiry(auth) {
  try {
    const claims = JSON.parse(Buffer.from(auth.Authorization.split(" ")[1].split(".")[1], "base64url").toString());
    return claims.exp ? claims.exp * 1000 : Infinity;
  } catch {
    return Infinity;
  }
}

export class Rest {
  /** `site`: the site URL; `list`: the scratch list's title; `auth`: headers to add to
   * every request; `out`: the folder the exchanges are written to; `retries`: how often
   * a throttled request of the probe's own is sent again. */
  constructor({ site, list, auth, out, retries = 8, renew }) {
    this.renew = renew; // () => fresh auth headers (from SP_TOKEN_CMD), or undefined
    this.renewed = 0;
    this.site = site.replace(/\/+$/, "");
    this.listTitle = list;
    this.list = `${this.site}/_api/web/lists/getbytitle('${encodeURIComponent(list.replace(/'/g, "''"))}')`;
    this.auth = auth;
    this.log = { out, n: 0, sent: [] }; // sent: sp-live's requests, `{ label, kind, status }`
    this.digest = null;
    this.digestUntil = 0;
    this.retries = retries;
    fs.mkdirSync(out, { recursive: true });
  }

  /** The same site, credentials and record, for another list. */
  withList(list) {
    const other = new Rest({ site: this.site, list, auth: this.auth, out: this.log.out, retries: this.retries });
    other.log = this.log;
    other.renew = undefined; // this one renews the shared headers
    return other;
  }

  /** `fetch` with the credentials, recorded under `name`. Resolves to
   * `{ status, headers, text }` (never rejects on an HTTP status). With `retry`, a
   * 429 or 503 is sent again after its `Retry-After` (up to `retries` times). */
  async send(name, url, { method = "GET", headers = {}, body, retry = true } = {}) {
    // A token from SP_TOKEN_CMD is asked for again 5 minutes before it expires (at most
    // once a minute): a run, and its clean-up, may outlast the one it started with.
    if (this.renew && expiry(this.auth) < Date.now() + 5 * 60_000 && Date.now() - this.renewed > 60_000) {
      this.renewed = Date.now();
      Object.assign(this.auth, this.renew()); // the same object as every `withList` copy's
    }
    const all = { "User-Agent": USER_AGENT, ...headers, ...this.auth };
    for (let n = 0; ; n++) {
      const r = await fetch(url, { method, headers: all, body, signal: AbortSignal.timeout(120_000) });
      const text = await r.text();
      this.record(n ? `${name}-retry${n}` : name, { method, url, headers: all, body }, r, text);
      if (retry && (r.status === 429 || r.status === 503) && n < this.retries) {
        const seconds = Number(r.headers.get("retry-after"));
        await sleep((seconds > 0 ? seconds : 2 ** n) * 1000);
        continue;
      }
      return { status: r.status, headers: r.headers, text };
    }
  }

  /** The `fetch` option of a LiveList: sp-live's requests with the credentials,
   * recorded as `<label>-<kind>`. */
  fetchFor(label) {
    return async (url, init) => {
      const kind = /\$batch/i.test(url) ? "batch" : /getchanges/i.test(url) ? "getchanges" : "get";
      const headers = { ...init.headers };
      // With cookies, as in a browser, a POST ($batch) needs a form digest.
      if (init.method === "POST" && !this.auth.Authorization) headers["X-RequestDigest"] = await this.formDigest();
      // sp-live's own requests reach it as they are: it handles throttling itself.
      const r = await this.send(`${label}-${kind}`, url, { ...init, headers, retry: false });
      this.log.sent.push({ label, kind, status: r.status });
      return { status: r.status, headers: r.headers, text: async () => r.text };
    };
  }

  record(name, req, res, text) {
    this.log.n += 1;
    const file = path.join(this.log.out, `${String(this.log.n).padStart(3, "0")}-${name.replace(/[^\w.-]+/g, "_")}.txt`);
    const heads = (h) => Object.entries(h).map(([k, v]) => `${k}: ${SECRET.test(k) ? "(left out)" : v}`);
    const resHeads = [];
    res.headers.forEach((v, k) => {
      if (KEPT.test(k)) resHeads.push(`${k}: ${v}`);
    });
    const lines = [`${req.method} ${req.url}`, ...heads(req.headers)];
    if (req.body) lines.push("", String(req.body).slice(0, 65536));
    const shown = text.slice(0, 262144).replace(/("FormDigestValue"\s*:\s*")[^"]*/g, "$1(left out)");
    lines.push("", `HTTP ${res.status}`, ...resHeads, "", shown);
    fs.writeFileSync(file, lines.join("\n"));
  }

  /** A JSON answer of a request that must succeed. */
  async json(name, url, init) {
    const r = await this.send(name, url, init);
    if (r.status < 200 || r.status > 299) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    return r.text ? JSON.parse(r.text) : null;
  }

  /** A form digest, fetched again 2 minutes before it expires. */
  async formDigest() {
    if (!this.digest || Date.now() > this.digestUntil) {
      const j = await this.json("contextinfo", `${this.site}/_api/contextinfo`, { method: "POST", headers: { Accept: NOMETADATA } });
      this.digest = j.FormDigestValue;
      this.digestUntil = Date.now() + ((j.FormDigestTimeoutSeconds ?? 1800) - 120) * 1000;
    }
    return this.digest;
  }

  /** A POST (with `verb` as X-HTTP-Method, e.g. MERGE or DELETE) and a digest. */
  async write(name, url, { verb, fields } = {}) {
    const headers = { Accept: NOMETADATA, "X-RequestDigest": await this.formDigest() };
    if (verb) Object.assign(headers, { "X-HTTP-Method": verb, "IF-MATCH": "*" });
    if (fields) headers["Content-Type"] = NOMETADATA;
    return this.json(name, url, { method: "POST", headers, body: fields ? JSON.stringify(fields) : undefined });
  }

  /** GetChanges from `token`, straight to the list (not through sp-live): what the
   * site answers to it, recorded under `name`. */
  async getChanges(name, token) {
    const query = { Item: true, Add: true, Update: true, DeleteObject: true, Restore: true, ChangeTokenStart: { StringValue: token } };
    const headers = { Accept: NOMETADATA, "Content-Type": NOMETADATA, "X-RequestDigest": await this.formDigest() };
    return this.send(name, `${this.list}/GetChanges`, { method: "POST", headers, body: JSON.stringify({ query }) });
  }

  async listInfo() {
    return this.json("list", `${this.list}?$select=Id,Title,ItemCount`, { headers: { Accept: NOMETADATA } });
  }

  async add(title) {
    return (await this.write("add", `${this.list}/items`, { fields: { Title: title } })).Id;
  }

  update(id, title) {
    return this.write("update", `${this.list}/items(${id})`, { verb: "MERGE", fields: { Title: title } });
  }

  remove(id) {
    return this.write("delete", `${this.list}/items(${id})`, { verb: "DELETE" });
  }

  /** Moves an item to the recycle bin; resolves to the recycle bin item's id. */
  async recycle(id) {
    const j = await this.write("recycle", `${this.list}/items(${id})/recycle()`);
    return j?.value ?? j;
  }

  restore(binId) {
    return this.write("restore", `${this.site}/_api/web/RecycleBin('${binId}')/restore()`);
  }

  /** Every item (ID, Title and Modified) that `filter` lets through, in ID order. */
  async items(filter) {
    const out = [];
    const q = filter ? `&$filter=${encodeURIComponent(filter)}` : "";
    let url = `${this.list}/items?$select=Id,Title,Modified&$orderby=Id&$top=2000${q}`;
    while (url) {
      const j = await this.json("items", url, { headers: { Accept: NOMETADATA } });
      for (const i of j.value) out.push({ id: i.Id ?? i.ID, title: i.Title ?? "", modified: i.Modified });
      url = j["odata.nextLink"] ?? j["@odata.nextLink"];
    }
    return out;
  }
}
