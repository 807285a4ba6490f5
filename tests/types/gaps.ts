// Known imprecisions of pkg/sp_live.d.ts (from the TypeScript sections in src/web/*.rs).
// `// @ts-expect-error GAP: ...` marks misuse that SHOULD fail to compile but does not
// yet (tsc: unused directive); `GAP(should compile): ...` marks correct code that is
// refused today. check.mjs lists open gaps as "gap" lines without failing the suite and
// says when one closes (then move the line to consumer.ts as a check).
import { Broadcaster, LiveList, type FeedError, type ListItem } from "sp-live";

export async function gaps(error: FeedError): Promise<void> {
  // @ts-expect-error GAP: LiveListOptions accepts neither listId nor listTitle (runtime: invalid-options); wants a union `{listId: string; listTitle?: never} | {listTitle: string; listId?: never}`
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s" });
  // @ts-expect-error GAP: LiveListOptions accepts both listId and listTitle (runtime: invalid-options)
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listId: "482e418a-0900-414b-8902-02248c2e44e8", listTitle: "Mail" });
  // @ts-expect-error GAP: SpLiveError.code is `string`, not the union of stable codes, so a misspelt code compiles
  if (error.code === "sp-throtled") return;
  // @ts-expect-error GAP: Broadcaster.emit takes `...args: unknown[]`; a non-JSON argument (a function) compiles
  (await Broadcaster.connect("https://b")).emit("subscribe", () => 1);
}

// Not misuse, but refused today (these should compile):
const FIELDS = ["Title", "Subject"] as const;
export async function shouldCompile(error: FeedError): Promise<void> {
  // @ts-expect-error GAP(should compile): `select?: string[]` refuses a readonly array; wants `readonly string[]`
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail", select: FIELDS });
  // @ts-expect-error GAP(should compile): FeedError.request.method is `string`, not "GET" | "POST"
  const method: "GET" | "POST" | undefined = error.request?.method;
  void method;
  // @ts-expect-error GAP(should compile): LiveList is not generic, so selected fields cannot be typed (wants `LiveList<T extends ListItem = ListItem>`, `open<T>(...): Promise<LiveList<T>>`, events and items() in T)
  const list = await LiveList.open<ListItem & { Subject: string }>({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail" });
  void list;
}
