// A typed consumer of sp-live's public surface, checked by `tsc --noEmit` (make test-types),
// in three files by theme: this one (the LiveList, its options and events), consumer-broadcaster.ts
// (Broadcaster, its socket options and errors) and consumer-facades.ts (sp-live/seed, /react and
// /checkpoint). Every `// @ts-expect-error` line is misuse that must NOT compile: tsc fails on an
// unused one (TS2578), so each is a check that the typings are precise enough.
import init, {
  Broadcaster,
  LiveList,
  type ConnectionStatus,
  type FeedError,
  type ListDiff,
  type ListItem,
  type LiveListEvent,
  type LiveListOptions,
  type LiveListStats,
  type LiveListStatus,
  type Subscription,
} from "sp-live";
import { RxJsEventEmitter, SocketListChanges, type ListChangesPayload } from "sp-live/seed";
import { useLiveList } from "sp-live/react";

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
export type Mail = ListItem & { Title: string; Subject: string };
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
