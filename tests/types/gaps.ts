// Known imprecisions of pkg/sp_live.d.ts (from the TypeScript sections in src/web/*.rs).
// `// @ts-expect-error GAP: ...` marks misuse that SHOULD fail to compile but does not
// yet (tsc: unused directive); `GAP(should compile): ...` marks correct code that is
// refused today. check.mjs lists open gaps as "gap" lines without failing the suite and
// says when one closes (then move the line to consumer.ts as a check).
import { LiveList, type ListItem } from "sp-live";

export async function shouldCompile(): Promise<void> {
  // @ts-expect-error GAP(should compile): LiveList is not generic, so selected fields cannot be typed (wants `LiveList<T extends ListItem = ListItem>`, `open<T>(...): Promise<LiveList<T>>`, events and items() in T)
  const list = await LiveList.open<ListItem & { Subject: string }>({ broadcaster: "https://b", siteUrl: "https://s", listTitle: "Mail" });
  void list;
}
