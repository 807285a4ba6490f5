// sp-live/checkpoint: keeping a LiveList's checkpoint across page loads, in
// `sessionStorage` (the default: it ends with the tab; up to 2 million characters of the
// origin's ~5 million, which SharePoint's pages share) or in IndexedDB (for
// lists too big for that: hundreds of MB; it outlives the tab, so records expire after
// `maxAgeMs`). JavaScript only, no wasm: usable before `init()`.
//
//   const resume = await readCheckpoint(key);                  // null: load the list
//   const list = await LiveList.open({ ...options, resume });
//   const stop = keepCheckpoint(key, list);                    // saves whenever the page is hidden
//   ... stop();                                                // saves once more (e.g. in onDispose)
//
// ES2019 syntax: webpack 4 (SPFx 1.18 and older) parses it. Nothing runs at import.

/** A day: how long a kept checkpoint is used by default. */
const DAY_MS = 24 * 60 * 60 * 1000;
/** The most characters a checkpoint may take in `sessionStorage` (about 10,000 rows of
 * five short fields): the page's own code, SharePoint's included, shares its ~5 million. */
const SESSION_MAX_CHARS = 2000000;
const DB_NAME = "sp-live";
const DB_STORE = "checkpoints";

const storageOf = (options) => (options && options.storage) || "sessionStorage";
const maxAgeOf = (options) => (options && options.maxAgeMs != null ? options.maxAgeMs : DAY_MS);

/** Refuses a `key` that is not a non-empty string (sessionStorage kept `undefined` under
 * "undefined", shared by every such caller), and options that are not a store's: an
 * unknown `storage`, or a `maxAgeMs` that is not a number (a string from a settings form
 * was taken as a day; NaN read every checkpoint as too old, and deleted IndexedDB's). */
function checkArgs(key, options) {
  if (typeof key !== "string" || key === "") {
    throw new TypeError(`sp-live/checkpoint: the key must be a non-empty string, not ${key === "" ? "an empty one" : typeof key}`);
  }
  const storage = storageOf(options);
  if (storage !== "sessionStorage" && storage !== "indexedDB") {
    throw new TypeError(`sp-live/checkpoint: storage must be "sessionStorage" or "indexedDB", not ${JSON.stringify(storage)}`);
  }
  const maxAgeMs = maxAgeOf(options);
  if (typeof maxAgeMs !== "number" || Number.isNaN(maxAgeMs)) {
    const given = typeof maxAgeMs === "number" ? String(maxAgeMs) : JSON.stringify(maxAgeMs);
    throw new TypeError(`sp-live/checkpoint: maxAgeMs (useLiveList's storageMaxAgeMs) must be a number of milliseconds, not ${given}`);
  }
}

/** Whether `value` has a checkpoint's shape: `LiveList.open` refuses anything else,
 * and ignores (loads the list) a checkpoint of other options or another format. */
const isCheckpoint = (value) =>
  value !== null &&
  typeof value === "object" &&
  typeof value.version === "number" &&
  typeof value.key === "string" &&
  typeof value.token === "string" &&
  Array.isArray(value.items);

/** JSON.parse, or `null` for a text that is none. */
function parse(text) {
  try {
    return typeof text === "string" ? JSON.parse(text) : null;
  } catch (error) {
    return null;
  }
}

// An unchanged checkpoint kept again (keepCheckpoint at the next page hide) is not
// rewritten (megabytes): a small record beside it, `{ savedAt, key, token }`, says it was
// still current then. Its key: the record's with "\u0000savedAt" (sessionStorage), or
// `[key, "savedAt"]` (IndexedDB: an array key, never one of the caller's strings).
const touchKeyOf = (key, storage) => (storage === "sessionStorage" ? `${key}\u0000savedAt` : [key, "savedAt"]);

/**
 * The checkpoint in a stored record's text (`{ savedAt, checkpoint }`; a bare checkpoint,
 * as sp-live 0.1's React hook kept, counts as fresh), or `null` when it is unreadable
 * or older than `maxAgeMs`: its age is from the later of its `savedAt` and the `savedAt`
 * of the `touched` text if that names the same checkpoint (feed key and token).
 */
function fromRecord(text, maxAgeMs, now, touched) {
  const record = parse(text);
  if (isCheckpoint(record)) return record;
  if (!record || typeof record.savedAt !== "number" || !isCheckpoint(record.checkpoint)) return null;
  const touch = parse(touched);
  const { key, token } = record.checkpoint;
  const same = touch && typeof touch.savedAt === "number" && touch.key === key && touch.token === token;
  const savedAt = same ? Math.max(record.savedAt, touch.savedAt) : record.savedAt;
  return now - savedAt <= maxAgeMs ? record.checkpoint : null;
}

// ---------- IndexedDB: one store of `key -> record text`, a connection per operation ----------
// (keepCheckpoint holds one open, so that a write when the page goes away starts at once)

/** How long an IndexedDB open may take before it is given up on (some browsers' first
 * open never answers): the list then loads without its checkpoint. */
const OPEN_TIMEOUT_MS = 2000;

function openDb() {
  return new Promise((resolve, reject) => {
    let givenUp = false;
    const giveUp = (error) => {
      givenUp = true;
      reject(error);
    };
    const request = globalThis.indexedDB.open(DB_NAME, 1);
    const timer = setTimeout(() => giveUp(new Error("sp-live/checkpoint: IndexedDB did not open")), OPEN_TIMEOUT_MS);
    request.onupgradeneeded = () => request.result.createObjectStore(DB_STORE);
    request.onsuccess = () => {
      clearTimeout(timer);
      const db = request.result;
      if (givenUp) return db.close();
      db.onversionchange = () => db.close(); // a newer version elsewhere: let it upgrade
      resolve(db);
    };
    request.onerror = () => (clearTimeout(timer), reject(request.error));
    request.onblocked = () => (clearTimeout(timer), giveUp(new Error("sp-live/checkpoint: IndexedDB is blocked by another tab")));
  });
}

/** Runs `work(store)` in one transaction of the open `db`, started now; resolves with
 * what its last request gave. */
function inTransaction(db, mode, work) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(DB_STORE, mode);
    const request = work(tx.objectStore(DB_STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("sp-live/checkpoint: transaction aborted"));
  });
}

/** Runs `work(store)` in one transaction on a connection of its own. */
async function inDb(mode, work) {
  const db = await openDb();
  try {
    return await inTransaction(db, mode, work);
  } finally {
    db.close();
  }
}

// ---------- the API ----------

/**
 * The checkpoint kept under `key`, or `null`: none, older than `maxAgeMs` (default a
 * day; an expired one is deleted), unreadable, or the storage is off (private modes,
 * sandboxed frames). Rejects only for bad arguments (a `TypeError`: a key that is not a
 * non-empty string, an unknown `storage`, a `maxAgeMs` that is not a number): a missing
 * checkpoint only means a full load.
 */
export async function readCheckpoint(key, options) {
  const storage = storageOf(options);
  checkArgs(key, options);
  const maxAgeMs = maxAgeOf(options);
  try {
    if (storage === "sessionStorage") {
      const { sessionStorage } = globalThis;
      const text = sessionStorage.getItem(key);
      return text === null ? null : fromRecord(text, maxAgeMs, Date.now(), sessionStorage.getItem(touchKeyOf(key, storage)));
    }
    const [text, touched] = await inDb("readonly", (store) => {
      const [record, touch] = [store.get(key), store.get(touchKeyOf(key, storage))];
      return { get result() { return [record.result, touch.result]; } };
    });
    if (typeof text !== "string") return null;
    const checkpoint = fromRecord(text, maxAgeMs, Date.now(), touched);
    if (checkpoint === null) await remove(key, storage);
    return checkpoint;
  } catch (error) {
    return null;
  }
}

/**
 * Keeps `list.checkpoint()` (or a checkpoint given as it is) under `key`. Resolves
 * `true` when stored, `false` when there was nothing to keep (a closed list, one not
 * loaded yet: what is stored stays) or the storage refused it (quota, storage off; in
 * `sessionStorage`, more than 2,000,000 characters: the page shares its ~5 million).
 * With `sessionStorage` it is stored before this returns, so a `pagehide` handler may
 * call it. Bad arguments (a key that is not a non-empty string, an unknown `storage`, a
 * `maxAgeMs` that is not a number) reject with a `TypeError`.
 */
export function writeCheckpoint(key, list, options) {
  return write(key, list, options, null);
}

/** writeCheckpoint, with IndexedDB's transaction started at once on `db` if it is open. */
function write(key, list, options, db) {
  const storage = storageOf(options);
  let text;
  try {
    checkArgs(key, options);
  } catch (error) {
    return Promise.reject(error);
  }
  try {
    const checkpoint = isCheckpoint(list) ? list : list.checkpoint();
    if (!isCheckpoint(checkpoint)) return Promise.resolve(false);
    text = JSON.stringify({ savedAt: Date.now(), checkpoint });
    if (storage === "sessionStorage") {
      if (text.length > SESSION_MAX_CHARS) return Promise.resolve(false);
      globalThis.sessionStorage.setItem(key, text);
      return Promise.resolve(true);
    }
  } catch (error) {
    return Promise.resolve(false); // over the quota, or storage off: the next page loads the list
  }
  const put = (store) => store.put(text, key);
  // The held connection may have closed (another tab's newer version): then a fresh one.
  const stored = db ? inTransaction(db, "readwrite", put).catch(() => inDb("readwrite", put)) : inDb("readwrite", put);
  return stored.then(
    () => true,
    () => false,
  );
}

/** The `keepCheckpoint`s running on the page, by storage and key: each one's `end()`. One
 * map for every copy of this module on the page (each web part's bundle has its own), so
 * that `deleteCheckpoint` in one ends the keepers of all: its shape (`${storage}\0${key}`
 * -> a Set of functions without arguments) is shared with the copies of other versions. */
const KEEPERS = Symbol.for("sp-live/checkpoint keepers 1");
function keepersOnPage() {
  if (!globalThis[KEEPERS]) Object.defineProperty(globalThis, KEEPERS, { value: new Map() });
  return globalThis[KEEPERS];
}
const keeperKey = (key, storage) => `${storage}\u0000${key}`;

/** Deletes the record under `key` and the note of its age. */
async function remove(key, storage) {
  try {
    if (storage === "sessionStorage") {
      globalThis.sessionStorage.removeItem(key);
      globalThis.sessionStorage.removeItem(touchKeyOf(key, storage));
    } else {
      await inDb("readwrite", (store) => (store.delete(touchKeyOf(key, storage)), store.delete(key)));
    }
  } catch (error) {
    // storage off: nothing kept
  }
}

/** Deletes what is kept under `key` (e.g. when the user signs out), and ends this
 * page's `keepCheckpoint`s of that key and storage (also those of another copy of
 * sp-live/checkpoint, e.g. another web part's bundle): they write no more (their `stop()`
 * then resolves `false`), so that a page hidden after a sign-out does not keep the list
 * again. Rejects only for bad arguments (a `TypeError`: a key that is not a non-empty
 * string, an unknown `storage`, a `maxAgeMs` that is not a number). */
export async function deleteCheckpoint(key, options) {
  const storage = storageOf(options);
  checkArgs(key, options);
  const ending = keepersOnPage().get(keeperKey(key, storage));
  if (ending) for (const end of [...ending]) end();
  await remove(key, storage);
}

/**
 * Keeps `list`'s checkpoint under `key` whenever the page is hidden (`visibilitychange`
 * to hidden, `pagehide`: a reload, a tab closed or switched, a navigation away; a
 * SharePoint page does not dispose its web parts then) and skips the write when nothing
 * changed since the last one (same change token): then, if the list is live, only a small
 * note that it was still current is written (in IndexedDB, the whole checkpoint again if
 * its record is gone: another tab found it expired), so that a quiet list's checkpoint does not grow older than
 * `maxAgeMs` while the page keeps it. `deleteCheckpoint` of the key ends it. Returns
 * `stop`, which removes the
 * listeners and keeps the checkpoint once more (call it before `list.close()`, e.g. in
 * `onDispose`); its promise resolves `true` when the list's current checkpoint is kept
 * (now or by an earlier write), `false` when there is none or the storage refused it.
 * Bad arguments (a key that is not a non-empty string, an unknown `storage`, a `maxAgeMs`
 * that is not a number) throw a `TypeError`.
 * Where there is no page to hide (Node, React Native), only `stop` keeps it.
 */
export function keepCheckpoint(key, list, options) {
  const storage = storageOf(options);
  checkArgs(key, options);
  const nothing = Promise.resolve(false);
  // IndexedDB: a connection opened now, so that a write when the page goes away starts
  // its transaction at once (an unloading page runs no later task to open one).
  let db = null;
  let stopped = null;
  if (storage === "indexedDB") {
    openDb().then(
      (opened) => {
        if (stopped) opened.close();
        else db = opened;
      },
      () => {}, // each write then opens its own
    );
  }
  // The token of the checkpoint last written (or being written), that write, and whether
  // the storage refused it.
  let kept = { token: null, write: nothing, refused: false };
  const save = () => {
    let checkpoint;
    try {
      checkpoint = list.checkpoint();
    } catch (error) {
      return nothing;
    }
    if (!isCheckpoint(checkpoint)) return nothing;
    if (checkpoint.token === kept.token) {
      // The same rows, written already: a note that they are still current if the list
      // is live (caught up), unless the storage refused them (a checkpoint it refused is
      // not tried again, each try stringifies it all: the next change is).
      if (!kept.refused && (typeof list.status !== "string" || list.status === "live")) touch(checkpoint);
      return kept.write;
    }
    const pending = write(key, checkpoint, options, db);
    const now = { token: checkpoint.token, write: pending, refused: false };
    pending.then((stored) => (now.refused = !stored));
    kept = now;
    return pending;
  };
  /** Notes that `checkpoint` is current now (its age starts again), started at once. In
   * IndexedDB, a record gone meanwhile (another tab's read found it expired and deleted
   * it) is written whole instead, in the same transaction. */
  const touch = (checkpoint) => {
    try {
      const text = JSON.stringify({ savedAt: Date.now(), key: checkpoint.key, token: checkpoint.token });
      const at = touchKeyOf(key, storage);
      if (storage === "sessionStorage") return globalThis.sessionStorage.setItem(at, text);
      const put = (store) => {
        const there = store.count(key);
        there.onsuccess = () => {
          if (there.result > 0) store.put(text, at);
          else store.put(JSON.stringify({ savedAt: Date.now(), checkpoint }), key);
        };
        return there;
      };
      (db ? inTransaction(db, "readwrite", put).catch(() => inDb("readwrite", put)) : inDb("readwrite", put)).catch(() => {});
    } catch (error) {
      // storage full or off: the checkpoint ages
    }
  };
  // Where there is no page (Node, React Native: no `addEventListener`), only stop() keeps it.
  const heard = (target) => target && typeof target.addEventListener === "function";
  const scope = heard(globalThis) ? globalThis : null;
  const doc = heard(globalThis.document) ? globalThis.document : null;
  const onVisibility = () => {
    if (doc.visibilityState === "hidden") save();
  };
  if (scope) scope.addEventListener("pagehide", save);
  if (doc) doc.addEventListener("visibilitychange", onVisibility);
  const keepers = keepersOnPage();
  const mine = keeperKey(key, storage);
  if (!keepers.has(mine)) keepers.set(mine, new Set());
  /** Stops listening and, after `last()` (a final save, or none), lets go of the db. */
  const end = (last) => {
    if (stopped !== null) return stopped;
    if (scope) scope.removeEventListener("pagehide", save);
    if (doc) doc.removeEventListener("visibilitychange", onVisibility);
    const ending = keepers.get(mine);
    ending.delete(ended);
    if (ending.size === 0) keepers.delete(mine);
    stopped = last();
    const done = () => {
      if (db) db.close();
      db = null;
    };
    stopped.then(done, done);
    return stopped;
  };
  const ended = () => end(() => Promise.resolve(false)); // deleteCheckpoint: no more writes
  keepers.get(mine).add(ended);
  return () => end(save);
}
