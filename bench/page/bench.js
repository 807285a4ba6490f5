// The in-page half of `make bench`: sp-live (pkg/) and the seed-stack replica side by side,
// driven by bench/run.mjs through window.bench. Every timestamp is performance.now() of this
// page, so one clock measures both clients.
import init from "/pkg/sp_live.js";
import { batchBodies, hintBody, median, openLive, openReplica, titles } from "./clients.js";
import { collapse, seedApply, seedMessage } from "./replica.js";

const bench = {
  wasm: null,
  open: [],

  async init() {
    this.wasm = await init();
    document.getElementById("state").textContent = "ready";
    return true;
  },

  wasmMemoryBytes() {
    return this.wasm.memory.buffer.byteLength;
  },

  /** 1. Latency: alternate an edit+hint on list A (sp-live) and list B (replica). */
  async latency(cfg) {
    // Both clients use the page's WebSocket: note when each socket's frames arrive, to split
    // "POST -> GetChanges leaves" into the servers' part and the client's part. The
    // prototype's message handlers are wrapped (socket.io-client keeps its own reference to
    // the constructor); sockets are numbered in the order they install one: sp-live's one
    // shared connection, then the replica's.
    const proto = WebSocket.prototype;
    const realOnMessage = Object.getOwnPropertyDescriptor(proto, "onmessage");
    const realAdd = proto.addEventListener;
    const frames = []; // per socket: arrival times of this iteration's frames
    const socketIndex = new WeakMap();
    const stamped = new WeakSet();
    const framesOf = (ws) => {
      if (!socketIndex.has(ws)) socketIndex.set(ws, frames.push([]) - 1);
      return frames[socketIndex.get(ws)];
    };
    const stamping = (ws, handler) => {
      const mine = framesOf(ws);
      return function (ev) {
        if (!stamped.has(ev)) {
          stamped.add(ev);
          mine.push(performance.now());
        }
        return typeof handler === "function" ? handler.call(this, ev) : handler.handleEvent(ev);
      };
    };
    Object.defineProperty(proto, "onmessage", {
      ...realOnMessage,
      set(handler) {
        realOnMessage.set.call(this, handler ? stamping(this, handler) : handler);
      },
    });
    proto.addEventListener = function (type, handler, ...rest) {
      return realAdd.call(this, type, type === "message" && handler ? stamping(this, handler) : handler, ...rest);
    };
    const unwrapSockets = () => {
      Object.defineProperty(proto, "onmessage", realOnMessage);
      proto.addEventListener = realAdd;
    };
    const live = await openLive({ ...cfg, listId: cfg.a.listId });
    const rep = await openReplica({ ...cfg, listId: cfg.b.listId, broadcaster: cfg.replicaBroadcaster });
    // The same LiveList without the X-ClientService-ClientTag header (across origins it
    // would cost a CORS preflight per item read; here SharePoint is on the page's origin).
    // "bare": GetChanges alone, then the item read (as before the read-ahead).
    const bare = await openLive({ ...cfg, listId: cfg.c.listId }, { readAhead: false });
    unwrapSockets();
    if (frames.length !== 2) throw new Error(`expected 2 sockets (sp-live's shared one, the replica's), saw ${frames.length}`);
    const socketOf = { live: frames[0], bare: frames[0], replica: frames[1] };
    this.open.push(live, rep, bare);
    const waiters = new Map();
    const fire = (title, t) => {
      const w = waiters.get(title);
      if (w) {
        waiters.delete(title);
        w(t);
      }
    };
    live.onChanges = (ev, t) => titles(ev.updated).concat(titles(ev.added)).forEach((x) => fire(x, t));
    bare.onChanges = live.onChanges;
    rep.onMessage = (data, t) => titles(data.UpdatedItems).concat(titles(data.AddedItems)).forEach((x) => fire(x, t));
    const names = ["live", "replica", "bare"];
    const each = (f) => Object.fromEntries(names.map((n) => [n, f()]));
    const out = { ...each(() => []), missed: each(() => 0), toRequest: each(() => []), stages: each(() => []) };
    // Both clients call the global fetch: note when each SharePoint request starts, to split
    // the latency into "hint -> first REST request" and the rest.
    const realFetch = window.fetch;
    let calls = [];
    let trace = []; // [start, response] of each SharePoint request of this iteration
    window.fetch = function (url, init) {
      const api = String(url).includes("/_api/");
      if (api) calls.push(performance.now());
      const p = realFetch.call(this, url, init);
      if (api) {
        const entry = [performance.now(), null];
        trace.push(entry);
        p.then(() => (entry[1] = performance.now()), () => {});
      }
      return p;
    };
    const sides = [["live", cfg.a], ["replica", cfg.b], ["bare", cfg.c]];
    for (let i = 0; i < cfg.warmup + cfg.n; i++) {
      const order = sides.map((_, k) => sides[(i + k) % sides.length]); // rotate who goes first
      for (const [name, side] of order) {
        const id = side.ids[i % side.ids.length];
        const title = `lat-${name}-${i}`;
        const r = await fetch(`${cfg.sim}/_admin/lists/${side.listId}/items/${id}`, {
          method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ Title: title }),
        });
        if (!r.ok) throw new Error(`admin PATCH: HTTP ${r.status}`);
        const seen = new Promise((resolve) => {
          waiters.set(title, resolve);
          setTimeout(() => resolve(null), 5000);
        });
        calls = [];
        trace = [];
        for (const f of frames) f.length = 0;
        const t0 = performance.now();
        // text/plain: a simple request, no CORS preflight in front of the measured POST.
        const posted = fetch(name === "replica" ? cfg.replicaWebhook : cfg.webhook, { method: "POST", headers: { "Content-Type": "text/plain" }, body: hintBody(side.listId) });
        const t1 = await seen;
        const resp = await posted;
        if (resp.status !== 202) throw new Error(`webhook POST: HTTP ${resp.status}`);
        if (i < cfg.warmup) continue;
        if (t1 === null) out.missed[name] += 1;
        else {
          out[name].push(t1 - t0);
          if (calls.length) out.toRequest[name].push(calls[0] - t0);
          // The usual round split into its stages: GetChanges then one item read (six
          // stages), or one request that brings both (four: the middle two are null).
          const frame = socketOf[name].find((t) => t >= t0);
          const done = trace.length > 0 && trace[trace.length - 1][1] !== null;
          if (frame !== undefined && done && trace.length === 2) {
            const [[s1, r1], [s2, r2]] = trace;
            out.stages[name].push([frame - t0, s1 - frame, r1 - s1, s2 - r1, r2 - s2, t1 - r2]);
          } else if (frame !== undefined && done && trace.length === 1) {
            const [[s1, r1]] = trace;
            out.stages[name].push([frame - t0, s1 - frame, r1 - s1, null, null, t1 - r1]);
          }
        }
      }
    }
    window.fetch = realFetch;
    out.liveStats = live.list.stats();
    out.replicaRequests = rep.comp.requests;
    this.closeAll();
    return out;
  },

  /** 2. Opens L clients of one kind on a list; `seenAll(titles)` tells when all have them. */
  async openMany(cfg, kind, count) {
    // "live-debounced": LiveLists that wait 100 ms of quiet hints before a round.
    const open = () =>
      kind === "live" ? openLive(cfg) : kind === "live-debounced" ? openLive(cfg, { hintDebounceMs: 100 }) : openReplica(cfg);
    for (let i = 0; i < count; i++) this.open.push(await open());
    return this.open.length;
  },

  seenAll(list) {
    return this.open.every((s) => list.every((t) => s.seen.has(t)));
  },

  errors() {
    return this.open.flatMap((s) => s.errors ?? []);
  },

  closeAll() {
    for (const s of this.open) {
      if (s.list) {
        s.sub.unsubscribe();
        s.list.close();
      }
      s.comp?.stop();
    }
    this.open = [];
  },

  /** 3. Opens a LiveList whose requests go through a recording fetch. */
  async applySetup(cfg) {
    const log = [];
    this.apply = { log, recording: false, events: [], ui: null };
    // A caller-supplied fetch owns auth (as SPFx's SPHttpClient does): it adds the digest.
    const digest = (await (await fetch(`${cfg.siteUrl}/_api/contextinfo`, { method: "POST", headers: { Accept: "application/json;odata=nometadata" } })).json()).FormDigestValue;
    const recordingFetch = async (url, init) => {
      const rec = { url, method: init.method, t0: performance.now() };
      const headers = init.method === "GET" ? init.headers : { ...init.headers, "X-RequestDigest": digest };
      const r = await fetch(url, { ...init, headers });
      const text = await r.text();
      rec.t1 = performance.now();
      rec.status = r.status;
      rec.text = text;
      if (this.apply.recording) log.push(rec);
      return { status: r.status, headers: r.headers, text: () => Promise.resolve(text) };
    };
    const t0 = performance.now();
    const live = await openLive(cfg, { fetch: recordingFetch });
    this.open.push(live);
    this.apply.live = live;
    this.apply.ui = live.snapshot.slice();
    live.onChanges = (ev, t) => {
      // What a UI pays on top: apply the index diffs to its own array of rows.
      const u0 = performance.now();
      const ui = this.apply.ui;
      for (const d of ev.diffs) {
        if (d.op === "insert") ui.splice(d.index, 0, d.item);
        else if (d.op === "update") ui[d.index] = d.item;
        else ui.splice(d.index, 1);
      }
      const u1 = performance.now();
      const items = live.list.items();
      const u2 = performance.now();
      const applyMs = live.list.stats().lastApplyMs;
      this.apply.events.push({ t, applyMs, uiMs: u1 - u0, itemsMs: u2 - u1, itemsLength: items.length, changes: ev.added.length + ev.updated.length + ev.deleted.length, diffs: ev.diffs.length });
    };
    return { rows: live.snapshot.length, loadMs: performance.now() - t0 };
  },

  applyArm() {
    this.apply.log.length = 0;
    this.apply.events.length = 0;
    this.apply.before = this.apply.live.list.items();
    this.apply.recording = true;
    return this.apply.before.map((r) => r.ID ?? r.Id);
  },

  applyDone(expected) {
    return this.apply.events.reduce((n, e) => n + e.changes, 0) >= expected;
  },

  /** Measures one round of sp-live, then replays the same bodies through the JS approaches. */
  applyMeasure(reps = 5) {
    const a = this.apply;
    a.recording = false;
    const log = a.log.slice();
    const last = a.events[a.events.length - 1];
    const first = log[0];
    let net = 0;
    let end = -Infinity;
    for (const r of log) {
      // union of the request intervals (the feed has one request in flight at a time)
      const s = Math.max(r.t0, end);
      if (r.t1 > s) net += r.t1 - s;
      end = Math.max(end, r.t1);
    }
    const wall = last.t - first.t0;
    const lastBody = Math.max(...log.map((r) => r.t1));
    const live = {
      requests: log.length,
      requestKinds: log.map((r) => (/GetChanges/.test(r.url) ? "getchanges" : /\/items\?/.test(r.url) ? "items" : /\/\$batch$/.test(r.url) ? "batch" : r.url.split("/_api/")[1]?.slice(0, 30))),
      events: a.events.length,
      wallMs: wall,
      networkMs: net,
      cpuMs: wall - net,
      tailMs: last.t - lastBody,
      uiDiffsMs: a.events.reduce((n, e) => n + e.uiMs, 0),
      // sp-live's own apply step (stats().lastApplyMs): list state, JS rows, diffs
      applyMs: a.events.reduce((n, e) => n + (e.applyMs ?? 0), 0),
      itemsCopyMs: last.itemsMs,
      diffs: a.events.reduce((n, e) => n + e.diffs, 0),
      // per request: [kind, start, body ready, CPU gap before it] in ms from the first request
      timeline: log.map((r, i) => [r.method + " " + (/GetChanges/.test(r.url) ? "GetChanges" : /\/items\?/.test(r.url) ? "items" : r.url.split("/_api/")[1]?.slice(0, 40)), +(r.t0 - first.t0).toFixed(1), +(r.t1 - first.t0).toFixed(1), i ? +(r.t0 - log[i - 1].t1).toFixed(1) : 0, r.text.length]),
      rowsAfter: last.itemsLength,
    };
    // The JS approaches, from the same response bodies to the same rows.
    const before = a.before;
    const parse = () => {
      const changes = [];
      const items = [];
      for (const r of log) {
        if (/GetChanges/.test(r.url)) for (const c of JSON.parse(r.text).value) changes.push(c);
        else if (/\/items\?/.test(r.url)) for (const it of JSON.parse(r.text).value) items.push(it);
        else if (/\/\$batch$/.test(r.url)) for (const body of batchBodies(r.text)) for (const it of JSON.parse(body).value) items.push(it);
      }
      return seedMessage(collapse(changes), items);
    };
    const mapApply = (map, data) => {
      for (const x of data.AddedItems) map.set(x.ID, x);
      for (const x of data.UpdatedItems) map.set(x.ID, x);
      for (const d of data.DeleteItems) map.delete(d.ItemId);
      return Array.from(map.values());
    };
    const parseMs = [];
    const seedMs = [];
    const mapMs = [];
    let data;
    let seedRows;
    let mapRows;
    // The Map apply takes well under the clock's 0.1 ms: time many runs, each on a fresh Map.
    const mapRuns = 100;
    let mapTotal = 0;
    for (let i = 0; i < mapRuns; i++) {
      const map = new Map(before.map((r) => [r.ID, r]));
      const d = data ?? (data = parse());
      const t = performance.now();
      mapApply(map, d);
      mapTotal += performance.now() - t;
    }
    for (let i = 0; i < reps; i++) {
      let t = performance.now();
      data = parse();
      parseMs.push(performance.now() - t);
      const rows = before.slice();
      t = performance.now();
      seedRows = seedApply(rows, data);
      seedMs.push(performance.now() - t);
      const map = new Map(before.map((r) => [r.ID, r])); // the Map UI keeps between rounds
      t = performance.now();
      mapRows = mapApply(map, data);
      mapMs.push(performance.now() - t);
    }
    const ids = (rows) => rows.map((r) => r.ID ?? r.Id).join(",");
    const liveIds = ids(a.live.list.items());
    const agree = ids(seedRows) === liveIds && ids(mapRows) === liveIds && ids(a.ui) === liveIds;
    return {
      live,
      js: { parseMs: median(parseMs), seedApplyMs: median(seedMs), mapApplyMs: mapTotal / mapRuns, mapApplyMedianMs: median(mapMs), changes: data.AddedItems.length + data.UpdatedItems.length + data.DeleteItems.length },
      agree,
    };
  },

  /** 4. Loads N rows with sp-live or the replica; the runner reads the heap over CDP.
   * `live` also returns its checkpoint as JSON text (what a page keeps in
   * `sessionStorage`); `resume` opens from such a text (its `JSON.parse` counted) and
   * reports when its rows were shown as well as when it was live (caught up). */
  async memoryLoad(cfg, kind, checkpointText) {
    const t0 = performance.now();
    if (kind === "live" || kind === "resume") {
      const extra = kind === "resume" ? { resume: JSON.parse(checkpointText) } : {};
      const s = await openLive(cfg, extra);
      const loadMs = performance.now() - t0;
      s.snapshot = true; // keep no extra array of the rows alive
      this.open.push(s);
      const checkpoint = kind === "live" ? JSON.stringify(s.list.checkpoint()) : undefined;
      const stats = s.list.stats();
      return { loadMs, shownMs: s.shownAt - t0, rows: s.list.items().length, wasmBytes: this.wasmMemoryBytes(), checkpoint, requests: stats.requests };
    }
    const s = await openReplica(cfg);
    this.open.push(s);
    return { loadMs: performance.now() - t0, rows: s.comp.rows.length, wasmBytes: this.wasmMemoryBytes() };
  },
};

window.bench = bench;
