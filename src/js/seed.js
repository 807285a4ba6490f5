// sp-live/seed: a drop-in facade for web parts written against the seed's
// `RxJsEventEmitter` (rx-lite Subjects per event name) and its socket library,
// which emitted `"listChanges"` with a JSON string of
//   {AddedItems: [...], UpdatedItems: [...], DeleteItems: [{ItemId}], ErrorMsg: ""}.
// A seed web part ports by changing its imports:
//   import { RxJsEventEmitter, SocketListChanges } from "sp-live/seed";
// Plain ES module (ES2019 syntax: webpack 4, SPFx 1.18 and older, parses it); types
// in seed.d.ts. See the package README, "Porting a seed web part".

import init, { LiveList } from "./sp_live.js";

const BRAND = Symbol.for("sp-live.seed.RxJsEventEmitter");
// The seed kept its singleton on `window.RxJsEventEmitter` so every web part bundle
// on the page shares one bus; so do we.
const SLOT = "RxJsEventEmitter";
// Where ours lives when a seed emitter already holds SLOT (see getInstance).
const OWN_SLOT = Symbol.for("sp-live.seed.emitter");

function report(error) {
  if (typeof globalThis.reportError === "function") globalThis.reportError(error);
  else console.error("sp-live/seed: a listener threw", error);
}

/**
 * The seed's page-wide event emitter, without rx-lite: `getInstance()`, `on`,
 * `emit`, `off`, `dispose`. Differences from the seed (all compatible):
 * `on` returns an unsubscribe function; `off(name, handler)` removes one handler
 * (`off(name)` removes all, as in the seed); a throwing handler is reported
 * (`reportError`) and does not stop the others; a handler removed during an emit
 * is not called any more.
 */
export class RxJsEventEmitter {
  constructor() {
    /** @type {Map<string, Set<{ handler: Function }>>} */
    this._handlers = new Map();
    this[BRAND] = true;
  }

  /**
   * The page's emitter. The first call on a page stores it on
   * `window.RxJsEventEmitter` (as the seed did). If an unported seed web part got
   * there first, the returned emitter delegates to the seed's instance, so old and
   * ported web parts still share one bus.
   */
  static getInstance() {
    const g = globalThis;
    const existing = g[SLOT];
    if (existing && existing[BRAND]) return existing;
    if (existing && typeof existing.on === "function" && typeof existing.emit === "function") {
      if (!g[OWN_SLOT]) g[OWN_SLOT] = new DelegatingEmitter(existing);
      return g[OWN_SLOT];
    }
    const own = new RxJsEventEmitter();
    g[SLOT] = own;
    return own;
  }

  /** Calls `handler(data)` on every `emit(name, data)`; returns a function that removes it. */
  on(name, handler) {
    if (typeof handler !== "function") throw new TypeError("RxJsEventEmitter.on: handler must be a function");
    const key = String(name);
    let set = this._handlers.get(key);
    if (!set) this._handlers.set(key, (set = new Set()));
    const entry = { handler };
    set.add(entry);
    return () => {
      set.delete(entry);
      if (set.size === 0 && this._handlers.get(key) === set) this._handlers.delete(key);
    };
  }

  /** Calls every handler of `name` with `data`, synchronously, in subscription order. */
  emit(name, data) {
    const set = this._handlers.get(String(name));
    if (!set) return;
    for (const entry of [...set]) {
      if (!set.has(entry)) continue; // removed by an earlier handler of this emit
      try {
        entry.handler(data);
      } catch (error) {
        report(error);
      }
    }
  }

  /** Removes `handler` from `name`, or every handler of `name` without one (as the seed). */
  off(name, handler) {
    const key = String(name);
    const set = this._handlers.get(key);
    if (!set) return;
    if (handler === undefined) {
      set.clear(); // an emit under way skips them too
      this._handlers.delete(key);
      return;
    }
    for (const entry of set) if (entry.handler === handler) set.delete(entry);
    if (set.size === 0) this._handlers.delete(key);
  }

  /** Removes every handler of every event (the seed's `dispose`). */
  dispose() {
    for (const set of this._handlers.values()) set.clear(); // an emit under way skips them too
    this._handlers.clear();
  }
}

/** Ours on top of a seed emitter already on the page (see getInstance): our handlers
 * are kept as in RxJsEventEmitter, and each event name has one relay on the seed's bus
 * (its `on` cannot remove a handler, so one relay per `on` would pile up). The seed's
 * `off(name)` and `dispose()` drop every handler of the bus, ours too: they are wrapped
 * so that our relays come back at once for the handlers we still have. */
class DelegatingEmitter extends RxJsEventEmitter {
  constructor(seed) {
    super();
    this._seed = seed;
    this._relayed = new Set();
    /** The emits under way through us, innermost last: whether our relay heard each. */
    this._emits = [];
    for (const method of ["off", "dispose"]) {
      const original = seed[method];
      if (typeof original !== "function") continue;
      seed[method] = (...args) => {
        const result = original.apply(seed, args);
        const names = method === "off" ? [String(args[0])] : [...this._relayed];
        for (const name of names) {
          this._relayed.delete(name);
          if (this._handlers.has(name)) this._relay(name);
        }
        return result;
      };
    }
  }

  on(name, handler) {
    const off = super.on(name, handler);
    const key = String(name);
    if (!this._relayed.has(key)) this._relay(key);
    return off;
  }

  /** Puts our relay for `name` on the seed's bus. */
  _relay(name) {
    this._relayed.add(name);
    this._seed.on(name, (data) => {
      const emit = this._emits[this._emits.length - 1];
      if (emit && emit.name === name) emit.heard = true;
      RxJsEventEmitter.prototype.emit.call(this, name, data);
    });
  }

  /** Emits on the seed's bus. A seed handler that throws (rx-lite rethrows, which stops
   * the handlers after it, our relay among them) is reported, as ours are, and our
   * handlers still get the event. */
  emit(name, data) {
    const emit = { name: String(name), heard: false };
    this._emits.push(emit);
    try {
      this._seed.emit(emit.name, data);
    } catch (error) {
      report(error);
    } finally {
      this._emits.pop();
    }
    if (!emit.heard) RxJsEventEmitter.prototype.emit.call(this, emit.name, data);
  }
}

const FACADE_KEYS = new Set(["emitter", "eventName", "reset", "emitSnapshot", "wasm"]);

/** `{AddedItems, UpdatedItems, DeleteItems, ErrorMsg}` as the seed's JSON string. */
function payload(added, updated, deleted, errorMsg) {
  return JSON.stringify({
    AddedItems: added,
    UpdatedItems: updated,
    DeleteItems: deleted.map((id) => ({ ItemId: id })),
    ErrorMsg: errorMsg,
  });
}

/** The codes of the `error` events that emit no ErrorMsg (see `_onEvent`). */
const SILENT = /^(protocol-|sp-throttled$|sp-token-expired$|sp-token-invalid$)/;

const idOf = (item) => (typeof item.Id === "number" ? item.Id : item.ID);

/**
 * The seed's socket library on top of a `LiveList`: connects to the broadcaster,
 * keeps the list in sync and emits `"listChanges"` (JSON strings in the seed's
 * shape) on the page's `RxJsEventEmitter`.
 *
 *   const socket = await new SocketListChanges({ broadcaster, siteUrl, listId, select }).start();
 *   ...
 *   socket.stop();
 */
export class SocketListChanges {
  constructor(options) {
    if (!options || typeof options !== "object") throw new TypeError("SocketListChanges: options are required");
    const reset = options.reset == null ? "diff" : options.reset;
    if (reset !== "diff" && reset !== "all" && reset !== "ignore") {
      throw new TypeError('SocketListChanges: `reset` must be "diff", "all" or "ignore"');
    }
    this._options = options;
    this._reset = reset;
    this._eventName = options.eventName == null ? "listChanges" : options.eventName;
    this._emitter = options.emitter == null ? RxJsEventEmitter.getInstance() : options.emitter;
    if (typeof this._emitter.emit !== "function") {
      throw new TypeError("SocketListChanges: `emitter` must be an emitter with `emit` (e.g. RxJsEventEmitter.getInstance())");
    }
    this._list = null;
    this._subscription = null;
    this._starting = null;
    this._stopped = false;
    /** Id -> JSON of the row as last delivered (to turn a reset into a diff). */
    this._known = new Map();
    /** Payloads held until the task after start() resolved (see _start), else null. */
    this._held = null;
  }

  /** The underlying `LiveList` once started (for `items()`, `status`, `stats()`), else null. */
  get list() {
    return this._list;
  }

  /**
   * Initialises the wasm module if needed, opens the list and starts emitting.
   * Resolves to `this` (idempotent). Rejects if the options are invalid (code
   * `invalid-options`) or the wasm fails to load (code `init`), after emitting a payload
   * whose `ErrorMsg` is the message; `start()` may then be called again.
   */
  start() {
    if (this._stopped) return Promise.reject(closedError());
    if (!this._starting) this._starting = this._start();
    return this._starting;
  }

  async _start() {
    const listOptions = {};
    for (const [key, value] of Object.entries(this._options)) {
      if (!FACADE_KEYS.has(key)) listOptions[key] = value;
    }
    let list;
    try {
      await init(this._options.wasm == null ? undefined : { module_or_path: this._options.wasm }).catch((e) => {
        throw initError(e);
      });
      if (this._stopped) throw closedError(); // stopped while the wasm loaded: open nothing
      list = await LiveList.open(listOptions);
    } catch (error) {
      if (!this._stopped) this._starting = null; // start() may try again (a wasm that failed to load)
      this._emitError(error);
      throw error;
    }
    if (this._stopped) {
      list.close();
      throw closedError();
    }
    this._list = list;
    // The list's first events (its snapshot, at once when another web part has loaded
    // it) come in microtasks, before the caller goes on after `await start()`: their
    // payloads wait for the next task, so that a handler registered then (by the render
    // that follows onInit, say) hears them.
    this._held = [];
    this._subscription = list.subscribe((event) => this._onEvent(event));
    setTimeout(() => {
      const held = this._held || [];
      this._held = null;
      for (const json of held) this._emit(json);
    }, 0);
    return this;
  }

  /** Stops emitting and closes the list (the shared socket closes with its last user). Idempotent. */
  stop() {
    this._stopped = true;
    if (this._subscription) this._subscription.unsubscribe();
    this._subscription = null;
    if (this._list) this._list.close();
    this._list = null;
    this._known.clear();
    this._held = null;
  }

  _emit(json) {
    if (this._stopped) return;
    if (this._held) {
      this._held.push(json);
      return;
    }
    try {
      this._emitter.emit(this._eventName, json);
    } catch (error) {
      report(error); // a seed emitter's handler (rx-lite rethrows): not this instance's failure
    }
  }

  _emitError(error) {
    const message = error && typeof error.message === "string" ? error.message : String(error);
    this._emit(payload([], [], [], message || "error"));
  }

  _remember(items) {
    for (const item of items) this._known.set(idOf(item), JSON.stringify(item));
  }

  _onEvent(event) {
    switch (event.type) {
      case "snapshot":
        this._known.clear();
        this._remember(event.items);
        // Also with no rows: a web part waiting for it can tell an empty list from a loading one.
        if (this._options.emitSnapshot) this._emit(payload(event.items, [], [], ""));
        break;
      case "changes":
        this._remember(event.added);
        this._remember(event.updated);
        for (const id of event.deleted) this._known.delete(id);
        if (event.added.length + event.updated.length + event.deleted.length > 0) {
          this._emit(payload(event.added, event.updated, event.deleted, ""));
        }
        break;
      case "reset":
        this._onReset(event.items);
        break;
      case "error":
        // SharePoint's failures, as the seed's ErrorMsg. Not the broadcaster link's (the
        // seed's socket.io-client reconnected without a word, and so does this), nor
        // those sp-live handles as SharePoint asks with no change missing: throttling
        // (it waits and sends again) and a change token expired or refused (it reloads:
        // the `reset` payload follows). A seed web part shows an ErrorMsg until it is
        // disposed (no payload clears it), which the list would belie.
        if (!SILENT.test(String(event.error && event.error.code))) this._emitError(event.error);
        break;
      default:
        break; // status, progress: the seed had no such events
    }
  }

  /** A full reload: tell the seed's subscribers what changed since the rows they have. */
  _onReset(items) {
    const before = this._known;
    this._known = new Map();
    this._remember(items);
    if (this._reset === "ignore") return;
    if (this._reset === "all") {
      this._emit(payload(items, [], [], ""));
      return;
    }
    const added = [];
    const updated = [];
    for (const item of items) {
      const id = idOf(item);
      const old = before.get(id);
      if (old === undefined) added.push(item);
      else if (old !== this._known.get(id)) updated.push(item);
    }
    const deleted = [...before.keys()].filter((id) => !this._known.has(id));
    if (added.length + updated.length + deleted.length > 0) this._emit(payload(added, updated, deleted, ""));
  }
}

/** A failure to load the wasm, as an `Error` with code `init`. */
function initError(cause) {
  const message = (cause && cause.message) || String(cause);
  return Object.assign(new Error(`sp-live: init() failed: ${message}`), { code: "init", cause });
}

function closedError() {
  const error = new Error("this SocketListChanges was stopped");
  error.code = "closed";
  return error;
}

/**
 * Parses a `"listChanges"` payload (the seed's subscribers call `JSON.parse`
 * themselves; this is the typed equivalent).
 */
export function parseListChanges(data) {
  const parsed = JSON.parse(data);
  const value = parsed !== null && typeof parsed === "object" ? parsed : {};
  return {
    AddedItems: Array.isArray(value.AddedItems) ? value.AddedItems : [],
    UpdatedItems: Array.isArray(value.UpdatedItems) ? value.UpdatedItems : [],
    DeleteItems: Array.isArray(value.DeleteItems) ? value.DeleteItems : [],
    ErrorMsg: typeof value.ErrorMsg === "string" ? value.ErrorMsg : "",
  };
}
