// Known imprecisions of pkg/sp_live.d.ts (from the TypeScript sections in src/web/*.rs).
// `// @ts-expect-error GAP: ...` marks misuse that SHOULD fail to compile but does not
// yet (tsc: unused directive); `GAP(should compile): ...` marks correct code that is
// refused today. check.mjs lists open gaps as "gap" lines without failing the suite and
// says when one closes (then move the line to consumer.ts as a check).
// No open gaps: keep this file (check.mjs compiles it) and add new ones here.
export {};
