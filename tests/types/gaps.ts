// Known imprecisions of pkg/sp_live.d.ts (from the TypeScript sections in src/web/*.rs).
// `// @ts-expect-error GAP: ...` marks misuse that SHOULD fail to compile but does not
// yet (tsc: unused directive); `GAP(should compile): ...` marks correct code that is
// refused today. check.mjs lists open gaps as "gap" lines without failing the suite and
// says when one closes (then move the line to a consumer*.ts as a check).
import { LiveList } from "sp-live";

// Both a list id and a title, non-empty: `open` rejects with invalid-options. The typings
// let two strings through: a property pane passes both fields, one of them empty, as
// plain strings, and that must compile (a type cannot tell "" from "Mail").
export async function bothListIdAndTitle(): Promise<void> {
  // @ts-expect-error GAP: both listId and listTitle (refused at runtime, not by the types)
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listId: "482e418a-0900-414b-8902-02248c2e44e8", listTitle: "Mail" });
}

// A list named by neither, each key there but undefined: `open` rejects with
// invalid-options. A type cannot refuse it and still take a property pane's two optional
// properties (`string | undefined` each) as they are: `{ listId: undefined, listTitle:
// undefined }` is one of their values. Likewise a title alone or a list id alone,
// undefined: a list picker's optional `listId` alone must compile.
export async function neitherButUndefined(): Promise<void> {
  // @ts-expect-error GAP: listId and listTitle both undefined (refused at runtime, not by the types)
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listId: undefined, listTitle: undefined });
  // @ts-expect-error GAP: listTitle undefined and no listId (refused at runtime, not by the types)
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listTitle: undefined });
  // @ts-expect-error GAP: listId undefined and no listTitle (refused at runtime, not by the types)
  await LiveList.open({ broadcaster: "https://b", siteUrl: "https://s", listId: undefined });
}
