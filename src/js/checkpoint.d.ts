/* sp-live/checkpoint: keeping a LiveList's checkpoint across page loads. */
import type { ItemWithId, ListItem, LiveList, LiveListCheckpoint } from "./sp_live.js";

/** Where checkpoints are kept. */
export interface CheckpointStoreOptions {
  /** `"sessionStorage"` (default): ends with the tab; a checkpoint may take up to
   * 2,000,000 characters of the origin's ~5 million, which SharePoint's own pages share
   * (some 10,000 rows of five short fields). `"indexedDB"`: for bigger lists; outlives
   * the tab, so mind `maxAgeMs`. */
  storage?: "sessionStorage" | "indexedDB";
  /** A kept checkpoint older than this is not used (nor kept, in IndexedDB): its age runs
   * from its write or from `keepCheckpoint`'s last note that it was still current. Default: a
   * day (86,400,000). Not a number (a string, NaN): the functions throw a `TypeError`. */
  maxAgeMs?: number;
}

/** The checkpoint kept under `key`, or `null` (none, too old, unreadable, storage off).
 * Rejects only for bad arguments (a `TypeError`: a key that is not a non-empty string, an
 * unknown `storage`, a `maxAgeMs` that is not a number). A checkpoint holds list data:
 * name the key per user. */
export function readCheckpoint<T extends ItemWithId = ListItem>(
  key: string,
  options?: CheckpointStoreOptions,
): Promise<LiveListCheckpoint<T> | null>;

/** Keeps `list.checkpoint()` (or the checkpoint given) under `key`; `true` when stored,
 * `false` when there was nothing to keep or the storage refused it. With
 * `sessionStorage` it is stored before this returns (fine in a `pagehide` handler). */
export function writeCheckpoint<T extends ItemWithId>(
  key: string,
  list: LiveList<T> | LiveListCheckpoint<T>,
  options?: CheckpointStoreOptions,
): Promise<boolean>;

/** Deletes what is kept under `key` (e.g. when the user signs out) and ends the page's
 * `keepCheckpoint`s of that key and storage, also those of another bundle's copy of this
 * module (a later page hide writes nothing; their
 * `stop()` resolves `false`). Rejects only for bad arguments (a `TypeError`: a key that is not a non-empty string, an unknown `storage`, a
 * `maxAgeMs` that is not a number). */
export function deleteCheckpoint(key: string, options?: CheckpointStoreOptions): Promise<void>;

/** Keeps `list`'s checkpoint under `key` whenever the page is hidden (a reload, a tab
 * closed or switched: SharePoint does not dispose web parts then), writing it only when it
 * changed (unchanged and live, a few bytes note that it is still current: a quiet list's checkpoint
 * does not expire after `maxAgeMs` while a page keeps it, if hidden at least that often; in
 * IndexedDB, the whole checkpoint if another tab deleted it as expired). `deleteCheckpoint` of the key ends
 * it. Returns `stop`: removes the listeners and keeps it once more (call it before
 * `list.close()`, e.g. in `onDispose`); `true` when the current checkpoint is kept.
 * Where there is no page to hide (Node, React Native), only `stop` keeps it. */
export function keepCheckpoint<T extends ItemWithId>(
  key: string,
  list: LiveList<T>,
  options?: CheckpointStoreOptions,
): () => Promise<boolean>;
