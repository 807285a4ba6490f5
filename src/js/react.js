// sp-live/react: `useLiveList`, a React hook (React 16.8 or later; SPFx ships 17) that
// opens a LiveList, keeps its rows, status and last error in state, and closes it when
// the component unmounts or the options change:
//   const { items, status, error } = useLiveList({ broadcaster, siteUrl, listTitle, select });
// React is a peer dependency: the web part's own copy is used. Plain ES module; types
// in react.d.ts. ES2019 syntax: webpack 4 (SPFx 1.18 and older) parses it.

import * as React from "react";
import init, { LiveList } from "./sp_live.js";
import { keepCheckpoint, readCheckpoint } from "./checkpoint.js";

const OPENING = Object.freeze({ items: [], status: "connecting", error: null, progress: null, list: null });
const NONE = Object.freeze({ ...OPENING, status: "closed" });

/** Every error the hook reports has a `code`: `code` for one without (`init` when the wasm
 * failed to load; `invalid-options` for a bad `storage`, which readCheckpoint refuses). */
function coded(error, code) {
  if (error && typeof error.code === "string") return error;
  const message = (error && error.message) || String(error);
  return Object.assign(new Error(`sp-live could not start: ${message}`), { code, cause: error });
}

/**
 * What identifies a list to open: every option (objects' keys in order), but of a function (`fetch`) and of
 * `accessToken` (a string that rotates, or a function) only whether there is one (for a
 * token of no valid type, its type): they are called through the latest render's options
 * instead. Not `resume` (read once, when the list opens) nor `wasm` (used by the first
 * `init()` only; bytes would be serialised on every render).
 */
function optionsKey(options) {
  // A token of no valid type (a number, a Promise: refused) is another key, so that the
  // next render's valid one opens the list.
  const given = (value) =>
    value === undefined || value === null ? undefined
      : typeof value === "string" || typeof value === "function" ? "[given]"
        : `[${typeof value}]`;
  // Objects' keys in order, so that the same options written in another order are the
  // same list (arrays, such as `select`, keep theirs).
  const sorted = (value) => {
    const out = {};
    for (const name of Object.keys(value).sort()) out[name] = value[name];
    return out;
  };
  const replacer = (sort) => (name, value) =>
    typeof value === "function" ? "[function]"
      : sort && value !== null && typeof value === "object" && !Array.isArray(value) ? sorted(value)
        : value;
  const keyed = { ...options, resume: undefined, wasm: undefined, accessToken: given(options.accessToken) };
  try {
    JSON.stringify(keyed, replacer(false)); // throws for a cycle, which the sorted copies would hide
    return JSON.stringify(keyed, replacer(true));
  } catch (error) {
    return `unserialisable:${error}`;
  }
}

/**
 * `options` with its functions, and `accessToken`, read from the latest render's
 * (`latest.current`), so a web part may pass inline closures or a token that rotates
 * without reopening the list on every render.
 */
function withLatestFunctions(options, latest) {
  const open = { ...options };
  delete open.wasm;
  delete open.storageKey;
  delete open.storage;
  delete open.storageMaxAgeMs;
  const token = open.accessToken;
  delete open.accessToken;
  for (const [name, value] of Object.entries(open)) {
    if (typeof value === "function") {
      open[name] = (...args) => {
        const current = latest.current && latest.current[name];
        return (typeof current === "function" ? current : value)(...args);
      };
    }
  }
  if (typeof token === "string" || typeof token === "function") {
    // A string or a function, whichever the latest render gave.
    const read = (value) => (typeof value === "function" ? value() : value);
    open.accessToken = () => {
      const current = latest.current && latest.current.accessToken;
      return read(typeof current === "string" || typeof current === "function" ? current : token);
    };
  } else if (token !== undefined) {
    open.accessToken = token; // not a token: LiveList.open says so
  }
  return open;
}

/**
 * Opens `LiveList.open(options)` (after `init()`, given `options.wasm` as its
 * `module_or_path` if set) and returns its state:
 * `{ items, status, error, progress, list }`. `items` are the rows in display order
 * (a new array after every change, `[]` until the first snapshot); `status` is
 * `"connecting"` until the list is open, then the list's; `error` is the last error
 * (a failed open, with `status` `"closed"`, or an `error` event, cleared when rows
 * arrive or the list is live again); `progress` the load's; `list` the open LiveList
 * (for `refresh()` and `stats()`), or `null`.
 *
 * The list reopens when an option other than a function, `accessToken`, `resume` or
 * `wasm` changes (compared as JSON, in any key order), or when `fetch` or `accessToken` comes or goes;
 * functions (`fetch`, an `auth` function) and `accessToken` (a function, or a string
 * that rotates) are read from the latest render's options. A render with new options returns the new list's state.
 * `null` or `undefined` options open nothing (status `"closed"`), e.g. until a web
 * part's properties are set. Lists with the same options share one feed and one socket
 * across hooks, web parts and bundles, as `LiveList.open` does.
 *
 * With `storageKey`, the list's checkpoint is kept under that key (sp-live/checkpoint's
 * `keepCheckpoint`: in `storage`, `sessionStorage` by default, or `indexedDB` for lists
 * too big for it) when the page is hidden and when the component unmounts, and the next
 * mount (after a page load, say) resumes from it unless it is older than
 * `storageMaxAgeMs` (default a day): its rows show at once and the list catches up from
 * their change token instead of loading every item.
 */
export function useLiveList(options) {
  const key = options ? optionsKey(options) : null;
  const latest = React.useRef(options);
  latest.current = options;
  // The state of the list opened for `key` (until its effect runs, an older key's), and
  // the effect it is of (`owner`); `running` is the effect under way. A render shows only
  // the running effect's state: React 18 may render a discrete update (a `flushSync`)
  // before the update an effect made, and the state it then has may be of an effect that
  // ended, a closed list's rows.
  const [state, setState] = React.useState(() => ({ key, owner: null, view: key === null ? NONE : OPENING }));
  const running = React.useRef(null);

  React.useEffect(() => {
    const owner = {};
    running.current = owner;
    if (key === null) {
      setState({ key, owner, view: NONE });
      return () => {
        if (running.current === owner) running.current = null;
      };
    }
    let gone = false;
    let list = null;
    let subscription = null;
    const update = (change) => {
      if (!gone) setState((previous) => (previous.owner === owner ? { key, owner, view: { ...previous.view, ...change } } : previous));
    };
    let stopKeeping = null;
    setState({ key, owner, view: OPENING });
    const { storageKey, storage, storageMaxAgeMs } = latest.current;
    const store = { storage, maxAgeMs: storageMaxAgeMs };
    (async () => {
      const options = { ...latest.current };
      if (storageKey && options.resume == null) options.resume = await readCheckpoint(storageKey, store);
      await init(options.wasm === undefined ? undefined : { module_or_path: options.wasm }).catch((e) => {
        throw coded(e, "init");
      });
      if (gone) return; // unmounted or reopened while the checkpoint or the wasm loaded
      const opened = await LiveList.open(withLatestFunctions(options, latest));
      if (gone) {
        opened.close();
        return;
      }
      list = opened;
      if (storageKey) stopKeeping = keepCheckpoint(storageKey, list, store);
      // Not `list.status`: a list another component has loaded is "live" now, and its rows
      // come with the subscription's snapshot; its first events tell the status.
      update({ list });
      subscription = list.subscribe((event) => {
        switch (event.type) {
          case "snapshot":
          case "reset":
            update({ items: event.items, error: null });
            break;
          case "changes":
            update({ items: list.items(), error: null });
            break;
          case "status":
            update(event.status === "live" ? { status: event.status, error: null } : { status: event.status });
            break;
          case "progress":
            update({ progress: { loaded: event.loaded, total: event.total } });
            break;
          case "error":
            update({ error: event.error });
            break;
        }
      });
    })().catch((error) => {
      // Opened, then refused (a bad `storage` with `resume` given): closed, as shown.
      if (list) list.close();
      list = null;
      update({ status: "closed", error: coded(error, "invalid-options") });
    });
    return () => {
      gone = true;
      if (running.current === owner) running.current = null;
      if (stopKeeping) stopKeeping(); // takes the checkpoint now, before the close
      if (subscription) subscription.unsubscribe();
      if (list) list.close();
    };
  }, [key]);

  // A render with new options shows the new list opening, not the old one's rows.
  if (state.key === key && state.owner === running.current) return state.view;
  return key === null ? NONE : OPENING;
}
