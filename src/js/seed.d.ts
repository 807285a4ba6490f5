/* sp-live/seed: drop-in facade for web parts written against the seed's
 * `RxJsEventEmitter` and socket library. See the package README, "Porting a seed web part". */
import type { InitInput, ListItem, LiveList, LiveListOptions } from "./sp_live.js";

/** A deleted item as the seed reported it. */
export interface DeletedItem { ItemId: number; }

/** What `JSON.parse` of a `"listChanges"` payload gives (the seed's shape, key order kept). */
export interface ListChangesPayload {
  AddedItems: ListItem[];
  UpdatedItems: ListItem[];
  DeleteItems: DeletedItem[];
  /** "" normally; an error's message on a payload that reports an error (all arrays empty). */
  ErrorMsg: string;
}

/**
 * Payload types of known event names. `"listChanges"` carries a JSON *string* (as
 * in the seed). Add your own events by declaration merging:
 * `declare module "sp-live/seed" { interface RxJsEventMap { myEvent: MyData } }`.
 * Names not in the map take any payload type the handler declares.
 */
export interface RxJsEventMap {
  listChanges: string;
}

/** The payload type of event `N`. */
export type RxJsEventData<N extends string, Fallback = unknown> = N extends keyof RxJsEventMap ? RxJsEventMap[N] : Fallback;

/** Calling it removes the handler; safe to call more than once. */
export type Unsubscribe = () => void;

/**
 * The seed's page-wide event emitter (same class and method names), without rx-lite.
 * The singleton lives on `window.RxJsEventEmitter` as in the seed; if an unported seed
 * web part put its own there first, `getInstance()` returns an emitter that delegates
 * to it, so both share one bus.
 */
export class RxJsEventEmitter {
  private constructor();
  /** The page's emitter. */
  static getInstance(): RxJsEventEmitter;
  /**
   * Calls `handler(data)` for every `emit(name, data)`, synchronously. Returns a
   * function that removes this handler (the seed's `on` returned nothing). A handler
   * that throws is reported with `reportError` and does not stop the others.
   */
  on<N extends string, T = unknown>(name: N, handler: (data: RxJsEventData<N, T>) => void): Unsubscribe;
  /** Calls every handler of `name` with `data`. */
  emit<N extends string>(name: N, data: RxJsEventData<N>): void;
  /** Removes `handler` from `name`; without `handler`, every handler of `name` (as the seed). */
  off(name: string, handler?: (data: never) => void): void;
  /** Removes every handler of every event. */
  dispose(): void;
}

/** How a full reload (`reset`, e.g. after the change token expired) is reported. */
export type ResetMode =
  /** One payload with the differences to the rows delivered so far (default). */
  | "diff"
  /** Every row as `AddedItems` (for subscribers that rebuild their rows from it). */
  | "all"
  /** Nothing. */
  | "ignore";

/** `LiveList.open`'s options plus the facade's own. */
export type SocketListChangesOptions = LiveListOptions & {
  /** Emitter to emit on (default: `RxJsEventEmitter.getInstance()`). */
  emitter?: RxJsEventEmitter;
  /** Event name (default "listChanges"). */
  eventName?: string;
  /** See `ResetMode` (default "diff"). */
  reset?: ResetMode;
  /** Emit the initial rows once as `AddedItems`, also none (an empty `AddedItems`: the list is
   * loaded and empty); default false: the seed emitted nothing at start. */
  emitSnapshot?: boolean;
  /** Where the wasm module comes from, if not next to sp_live.js (passed to `init`). */
  wasm?: InitInput | Promise<InitInput>;
};

/**
 * The seed's socket library on a `LiveList`: keeps the list in sync through the
 * broadcaster and emits `"listChanges"` JSON strings in the seed's shape.
 * `changes` -> `{AddedItems, UpdatedItems, DeleteItems: [{ItemId}], ErrorMsg: ""}`;
 * SharePoint's `error` -> `{AddedItems: [], UpdatedItems: [], DeleteItems: [], ErrorMsg: message}`,
 * but for throttling and an expired or refused change token, which the list recovers from
 * with no change missing (nothing, then the `reset` payload);
 * `reset` -> see `ResetMode`. Empty change sets are not emitted.
 */
export class SocketListChanges {
  /** Throws a `TypeError` for an unknown `reset` or an `emitter` without `emit`. */
  constructor(options: SocketListChangesOptions);
  /** Initialises the wasm module if needed, opens the list, starts emitting; resolves to `this`. Idempotent.
   * Payloads are emitted from the task after it resolves: a handler registered by then hears every one.
   * Rejects with an `Error` whose `code` is `init` (the wasm failed to load), `invalid-options`
   * (`protocol-config` for a broadcaster URL, `auth` or `namespace` that cannot be used), or `closed`
   * (stopped meanwhile); unless stopped, it may then be called again. */
  start(): Promise<this>;
  /** Stops emitting and closes the list. Idempotent; a stopped instance cannot start again. */
  stop(): void;
  /** The underlying list once started, else null. */
  readonly list: LiveList | null;
}

/** `JSON.parse` of a `"listChanges"` payload, typed; missing keys become empty. */
export function parseListChanges(data: string): ListChangesPayload;
