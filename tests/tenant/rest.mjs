// The tenant probe's SharePoint REST client: every request carries the probe's
// credentials (a bearer token or cookies), and every exchange (sp-live's own included,
// through `fetchFor`) is written to the output folder with the credentials left out,
// so that what a real tenant answered can be read, compared with sp-sim and turned into
// fixtures.
import fs from "node:fs";
import path from "node:path";

export const NOMETADATA = "application/json;odata=nometadata";

/** Headers that are never written to the record. */
const SECRET = /^(authorization|cookie|x-requestdigest)$/i;

export class Rest {
  /** `site`: the site URL; `list`: the scratch list's title; `auth`: headers to add to
   * every request; `out`: the folder the exchanges are written to. */
  constructor({ site, list, auth, out }) {
    this.site = site.replace(/\/+$/, "");
    this.listTitle = list;
    this.list = `${this.site}/_api/web/lists/getbytitle('${encodeURIComponent(list.replace(/'/g, "''"))}')`;
    this.auth = auth;
    this.log = { out, n: 0 };
    this.digest = null;
    fs.mkdirSync(out, { recursive: true });
  }

  /** The same site, credentials and record, for another list. */
  withList(list) {
    const other = new Rest({ site: this.site, list, auth: this.auth, out: this.log.out });
    other.log = this.log;
    return other;
  }

  /** `fetch` with the credentials, recorded under `name`. Resolves to
   * `{ status, headers, text }` (never rejects on an HTTP status). */
  async send(name, url, { method = "GET", headers = {}, body } = {}) {
    const all = { ...headers, ...this.auth };
    const r = await fetch(url, { method, headers: all, body });
    const text = await r.text();
    this.record(name, { method, url, headers: all, body }, r, text);
    return { status: r.status, headers: r.headers, text };
  }

  /** The `fetch` option of a LiveList: sp-live's requests with the credentials,
   * recorded as `<label>-<kind>`. */
  fetchFor(label) {
    return async (url, init) => {
      const kind = /\$batch/i.test(url) ? "batch" : /getchanges/i.test(url) ? "getchanges" : "get";
      const headers = { ...init.headers };
      // With cookies, as in a browser, a POST ($batch) needs a form digest.
      if (init.method === "POST" && !this.auth.Authorization) headers["X-RequestDigest"] = await this.formDigest();
      const r = await this.send(`${label}-${kind}`, url, { ...init, headers });
      return { status: r.status, headers: r.headers, text: async () => r.text };
    };
  }

  record(name, req, res, text) {
    this.log.n += 1;
    const file = path.join(this.log.out, `${String(this.log.n).padStart(3, "0")}-${name.replace(/[^\w.-]+/g, "_")}.txt`);
    const heads = (h) => Object.entries(h).map(([k, v]) => `${k}: ${SECRET.test(k) ? "(left out)" : v}`);
    const resHeads = [];
    res.headers.forEach((v, k) => {
      if (/^(content-type|odata-version|sprequestguid|request-id|retry-after|x-ms-diagnostics)$/i.test(k)) resHeads.push(`${k}: ${v}`);
    });
    const lines = [`${req.method} ${req.url}`, ...heads(req.headers)];
    if (req.body) lines.push("", String(req.body).slice(0, 65536));
    lines.push("", `HTTP ${res.status}`, ...resHeads, "", text.slice(0, 262144));
    fs.writeFileSync(file, lines.join("\n"));
  }

  /** A JSON answer of a request that must succeed. */
  async json(name, url, init) {
    const r = await this.send(name, url, init);
    if (r.status < 200 || r.status > 299) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
    return r.text ? JSON.parse(r.text) : null;
  }

  async formDigest() {
    if (!this.digest) {
      const j = await this.json("contextinfo", `${this.site}/_api/contextinfo`, { method: "POST", headers: { Accept: NOMETADATA } });
      this.digest = j.FormDigestValue;
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

  /** Every item (ID and Title) that `filter` lets through, in ID order. */
  async items(filter) {
    const out = [];
    const q = filter ? `&$filter=${encodeURIComponent(filter)}` : "";
    let url = `${this.list}/items?$select=Id,Title&$orderby=Id&$top=2000${q}`;
    while (url) {
      const j = await this.json("items", url, { headers: { Accept: NOMETADATA } });
      for (const i of j.value) out.push({ id: i.Id ?? i.ID, title: i.Title ?? "" });
      url = j["odata.nextLink"] ?? j["@odata.nextLink"];
    }
    return out;
  }
}
