//! The TypeScript declarations of `LiveList` (wasm-bindgen's generated ones are skipped:
//! these are generic over the item type and name every option and event).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_LIVE_LIST: &str = r#"
/** A SharePoint list item as SharePoint returns it (Id, ID, Modified and the selected fields). */
export interface ListItem { Id: number; ID?: number; [field: string]: unknown; }
/** What an item type must have: its numeric `Id` (an SPFx-style `interface IMail { Id: number;
 * Title: string }` fits; no index signature needed). */
export interface ItemWithId { Id: number; }
/** Options of `LiveList.open`: a broadcaster (as in `Broadcaster.connect`) and a list,
 * by id or by title (an empty string counts as absent). A list opened by title goes
 * on by its GUID (through renames) and is looked up by title again when that GUID is gone:
 * a list deleted and created again under the title is followed. Both may be passed as
 * they come, e.g. from a web part's property pane (`listId: props.listId, listTitle:
 * props.listTitle`), or one alone that may be undefined (`listId: props.listId`, from a
 * list picker): exactly one must then be a non-empty string, else `open` rejects with
 * `invalid-options`. (A type cannot tell such an optional property from a literal
 * `listId: undefined`, which names no list: that compiles, and is refused at runtime.) */
export type LiveListOptions = LiveListBaseOptions &
  (
    | { listId: string | undefined; listTitle?: never }
    | { listTitle: string | undefined; listId?: never }
    | { listId: string | undefined; listTitle: string | undefined }
  );
export interface LiveListBaseOptions extends BroadcasterOptions {
  /** socket.io or ws URL of the broadcaster. */
  broadcaster: string;
  /** Absolute site URL, e.g. "https://contoso.sharepoint.com/sites/team" (no query or
   * fragment: the REST paths are appended to it). */
  siteUrl: string;
  /** Fields to read besides Id and Modified. A lookup or person column is read through
   * one of its fields, "Column/Field" (e.g. "Editor/Title": the column is expanded, and
   * items carry `Editor: { Title }`). */
  select?: readonly string[];
  /** Only the items this OData `$filter` lets through, e.g. "Status eq 'Open'" (SharePoint
   * applies it to the load and to every read, so an item that stops matching is deleted
   * from the list and one that starts matching is added). On lists over 5,000 items it
   * must filter on an indexed column, as any SharePoint query. */
  filter?: string;
  /** Row order: "Field", "Field asc" or "Field desc" (ties by ID); default ID ascending.
   * The field's name may differ in case; "Editor/Title" sorts by a person column's
   * field. Numbers compare by value (integers, decimals, exponents), text and dates
   * ordinally. */
  orderBy?: string;
  /** The JSON flavour asked of SharePoint: default "nometadata" (OData 3), or "odata4" when a
   * `fetch` is given (as SPFx's SPHttpClient speaks). */
  metadata?: "nometadata" | "minimalmetadata" | "verbose" | "odata4";
  /** A fetch-compatible function that owns auth (e.g. wrapping SPFx's SPHttpClient, which
   * sends `OData-Version: 4.0`: with a `fetch`, `metadata` defaults to "odata4"). */
  fetch?: (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ status: number; text(): Promise<string>; headers: { get(name: string): string | null } }>;
  /** A bearer token, or a function returning one (or a Promise of one). */
  accessToken?: string | (() => string | Promise<string>);
  /** `X-ClientService-ClientTag`, e.g. "NONISV|Contoso|Mail/1.0". */
  clientTag?: string;
  /** Longest item-read URL (default 1500). */
  urlLimit?: number;
  /** Use `$batch` (default true): a round's item reads that need several requests go
   * in one, and a burst of webhooks costs two requests (the reads wait for the burst's
   * hints to settle, then go with a GetChanges that confirms there is nothing more). */
  batch?: boolean;
  /** With `batch`: each GetChanges goes in a `$batch` with a query for the items
   * modified since the last change seen, so an edit shows after one round trip instead
   * of two (default true; never for lists over 5,000 items; a refused query turns it
   * off). GetChanges still decides what changed; items the query misses are read by ID. */
  readAhead?: boolean;
  /** Items per page of the initial load (default 2000, max 5000). */
  pageSize?: number;
  /** Wait this long for more webhook hints before a round (default 0: at once);
   * fewer requests per burst for a little latency. */
  hintDebounceMs?: number;
  /** Longest such wait after the first hint (default 1000). */
  hintDebounceMaxMs?: number;
  /** Without a debounce: hints that come while a round runs wait for this much quiet
   * before the one more round they need (default 50; 0: at once). */
  hintSettleMs?: number;
  /** With nothing to do for this long, look for changes anyway (default 300000: five
   * minutes; 0: only webhooks and reconnects). Webhooks arrive late and sometimes not
   * at all; a look that finds nothing costs one small GetChanges. */
  pollIntervalMs?: number;
  /** A checkpoint from `LiveList.checkpoint()` (e.g. kept in `sessionStorage` across page
   * loads): its items show at once, as the snapshot, and the list catches up from its
   * change token with GetChanges instead of loading every item (status `resyncing` until
   * it has). One of other options (site, list, fields, filter, order), of another format,
   * for a feed already open, or whose token is over 50 days old is ignored: the list loads
   * as usual. A token SharePoint no longer knows reloads the list; items that cannot be read
   * (no `Id`) give an `sp-parse` error event and the list loads. */
  resume?: LiveListCheckpoint<ItemWithId> | null;
}
/** What a LiveList showed and the change token it was current at: plain JSON. */
export interface LiveListCheckpoint<T extends ItemWithId = ListItem> {
  version: 1;
  /** Which options it is for (site, list, fields, filter, order, ...). */
  key: string;
  token: string;
  items: T[];
}
/** `loading` (the list's first load), `connecting` (for a moment before the load starts,
 * or with rows while the broadcaster has not yet connected: changes then show on
 * `refresh()`, wake-ups and the safety poll), `live` (current and hearing webhooks), `reconnecting` (the broadcaster link
 * was lost and is being retried),
 * `offline` (the link closed for good: reconnection off or given up; changes show on
 * `refresh()` and every `pollIntervalMs`), `resyncing` (reloading, retrying SharePoint,
 * or catching up from a checkpoint), `closed` (after `close()` or a failed open: the
 * `status` property only, as `close()` sends subscribers no event). */
export type LiveListStatus = "connecting" | "loading" | "live" | "reconnecting" | "offline" | "resyncing" | "closed";
/** Index-based edits, to apply in order. */
export type ListDiff<T extends ItemWithId = ListItem> =
  | { op: "insert"; index: number; item: T }
  | { op: "update"; index: number; item: T }
  | { op: "remove"; index: number };
export interface FeedError extends SpLiveError { request?: { method: "GET" | "POST"; url: string }; status?: number; }
export type LiveListEvent<T extends ItemWithId = ListItem> =
  | { type: "snapshot"; items: T[] }
  | { type: "changes"; added: T[]; updated: T[]; deleted: number[]; diffs: ListDiff<T>[]; token: string }
  | { type: "reset"; items: T[] }
  | { type: "status"; status: LiveListStatus; reason: string | null }
  | { type: "progress"; loaded: number; total: number | null }
  | { type: "error"; error: FeedError };
/** Calling it, or its `unsubscribe()`, removes the subscriber; safe more than once. */
export interface Subscription { (): void; unsubscribe(): void; }
export interface LiveListStats { hints: number; requests: number; changesApplied: number; rounds: number; lastLatencyMs: number | null; lastApplyMs: number | null; }
/** `T` describes the items: an interface such as `IMail { Id: number; Title: string }`, or
 * `ListItem & { Title: string }`; it is not checked at run time: the items are what
 * SharePoint returns for `select`. */
export class LiveList<T extends ItemWithId = ListItem> {
  private constructor();
  /** wasm-bindgen's: closes the handle and frees it; nothing may be called on it after
   * (`close()` is enough: a closed handle holds next to nothing). */
  free(): void;
  /** Opens the list (or joins the page's feed of the same list), resolving at once: its
   * rows come as the `snapshot` event. Calls `init()` with its defaults first if it has not
   * been (a failure to load the wasm rejects with code `init`). Bad options reject with
   * `invalid-options` (a broadcaster URL, `auth` or `namespace` that cannot be used: with
   * `protocol-config`). */
  static open<T extends ItemWithId = ListItem>(options: LiveListOptions): Promise<LiveList<T>>;
  /** `snapshot` (now, or once loaded) before its first `changes` or `reset`; `status`, `progress` and
   * `error` as they happen, and the current `status` when it joins (after its snapshot if the
   * list is loaded). Throws an `SpLiveError` with code `closed` after `close()`. */
  subscribe(callback: (event: LiveListEvent<T>) => void): Subscription;
  /** Current rows in display order (`orderBy`, default ID ascending; a copy). */
  items(): T[];
  /** Looks for changes now instead of waiting for a webhook, e.g. right after the app
   * wrote to the list (SharePoint's webhooks take seconds to minutes); they arrive as
   * `changes` events. Does nothing after `close()`. */
  refresh(): void;
  /** The rows and the change token they are current at, for `resume` on a later
   * `LiveList.open` (e.g. after the next page load); `null` before the first snapshot
   * and after `close()`. It holds list data: keep it per user. */
  checkpoint(): LiveListCheckpoint<T> | null;
  readonly status: LiveListStatus;
  stats(): LiveListStats;
  /** Stops the list (and, with the page's last list or broadcaster on it, the WebSocket).
   * Until then it lives even if the page keeps no reference to it, as an open WebSocket
   * with listeners does: close what you open (a web part in `onDispose`). */
  close(): void;
}
"#;
