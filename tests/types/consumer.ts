// A typed consumer of sp-live's public surface, checked by `tsc --noEmit` (make test-types).
// Every `// @ts-expect-error` line is misuse that must NOT compile: tsc fails on an
// unused one (TS2578), so each is a check that the typings are precise enough.
import init, {
  Broadcaster,
  LiveList,
  type AuthProvider,
  type ConnectionStatus,
  type FeedError,
  type ListDiff,
  type ListItem,
  type LiveListEvent,
  type LiveListOptions,
  type LiveListStats,
  type LiveListCheckpoint,
  type LiveListStatus,
  type SpLiveError,
  type Subscription,
  type Unsubscribe,
} from "sp-live";
import {
  RxJsEventEmitter,
  SocketListChanges,
  parseListChanges,
  type ListChangesPayload,
  type SocketListChangesOptions,
} from "sp-live/seed";
import { useLiveList, type LiveListState, type UseLiveListOptions } from "sp-live/react";
import { deleteCheckpoint, keepCheckpoint, readCheckpoint, writeCheckpoint, type CheckpointStoreOptions } from "sp-live/checkpoint";

// ---------- type-level helpers ----------
type IsAny<T> = 0 extends 1 & T ? true : false;
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_proof?: T): void {}

// Nothing public is `any`.
assertType<Equals<IsAny<LiveListEvent>, false>>();
assertType<Equals<IsAny<ListItem[string]>, false>>();
assertType<Equals<IsAny<Parameters<Broadcaster["on"]>[1]>, false>>();
assertType<Equals<IsAny<ReturnType<LiveList["items"]>>, false>>();
assertType<Equals<IsAny<Parameters<RxJsEventEmitter["emit"]>[1]>, false>>();
assertType<Equals<IsAny<ListChangesPayload["AddedItems"][number]>, false>>();
// The event union is discriminated on `type` and complete.
assertType<Equals<LiveListEvent["type"], "snapshot" | "changes" | "reset" | "status" | "progress" | "error">>();
assertType<Equals<LiveListStatus, "connecting" | "loading" | "live" | "reconnecting" | "offline" | "resyncing" | "closed">>();
assertType<Equals<ConnectionStatus["state"], "connecting" | "open" | "reconnecting" | "closed">>();

// ---------- LiveList ----------
export async function liveList(): Promise<ListItem[]> {
  await init();
  const options: LiveListOptions = {
    broadcaster: "https://broadcaster.example.net",
    protocol: "auto",
    siteUrl: "https://contoso.sharepoint.com/sites/team",
    listTitle: "Mail",
    select: ["Title", "Subject", "From", "To", "SentDate"],
    metadata: "odata4",
    clientTag: "NONISV|Contoso|Mail/1.0",
    accessToken: async () => "token",
    reconnectionDelayMax: 10_000,
  };
  const list: LiveList = await LiveList.open(options);
  const rows = new Map<number, ListItem>();
  const sub: Subscription = list.subscribe((event) => {
    switch (event.type) {
      case "snapshot":
      case "reset":
        rows.clear();
        for (const item of event.items) rows.set(item.Id, item);
        break;
      case "changes": {
        for (const item of [...event.added, ...event.updated]) rows.set(item.Id, item);
        for (const id of event.deleted) rows.delete(id);
        const token: string = event.token;
        for (const diff of event.diffs) applyDiff([], diff);
        void token;
        break;
      }
      case "status": {
        const status: LiveListStatus = event.status;
        const reason: string | null = event.reason;
        void status, reason;
        break;
      }
      case "progress": {
        const pct: number | null = event.total === null ? null : event.loaded / event.total;
        void pct;
        break;
      }
      case "error": {
        const error: FeedError = event.error;
        const code: string = error.code;
        const where: string | undefined = error.request?.url;
        const http: number | undefined = error.status;
        void code, where, http;
        break;
      }
      default: {
        const never: never = event;
        void never;
      }
    }
  });
  const title: unknown = list.items()[0]?.Title;
  // A field is `unknown`, not `any`: it must be narrowed before use.
  // @ts-expect-error unknown is not a string
  const upper: string = list.items()[0]?.Title.toUpperCase();
  void title, upper;
  const stats: LiveListStats = list.stats();
  const latency: number | null = stats.lastLatencyMs;
  const applyMs: number | null = stats.lastApplyMs;
  void latency, applyMs;
  const status: LiveListStatus = list.status;
  void status;
  // @ts-expect-error status is read-only
  list.status = "live";
  sub.unsubscribe();
  list.close();
  return [...rows.values()];
}

function applyDiff(rows: ListItem[], diff: ListDiff): void {
  switch (diff.op) {
    case "insert":
      rows.splice(diff.index, 0, diff.item);
      break;
    case "update":
      rows[diff.index] = diff.item;
      break;
    case "remove":
      rows.splice(diff.index, 1);
      // @ts-expect-error a remove diff has no item
      void diff.item;
      break;
  }
}

// A caller-supplied fetch (e.g. wrapping SPFx's SPHttpClient); the global one fits too.
export async function withFetch(): Promise<LiveList> {
  const viaGlobal = await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listId: "482e418a-0900-414b-8902-02248c2e44e8", fetch });
  viaGlobal.close();
  return LiveList.open({
    broadcaster: "https://b",
    siteUrl: "https://s",
    listId: "482e418a-0900-414b-8902-02248c2e44e8",
    fetch: async (url, init) => {
      const method: string = init.method;
      const headers: Record<string, string> = init.headers;
      void method, headers;
      return fetch(url, init);
    },
  });
}

export async function liveListMisuse(): Promise<void> {
  // @ts-expect-error broadcaster is required
  await LiveList.open({ siteUrl: "https://s", listTitle: "Mail" });
  // @ts-expect-error siteUrl is required
  await LiveList.open({ broadcaster: "https://b", listTitle: "Mail" });
  // @ts-expect-error select is an array of field names
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", select: "Title" });
  // @ts-expect-error unknown metadata level
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", metadata: "full" });
  // @ts-expect-error unknown protocol
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", protocol: "socket.io-v5" });
  // socket.io 3.x speaks 4.x's protocol: the runtime takes "socket.io-v3" for "socket.io-v4".
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", protocol: "socket.io-v3" });
  // @ts-expect-error misspelt option
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", selects: ["Title"] });
  // @ts-expect-error the poll interval is a number of milliseconds
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", pollIntervalMs: "5m" });
  // @ts-expect-error a filter is one OData expression, not a list
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", filter: ["Status eq 'Open'"] });
  // @ts-expect-error the constructor is private: use LiveList.open
  new LiveList();
  const list = await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail" });
  list.subscribe((event) => {
    // @ts-expect-error `items` exists only on snapshot/reset: narrow on `type` first
    void event.items;
    if (event.type === "changes") {
      // @ts-expect-error deleted holds ids (numbers), not items
      const first: ListItem | undefined = event.deleted[0];
      void first;
    }
    // @ts-expect-error no such event type
    if (event.type === "change") return;
  });
  // @ts-expect-error subscribe takes a callback
  list.subscribe("changes");
}

// ---------- Broadcaster ----------
export async function broadcaster(): Promise<void> {
  const b: Broadcaster = await Broadcaster.connect("https://broadcaster.example.net", {
    protocol: "socket.io-v2",
    path: "/socket.io/",
    auth: { token: "t", room: 1, admin: false },
    reconnectionAttempts: 5,
  });
  const off: Unsubscribe = b.on("list:changes", (...args) => {
    const first: unknown = args[0];
    const value: unknown = typeof first === "string" ? JSON.parse(first) : first;
    void value;
  });
  const offStatus = b.onStatus((status) => {
    const state: ConnectionStatus["state"] = status.state;
    void state;
  });
  const offError = b.onError((error: SpLiveError) => {
    const message: string = error.message;
    const code: string = error.code;
    void message, code;
  });
  b.emit("subscribe", { lists: ["482e418a-0900-414b-8902-02248c2e44e8"] });
  b.emit("ping");
  const state: ConnectionStatus = b.status;
  void state;
  off();
  offStatus();
  offError();
  b.close();

  // `auth` as a function, asked before every attempt (socket.io-client's forms).
  const fresh = async (): Promise<string> => "t";
  const viaCallback: AuthProvider = (cb) => cb({ token: "t" });
  await Broadcaster.connect("https://b", { auth: viaCallback });
  await Broadcaster.connect("https://b", { auth: async () => ({ token: await fresh() }) });
  await Broadcaster.connect("https://b", { auth: () => ({ token: "t" }) });
  await Broadcaster.connect("https://b", {
    auth: (cb) => {
      void fresh().then((token) => cb({ token }));
    },
  });
  // @ts-expect-error an auth function gives an object of strings, numbers or booleans
  await Broadcaster.connect("https://b", { auth: () => "token" });
  // @ts-expect-error unknown protocol
  await Broadcaster.connect("https://b", { protocol: "engine.io" });
  // @ts-expect-error auth values are strings, numbers or booleans
  await Broadcaster.connect("https://b", { auth: { nested: { a: 1 } } });
  // @ts-expect-error the URL is required
  await Broadcaster.connect();
  // @ts-expect-error event arguments are unknown: a handler cannot claim they are strings
  b.on("list:changes", (data: string) => void data);
  // @ts-expect-error status is read-only
  b.status = { state: "open", reason: null };
}

// ---------- the seed facade ----------
interface IEventData {
  sharedData: string;
}

declare module "sp-live/seed" {
  interface RxJsEventMap {
    timShareData: IEventData;
  }
}

export async function seedFacade(): Promise<void> {
  const emitter: RxJsEventEmitter = RxJsEventEmitter.getInstance();
  // The seed's eventsubscriber, unchanged.
  const rows: ListItem[] = [];
  emitter.on("listChanges", (data: string) => {
    const changes = JSON.parse(data);
    void changes;
  });
  // Typed: the payload of "listChanges" is a string; parseListChanges types it.
  const off: () => void = emitter.on("listChanges", (data) => {
    const changes: ListChangesPayload = parseListChanges(data);
    for (const item of changes.AddedItems) rows.push(item);
    for (const item of changes.UpdatedItems) rows[rows.findIndex((r) => r.Id === item.Id)] = item;
    for (const d of changes.DeleteItems) rows.splice(rows.findIndex((r) => r.Id === d.ItemId), 1);
    const error: string = changes.ErrorMsg;
    void error;
  });
  off();
  // Other events: the handler declares its payload type (as with the seed's `any`) ...
  emitter.on("selection", (data: { id: number }) => void data.id);
  emitter.emit("selection", { id: 1 });
  // ... or a declaration-merged RxJsEventMap entry types both sides.
  emitter.on("timShareData", (data) => {
    const shared: string = data.sharedData;
    void shared;
  });
  emitter.emit("timShareData", { sharedData: "x" });
  emitter.off("listChanges");
  const handler = (data: string): void => void data;
  emitter.on("listChanges", handler);
  emitter.off("listChanges", handler);
  emitter.dispose();

  const options: SocketListChangesOptions = {
    broadcaster: "https://broadcaster.example.net",
    siteUrl: "https://contoso.sharepoint.com/sites/team",
    listId: "482e418a-0900-414b-8902-02248c2e44e8",
    select: ["Title", "Subject"],
    reset: "diff",
    emitSnapshot: false,
    emitter,
    eventName: "listChanges",
  };
  const socket: SocketListChanges = await new SocketListChanges(options).start();
  const list: LiveList | null = socket.list;
  const items: ListItem[] = list?.items() ?? [];
  void items;
  socket.stop();

  // @ts-expect-error the constructor is private: use getInstance()
  new RxJsEventEmitter();
  // @ts-expect-error "listChanges" carries a JSON string, not an object
  emitter.emit("listChanges", { AddedItems: [] });
  // @ts-expect-error a "listChanges" handler receives a string
  emitter.on("listChanges", (data: ListChangesPayload) => void data);
  // @ts-expect-error timShareData is typed by RxJsEventMap
  emitter.emit("timShareData", { other: 1 });
  // @ts-expect-error handler is required
  emitter.on("listChanges");
  // @ts-expect-error reset mode is "diff" | "all" | "ignore"
  new SocketListChanges({ ...options, reset: "added" });
  // @ts-expect-error broadcaster is required
  new SocketListChanges({ siteUrl: "https://s", listTitle: "Mail" });
  // @ts-expect-error list is read-only
  socket.list = null;
  // @ts-expect-error ItemId is a number
  const wrongId: string = parseListChanges("{}").DeleteItems[0]!.ItemId;
  void wrongId;
}

// A web part's property pane: both fields passed as they are, one of them empty or
// undefined (the runtime takes an empty string for absent), in every configuration.
export interface ListPaneProps { siteUrl: string; listId?: string; listTitle?: string }
export async function propertyPane(props: ListPaneProps, pane: { listId: string; listTitle: string }): Promise<void> {
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: props.listId, listTitle: props.listTitle });
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: pane.listId, listTitle: pane.listTitle });
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: undefined, listTitle: "Mail" });
  useLiveList({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: props.listId, listTitle: props.listTitle });
  // @ts-expect-error a list id is a string
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: 7, listTitle: props.listTitle });
}

// A web part with only a list title in its property pane (an optional property: `string |
// undefined`) and no listId key at all: it compiles (the runtime decides), in `open`,
// `new SocketListChanges` and the hook, as do its options typed ahead.
export interface TitlePaneProps { siteUrl: string; listTitle?: string }
export async function titlePane(props: TitlePaneProps): Promise<void> {
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listTitle: props.listTitle });
  await LiveList.open<Mail>({ broadcaster: "https://b", siteUrl: props.siteUrl, listTitle: props.listTitle, select: ["Title"] });
  new SocketListChanges({ broadcaster: "https://b", siteUrl: props.siteUrl, listTitle: props.listTitle });
  useLiveList({ broadcaster: "https://b", siteUrl: props.siteUrl, listTitle: props.listTitle });
  const options: LiveListOptions = { broadcaster: "https://b", siteUrl: props.siteUrl, listTitle: props.listTitle };
  await LiveList.open(options);
  // @ts-expect-error a list title is a string
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listTitle: 7 });
  // @ts-expect-error a misspelt option is refused beside it
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listTitle: props.listTitle, selekt: ["Title"] });
}

// A list picker's property pane: a list id alone that may be undefined (no listTitle key).
export async function listPickerPane(props: { siteUrl: string; listId?: string }): Promise<void> {
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: props.listId });
  new SocketListChanges({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: props.listId });
  useLiveList({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: props.listId });
  // @ts-expect-error a list id is a string
  await LiveList.open({ broadcaster: "https://b", siteUrl: props.siteUrl, listId: 7 });
}

// Checks that were known gaps of the typings once (now enforced).
const MAIL_FIELDS = ["Title", "Subject"] as const;
export async function formerGaps(error: FeedError): Promise<void> {
  // @ts-expect-error neither listId nor listTitle
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s" });
  // @ts-expect-error a misspelt error code
  if (error.code === "sp-throtled") return;
  // @ts-expect-error a function is no JSON value
  (await Broadcaster.connect("https://b")).emit("subscribe", () => 1);
  // readonly field lists and the request method's union compile
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", select: MAIL_FIELDS });
  const method: "GET" | "POST" | undefined = error.request?.method;
  void method;
}

// A view with a person column: filter, "Column/Field" in select and orderBy, the
// expanded column typed by the caller.
type Task = ListItem & { Title: string; Editor: { Title: string } };
export async function viewWithPersonColumn(): Promise<void> {
  const tasks = await LiveList.open<Task>({
    broadcaster: "https://b", siteUrl: "https://s", listTitle: "Tasks",
    select: ["Title", "Editor/Title"], orderBy: "Editor/Title", filter: "Status eq 'Open'",
    pollIntervalMs: 60_000,
  });
  const editors: string[] = tasks.items().map((t) => t.Editor.Title);
  void editors;
  tasks.refresh();
  // @ts-expect-error refresh returns nothing to await
  await tasks.refresh().then(() => {});
}

// Typed items: LiveList is generic over the item shape.
type Mail = ListItem & { Title: string; Subject: string };
export async function typedItems(): Promise<void> {
  const mails = await LiveList.open<Mail>({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", orderBy: "Title desc" });
  const subjects: string[] = mails.items().map((m) => m.Subject);
  void subjects;
  mails.subscribe((event) => {
    if (event.type === "changes") {
      for (const d of event.diffs) if (d.op !== "remove") { const s: string = d.item.Subject; void s; }
    }
  });
  // @ts-expect-error Subject is a string, not a number
  const n: number = mails.items()[0]!.Subject;
  void n;
}

// An SPFx-style interface (no index signature) types the items everywhere.
interface IMail {
  Id: number;
  Title: string;
}
export async function interfaceItems(): Promise<string[]> {
  const resume = await readCheckpoint<IMail>("mails");
  const mails = await LiveList.open<IMail>({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", resume });
  const stop = keepCheckpoint<IMail>("mails", mails);
  const state: LiveListState<IMail> = useLiveList<IMail>(null);
  // @ts-expect-error a misspelt field of an interface item
  void mails.items()[0]?.Tilte;
  // @ts-expect-error an item type needs a numeric Id
  await LiveList.open<{ Title: string }>({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail" });
  // A subscription is its own unsubscribe function (a React effect's cleanup) and has `unsubscribe()`.
  const cleanup: () => void = mails.subscribe(() => undefined);
  cleanup();
  mails.subscribe(() => undefined).unsubscribe();
  await stop();
  return [...mails.items(), ...state.items].map((m) => m.Title);
}

// sp-live/react: the hook's state is typed by the item shape; null opens nothing.
export function reactGrid(props: { siteUrl: string | null }): string[] {
  const options: UseLiveListOptions | null = props.siteUrl
    ? { broadcaster: "https://b", siteUrl: props.siteUrl, listTitle: "Mail", select: ["Title", "Subject"], fetch: (url, init) => fetch(url, init), storageKey: "mail" }
    : null;
  const state: LiveListState<Mail> = useLiveList<Mail>(options);
  const status: LiveListStatus = state.status;
  void status;
  const code: string | undefined = state.error?.code;
  void code;
  state.list?.refresh();
  const loaded: number | undefined = state.progress?.loaded;
  void loaded;
  // @ts-expect-error the hook needs a list: listId or listTitle
  useLiveList({ broadcaster: "https://b", siteUrl: "https://s" });
  // @ts-expect-error items are read-only state: no assigning
  state.items = [];
  return state.items.map((m) => m.Subject);
}

// Checkpoints: JSON across a page load, typed by the item shape.
export async function resumedFromSessionStorage(): Promise<void> {
  const stored = sessionStorage.getItem("mails");
  const resume = stored ? (JSON.parse(stored) as LiveListCheckpoint<Mail>) : null;
  const mails = await LiveList.open<Mail>({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", resume });
  const checkpoint: LiveListCheckpoint<Mail> | null = mails.checkpoint();
  if (checkpoint) {
    const subject: string | undefined = checkpoint.items[0]?.Subject;
    void subject;
    sessionStorage.setItem("mails", JSON.stringify(checkpoint));
  }
  // @ts-expect-error a checkpoint is an object from checkpoint(), not its token
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", resume: "1;3;..." });
}

// sp-live/checkpoint: kept in IndexedDB for a big list, typed by the item shape.
export async function keptInIndexedDb(): Promise<boolean> {
  const store: CheckpointStoreOptions = { storage: "indexedDB", maxAgeMs: 3_600_000 };
  const resume = await readCheckpoint<Mail>("mails", store);
  const subject: string | undefined = resume?.items[0]?.Subject;
  void subject;
  const mails = await LiveList.open<Mail>({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", resume });
  const stop: () => Promise<boolean> = keepCheckpoint("mails", mails, store);
  const written: boolean = await writeCheckpoint("mails", mails);
  void written;
  await deleteCheckpoint("mails", { storage: "sessionStorage" });
  useLiveList<Mail>({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", storageKey: "k", storage: "indexedDB", storageMaxAgeMs: 60_000 });
  // @ts-expect-error storage is "sessionStorage" or "indexedDB"
  await readCheckpoint("mails", { storage: "localStorage" });
  // @ts-expect-error the key is a string
  await readCheckpoint(7);
  // @ts-expect-error the hook's storage is "sessionStorage" or "indexedDB" too
  useLiveList({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", storageKey: "k", storage: "local" });
  return stop();
}
