// The JavaScript half of src/web, for the two hot paths: wasm calls in once per HTTP
// request (`send`, from http.rs, which answers through one long-lived callback) and
// once per load page or change set (the rest, from rows.rs), instead of crossing into
// JavaScript for every header, row, diff and promise.

const OPS = ["insert", "update", "remove"];

/**
 * Takes the changed items, applies the positional edits to `rows` and returns the
 * `changes` event and the rows after it, `[event, rows]`, or `null` (nothing done) if
 * an item is not where `places` says. The items are the objects `send` parsed from
 * their responses (no second parse), or else come as text. The rows are rebuilt in
 * one pass from slices of the old ones (builtins: far cheaper than a splice per insert
 * or remove, each moving half the array, and than a loop that runs once per change set).
 * @param {unknown[]} rows the list's rows (not changed)
 * @param {string} itemsJson a JSON array: the items that come as text, in order
 * @param {number} addedCount how many items were added (they come first, then the
 *   updated ones)
 * @param {Int32Array} ops triples: op (0 insert, 1 update, 2 remove), index in the rows
 *   being built (every op's index is at or past the one before), item index (-1: none)
 * @param {Float64Array} deleted ids of deleted items
 * @param {string} token the change token after this set
 * @param {Function} done the callback of the requests the items were read by
 * @param {Float64Array} places per item: request (-1: the next text), part, record, id
 */
export function changesEvent(rows, itemsJson, addedCount, ops, deleted, token, done, places) {
  const texts = JSON.parse(itemsJson);
  const bodies = parsedBy.get(done);
  parsedBy.delete(done); // the next change set's come after this one's
  const items = [];
  for (let i = 0, t = 0; i < places.length; i += 4) {
    if (places[i] < 0) {
      items.push(texts[t++]);
      continue;
    }
    // The record at its place, if it is the item (a place in parts split otherwise is not).
    const part = (bodies && bodies.get(places[i]) || [])[places[i + 1]];
    const records = part && (part.value || (part.d && (part.d.results || part.d)));
    const item = records && records[places[i + 2]];
    if (!item || (+item.Id !== places[i + 3] && +item.ID !== places[i + 3])) return null;
    items.push(item);
  }
  const diffs = [];
  const parts = [];
  const updates = [];
  let from = 0; // next old row to keep
  let at = 0; // rows built so far
  for (let i = 0; i < ops.length; i += 3) {
    const op = OPS[ops[i]];
    const index = ops[i + 1];
    if (op === "update") {
      const item = items[ops[i + 2]];
      updates.push(index, item);
      diffs.push({ op, index, item });
      continue;
    }
    if (index > at) {
      parts.push(rows.slice(from, from + index - at));
      from += index - at;
      at = index;
    }
    if (op === "remove") {
      from += 1;
      diffs.push({ op, index });
      continue;
    }
    const item = items[ops[i + 2]];
    parts.push([item]);
    at += 1;
    diffs.push({ op, index, item });
  }
  parts.push(rows.slice(from));
  let next = [];
  for (let i = 0; i < parts.length; i += 8192) next = next.concat(...parts.slice(i, i + 8192));
  for (let i = 0; i < updates.length; i += 2) next[updates[i]] = updates[i + 1];
  const event = {
    type: "changes",
    added: items.slice(0, addedCount),
    updated: items.slice(addedCount),
    deleted: Array.from(deleted),
    diffs,
    token,
  };
  return [event, next];
}

/**
 * A checkpoint's items in ID order, as the JSON texts of `{"value":[...]}` of `size`
 * items each (wasm reads them one at a time, as load pages), or `null` when they are
 * not JSON items (a `null`, a BigInt, a cycle): a throw would unwind through wasm.
 */
export function checkpointPages(items, size) {
  try {
    const id = (item) => item.Id || item.ID;
    const sorted = items.slice().sort((a, b) => id(a) - id(b));
    const pages = [];
    for (let i = 0; i < sorted.length; i += size) pages.push(JSON.stringify({ value: sorted.slice(i, i + size) }));
    return pages;
  } catch (error) {
    return null;
  }
}

/** Parses a JSON array and pushes its elements onto `rows` (one load page). */
export function appendRows(rows, itemsJson) {
  for (const item of JSON.parse(itemsJson)) rows.push(item);
}

/** `order.map((i) => from[i])`: the loaded rows in display order. */
export function pickRows(from, order) {
  const rows = new Array(order.length);
  for (let i = 0; i < order.length; i++) rows[i] = from[order[i]];
  return rows;
}

/**
 * Opens a WebSocket (binary frames as ArrayBuffers) whose events all go to
 * `on(kind, text, bytes)`: 0 opened; 1 a text frame; 2 a binary frame (`bytes`, a
 * Uint8Array); 3 closed, `text` the reason for people ("code" or "code reason").
 * A URL the browser refuses is reported as a close at once, and gives `null`.
 * @param {string} url
 * @param {Function} on
 */
export function openSocket(url, on) {
  let ws;
  try {
    ws = new WebSocket(url);
  } catch (e) {
    on(3, "cannot open " + url + ": " + describe(e));
    return null;
  }
  ws.binaryType = "arraybuffer";
  ws.onopen = () => on(0);
  ws.onmessage = (e) => {
    if (typeof e.data === "string") on(1, e.data);
    else if (e.data instanceof ArrayBuffer) on(2, undefined, new Uint8Array(e.data));
  };
  ws.onclose = (e) => on(3, e.reason ? e.code + " " + e.reason : String(e.code));
  return ws;
}

/** Sends `text`, or `bytes` when `text` is undefined; a failure shows as the close event. */
export function sendFrame(ws, text, bytes) {
  try {
    ws.send(text === undefined ? bytes : text);
  } catch (e) {
    // Not open (yet or any more): the close event tells the connection.
  }
}

/** Detaches the handlers (no event may reach a dropped callback), then closes. */
export function closeSocket(ws) {
  ws.onopen = ws.onmessage = ws.onclose = null;
  try {
    ws.close();
  } catch (e) {
    // Already closed.
  }
}

/**
 * Asks the `auth` option's function for one connection attempt's credentials, as
 * socket.io-client does: `ask(cb)` may call `cb(auth)`, return the auth, or return a
 * Promise of it (one that gives `undefined` leaves the answer to `cb`); the first answer
 * counts. Calls `done(id, 0, undefined, auth, error)` once (`error` for a throw or a
 * rejection), as `send` answers.
 * @param {Function} ask the caller's function
 * @param {number} id the attempt
 * @param {Function} done the connection's callback (throws once the connection is gone)
 */
export function askAuth(ask, id, done) {
  let answered = false;
  const answer = (auth, error) => {
    if (answered) return;
    answered = true;
    try {
      done(id, 0, undefined, auth, error); // the shape of `send`'s answers
    } catch (e) {
      // The connection ended while asking: its answer is not wanted.
    }
  };
  // The executor runs `ask` now; a throw in it rejects.
  new Promise((resolve) => resolve(ask((auth) => answer(auth)))).then(
    (auth) => auth !== undefined && answer(auth),
    (e) => answer(undefined, describe(e)),
  );
}

/** A thrown value as text (wasm copies it as a string: anything else was lost in the glue,
 * and with it the answer): an `Error`'s message, a string, or its JSON. */
function describe(error) {
  if (error instanceof Error) return String(error.message);
  try {
    return typeof error === "string" ? error : JSON.stringify(error) || "unknown error";
  } catch (e) {
    return "unknown error";
  }
}

// Ports: how copies of sp-live on one page share a broadcaster connection (peers.rs).
const PORTS = Symbol.for("sp-live.ports.1");

/**
 * The page's ports: publishes `port` for connection `key` (`publish`), or withdraws
 * it if it is still the one there (a port and not `publish`); returns the port for
 * `key` after that.
 */
export function ports(key, port, publish) {
  let map = globalThis[PORTS];
  if (!(map instanceof Map)) map = globalThis[PORTS] = new Map();
  if (publish) map.set(key, port);
  else if (port && map.get(key) === port) map.delete(key);
  return map.get(key);
}

/** `port(op, a, b)` as a number; NaN if the port throws (its copy is gone). */
export function callPort(port, op, a, b) {
  try {
    return Number(port(op, a, b));
  } catch (e) {
    return NaN;
  }
}

/** The `auth` a copy hands to the connection it joins: its peer names its newest holder's
 * (none, `null`, when none of that copy's open lists has one). */
export function peerAuth(peer) {
  return (cb) => (peer(3) || (() => null))(cb);
}

// Response bodies are copied into wasm memory by the browser's UTF-8 encoder (wasm-bindgen's
// string passing copies them a UTF-16 unit at a time in JavaScript). Every browser that
// runs this wasm has `encodeInto`: it needs reference types, which came later.
const utf8 = new TextEncoder();
let unitsRead = 0;

/**
 * Writes `text` from UTF-16 unit `from` as UTF-8 into `memory` at `ptr`, at most `cap`
 * bytes (whole characters only); returns the bytes written. `encodedUnits()` then tells
 * how far into `text` it got.
 */
export function encodeBody(memory, text, from, ptr, cap) {
  const r = utf8.encodeInto(from ? text.slice(from) : text, new Uint8Array(memory.buffer, ptr, cap));
  unitsRead = from + r.read;
  return r.written;
}

/** The UTF-16 units of the text `encodeBody` has written so far. */
export function encodedUnits() {
  return unitsRead;
}

/**
 * Performs one request: resolves the bearer token, calls `fetch(url, init)` (the
 * caller's function, or the page's `fetch` at call time), reads the body as text, then
 * calls `done(id, status, retryAfter, body, error)` once (`error` is a message for a
 * network-level failure, else undefined). Without a token provider, `fetch` is called
 * before this returns.
 * @param {Function} done the feed's response callback (throws once the feed is gone)
 * @param {number} id the request id
 * @param {Function | undefined} fetchFn a `fetch`-compatible function, or undefined
 * @param {string | Function | undefined} token a bearer token, or a function returning
 *   one or a Promise of one
 * @param {string} url
 * @param {string} method
 * @param {string} headers name and value pairs, each part ended by "\n"
 * @param {string | undefined} body
 * @param {number} itemsFrom the first part of the response that carries items
 * @param {number} itemsTo the part after the last one
 */
export function send(done, id, fetchFn, token, url, method, headers, body, itemsFrom, itemsTo) {
  const init = { method, headers: {} };
  const parts = headers.split("\n");
  for (let i = 0; i + 1 < parts.length; i += 2) init.headers[parts[i]] = parts[i + 1];
  if (body !== undefined) init.body = body;
  const start = (value) => {
    if (value !== undefined) {
      if (typeof value !== "string") throw new Error("the accessToken provider did not return a string");
      init.headers.Authorization = "Bearer " + value;
    }
    return fetchFn ? fetchFn(url, init) : fetch(url, init);
  };
  const finish = (status, retryAfter, text, error) => {
    try {
      done(id, status, retryAfter, text, error);
    } catch (e) {
      // The feed shut down while this request was out: its answer is not wanted.
    }
  };
  // The executor runs now (and a throw in it rejects): no provider, no waiting.
  // No `?.` or `??` here: webpack 4 (SPFx <= 1.21) cannot parse them.
  new Promise((resolve) => resolve(typeof token === "function" ? Promise.resolve(token()).then(start) : start(token)))
    .then((r) => {
      if (!r || typeof r.text !== "function") throw new Error("the response has no text() method");
      const h = r.headers;
      // As text: wasm copies it as a string (a number, from a mock's or a `Map`'s `get`,
      // trapped it in the glue, and the response was lost).
      let retryAfter = h && typeof h.get === "function" ? h.get("Retry-After") : null;
      if (retryAfter != null) retryAfter = String(retryAfter);
      return Promise.resolve(r.text()).then((text) => {
        const status = Number(r.status) || 0;
        if (typeof text !== "string") text = "";
        if (status >= 200 && status < 300 && itemsFrom < itemsTo) keepParts(done, id, text, itemsFrom, itemsTo);
        finish(status, retryAfter, text);
      });
    })
    .then(undefined, (e) => finish(0, null, "", describe(e)));
}

// The item parts of responses parsed as they came, by request id, under the callback of
// their requests, until the next change set takes them: wasm hands on these objects of the
// items it delivers (`changesEvent`) instead of their texts, which would be parsed again.
const parsedBy = new WeakMap();

/** Lets go of the parts kept for `done`'s requests (the feed is between rounds). */
export function dropParts(done) {
  parsedBy.delete(done);
}

/**
 * Parses parts `from` to `to` (exclusive) of the response to request `id` (a response
 * that is not a `$batch` is part 0; a part that does not parse is left out) and keeps
 * them (the last 16 responses). A `$batch` part's body is its first line that starts
 * a JSON object or array (after MIME headers, the HTTP status line and headers).
 */
function keepParts(done, id, text, from, to) {
  const delimiter = new RegExp("^\\s*(--\\S+)").exec(text);
  const bodies = delimiter ? text.split(delimiter[1]) : ["", text];
  const parts = [];
  for (let i = from; i < to; i++) {
    const body = bodies[i + 1] || "";
    try {
      parts[i] = JSON.parse(delimiter ? body.slice(body.search(new RegExp("^[[{]", "m"))) : body);
    } catch (e) {
      // Not JSON: its items go as text.
    }
  }
  let kept = parsedBy.get(done);
  if (!kept) parsedBy.set(done, (kept = new Map()));
  if (kept.size >= 16) kept.delete(kept.keys().next().value);
  kept.set(id, parts);
}

/**
 * Calls `wake(1)` whenever the browser is back online or the machine has slept (its network
 * link may have died meanwhile), and `wake(0)` whenever the page is visible again
 * otherwise; returns what stops it. Where there is no `document` (a worker), only `online`
 * and sleeps are heard.
 * @param {(kind: number) => void} wake
 */
export function watchWake(wake) {
  const scope = globalThis;
  const doc = scope.document;
  const heard = (target) => target && typeof target.addEventListener === "function";
  const offline = () => scope.navigator && scope.navigator.onLine === false; // `online` follows
  // The wall clock runs on while the machine sleeps; `performance.now()` does not (but on
  // Windows), so the gap between them jumps by the time asleep. It is looked at every 10 s
  // (timers stop during a sleep: the first one after it sees the jump) and whenever the
  // page is hidden or shown.
  const gap = () => Date.now() - performance.now();
  let last = gap();
  const slept = () => {
    const now = gap();
    const jumped = now - last > 5000;
    last = now;
    return jumped;
  };
  const check = () => slept() && !offline() && wake(1);
  const online = () => wake(1);
  const visible = () => {
    if (doc.visibilityState !== "visible") check();
    else if (!offline()) wake(slept() ? 1 : 0);
  };
  const listen = (method) => {
    if (heard(scope)) scope[method]("online", online);
    if (heard(doc)) doc[method]("visibilitychange", visible);
  };
  listen("addEventListener");
  const timer = setInterval(check, 10000);
  return () => {
    clearInterval(timer);
    listen("removeEventListener");
  };
}
