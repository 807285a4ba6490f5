// The facades: sp-live/seed (the seed's event emitter and SocketListChanges), sp-live/react
// (useLiveList) and sp-live/checkpoint; part of the typed consumer in consumer.ts (see there),
// checked by make test-types.
import {
  LiveList,
  type ListItem,
  type LiveListCheckpoint,
  type LiveListStatus,
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
import type { Mail } from "./consumer";

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
