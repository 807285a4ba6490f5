// A JavaScript replica of the seed web part's client stack, the baseline of `make bench`:
// socket.io-client 2.0.4 (the page's global `io`, websocket transport), one socket per component, and on every "list:changes" hint naming
// its list: GetChanges via fetch from the component's stored token, the changed items read
// by an ID `$filter` (chunked under 1,500 URL characters, as sp-live does), and a
// singleton-style emitter that carries the seed's JSON string
// {AddedItems, UpdatedItems, DeleteItems: [{ItemId}], ErrorMsg}. Like the seed it does not
// coalesce hints: every hint is one GetChanges round of its own.
const ACCEPT = "application/json;odata=nometadata";
const URL_LIMIT = 1500;

/** The seed's `RxJsEventEmitter`: named channels, string payloads. */
export class RxJsEventEmitter {
  constructor() {
    this.subjects = new Map();
  }
  static getInstance() {
    RxJsEventEmitter.instance ??= new RxJsEventEmitter();
    return RxJsEventEmitter.instance;
  }
  on(name, callback) {
    if (!this.subjects.has(name)) this.subjects.set(name, new Set());
    this.subjects.get(name).add(callback);
    return () => this.subjects.get(name).delete(callback);
  }
  emit(name, data) {
    for (const cb of this.subjects.get(name) ?? []) cb(data);
  }
}

/** The seed grid's way of patching its rows (React state: copy, then filter/indexOf). */
export function seedApply(rows, data) {
  const items = rows.slice();
  for (const a of data.AddedItems) items.push(a);
  for (const u of data.UpdatedItems) {
    const old = items.filter((i) => i.ID === u.ID)[0];
    const idx = items.indexOf(old);
    if (idx > -1) items[idx] = u;
  }
  for (const d of data.DeleteItems) {
    const old = items.filter((i) => i.ID === d.ItemId)[0];
    const idx = items.indexOf(old);
    if (idx > -1) items.splice(idx, 1);
  }
  return items;
}

/** GetChanges results -> per item, the last change wins (1 add, 2/15 update, 3 delete). */
export function collapse(changes) {
  const last = new Map();
  for (const c of changes) last.set(c.ItemId, c.ChangeType);
  const upserts = [];
  const deletes = [];
  const added = new Set();
  for (const [id, type] of last) {
    if (type === 3 || type === 5) deletes.push(id);
    else {
      upserts.push(id);
      if (type === 1 || type === 7 || type === 6) added.add(id);
    }
  }
  return { upserts, deletes, added };
}

/** Item-read URLs for `ids`, each under URL_LIMIT characters. */
export function itemReadUrls(listUrl, select, ids) {
  const base = `${listUrl}/items?$select=${select.join(",")}&$top=5000&$filter=`;
  const urls = [];
  let parts = [];
  let len = base.length;
  for (const id of ids) {
    const part = `(ID eq ${id})`;
    const extra = encodeURIComponent(parts.length ? ` or ${part}` : part).length;
    if (parts.length && len + extra > URL_LIMIT) {
      urls.push(base + encodeURIComponent(parts.join(" or ")));
      parts = [];
      len = base.length;
    }
    parts.push(part);
    len += encodeURIComponent(parts.length > 1 ? ` or ${part}` : part).length;
  }
  if (parts.length) urls.push(base + encodeURIComponent(parts.join(" or ")));
  return urls;
}

/** Builds the seed's message from a collapsed change set and the items read. */
export function seedMessage({ deletes, added }, items) {
  const AddedItems = [];
  const UpdatedItems = [];
  for (const it of items) (added.has(it.ID) ? AddedItems : UpdatedItems).push(it);
  return { AddedItems, UpdatedItems, DeleteItems: deletes.map((ItemId) => ({ ItemId })), ErrorMsg: "" };
}

/** One seed web part: its own socket, token and rows. */
export class SeedComponent {
  constructor({ broadcaster, siteUrl, listId, select, emitter, channel = "listChanges" }) {
    Object.assign(this, { broadcaster, siteUrl, listId, select, emitter, channel });
    this.listUrl = `${siteUrl}/_api/web/lists(guid'${listId}')`;
    this.rows = [];
    this.requests = 0;
    this.socket = null;
  }

  async req(url, init = {}) {
    this.requests += 1;
    const r = await fetch(url, { ...init, headers: { Accept: ACCEPT, ...(init.headers ?? {}) } });
    if (!r.ok) throw new Error(`${init.method ?? "GET"} ${url}: HTTP ${r.status}`);
    return r.json();
  }

  /** Digest, current token, every row, then the socket. Resolves once it is upgraded to a websocket. */
  async start() {
    this.digest = (await this.req(`${this.siteUrl}/_api/contextinfo`, { method: "POST" })).FormDigestValue;
    this.token = (await this.req(`${this.listUrl}?$select=CurrentChangeToken`)).CurrentChangeToken.StringValue;
    let url = `${this.listUrl}/items?$select=${this.select.join(",")}&$top=5000`;
    while (url) {
      const page = await this.req(url);
      for (const it of page.value) this.rows.push(it);
      url = page["odata.nextLink"];
    }
    // websocket only: socket.io-client 2.x polls with credentials, and sp-broadcaster's
    // socket.io CORS answers `*`, which the browser refuses (see bench/README.md).
    this.socket = io(this.broadcaster, { transports: ["websocket"] }); // eslint-disable-line no-undef
    this.socket.on("list:changes", (data) => this.onHint(data));
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const check = () => {
        if (this.socket.connected && this.socket.io.engine?.transport?.name === "websocket") resolve();
        else if (performance.now() - t0 > 15000) reject(new Error("the replica's socket did not connect within 15 s"));
        else setTimeout(check, 20);
      };
      check();
    });
  }

  onHint(data) {
    let value;
    try {
      value = typeof data === "string" ? JSON.parse(data) : data;
    } catch {
      return;
    }
    if (!Array.isArray(value) || !value.some((v) => String(v.resource).toLowerCase() === this.listId)) return;
    this.round().catch((e) => this.emitter.emit(this.channel, JSON.stringify({ AddedItems: [], UpdatedItems: [], DeleteItems: [], ErrorMsg: String(e) })));
  }

  async round() {
    const query = { Item: true, Add: true, Update: true, DeleteObject: true, Restore: true, ChangeTokenStart: { StringValue: this.token } };
    const changes = (
      await this.req(`${this.listUrl}/GetChanges`, {
        method: "POST",
        headers: { "Content-Type": "application/json;odata=nometadata", "X-RequestDigest": this.digest },
        body: JSON.stringify({ query }),
      })
    ).value;
    if (!changes.length) return;
    this.token = changes[changes.length - 1].ChangeToken.StringValue;
    const set = collapse(changes);
    const items = [];
    for (const url of itemReadUrls(this.listUrl, this.select, set.upserts)) {
      for (const it of (await this.req(url)).value) items.push(it);
    }
    const msg = seedMessage(set, items);
    this.emitter.emit(this.channel, JSON.stringify(msg));
  }

  stop() {
    this.socket?.close();
  }
}
