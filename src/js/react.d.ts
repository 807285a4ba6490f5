/* sp-live/react: `useLiveList`, a React hook (React 16.8 or later, a peer dependency). */
import type { FeedError, InitInput, ItemWithId, ListItem, LiveList, LiveListOptions, LiveListStatus, SpLiveError } from "./sp_live.js";
import type { CheckpointStoreOptions } from "./checkpoint.js";

/** Options of `useLiveList`: those of `LiveList.open`, and where to load the wasm from. */
export type UseLiveListOptions = LiveListOptions & {
  /** Passed to `init()` as `module_or_path` (default: `sp_live_bg.wasm` next to the glue). */
  wasm?: InitInput | Promise<InitInput>;
  /** Keeps the list's checkpoint under this key when the page is hidden or the component
   * unmounts, and resumes from it on the next mount (rows at once, then a catch-up from
   * their change token instead of a full load): sp-live/checkpoint's `keepCheckpoint`
   * and `readCheckpoint`. It holds list data: name the key per user (e.g. with SPFx's
   * `pageContext.user.loginName`). Not a string: status `"closed"` and an `invalid-options`
   * error. */
  storageKey?: string;
  /** Where `storageKey`'s checkpoint is kept: `"sessionStorage"` (default; up to 2,000,000
   * characters, about 10,000 short rows: a bigger checkpoint is not kept) or
   * `"indexedDB"` (bigger lists; outlives the tab). */
  storage?: CheckpointStoreOptions["storage"];
  /** A kept checkpoint older than this is not resumed from. Default: a day. Not a number
   * (a string, NaN): status `"closed"` and an `invalid-options` error. */
  storageMaxAgeMs?: number;
};

/** What `useLiveList` returns; a new object whenever something in it changes. */
export interface LiveListState<T extends ItemWithId = ListItem> {
  /** The rows in display order: a new array after every change; `[]` until the first snapshot. */
  readonly items: T[];
  /** `"connecting"` until the list is open, then the list's status; `"closed"` without options
   * or after a failed open. */
  readonly status: LiveListStatus;
  /** The last error: a failed open (`status` `"closed"`; code `init` when the wasm could not
   * be loaded), or an `error` event, cleared when rows arrive or the list is live again. */
  readonly error: FeedError | SpLiveError | null;
  /** The load's progress (`total` is `null` under a `filter`), `null` before the load. */
  readonly progress: { readonly loaded: number; readonly total: number | null } | null;
  /** The open list (for `refresh()` and `stats()`), or `null`. */
  readonly list: LiveList<T> | null;
}

/**
 * Opens a LiveList while the component is mounted and returns its state. The list
 * reopens when an option other than a function, `accessToken`, `resume` or `wasm`
 * changes (compared as JSON, in any key order), or when `fetch` or `accessToken` comes or goes; functions
 * (`fetch`, an `auth` function) and `accessToken` (a function, or a string that rotates)
 * are read from the latest render's options, so inline closures are fine. A render with new options returns the
 * new list's state (`"connecting"`, no rows), not the old one's. `null` or `undefined`
 * opens nothing (status `"closed"`).
 */
export function useLiveList<T extends ItemWithId = ListItem>(
  options: UseLiveListOptions | null | undefined,
): LiveListState<T>;
