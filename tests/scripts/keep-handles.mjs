// Keeps every open `LiveList` and `Broadcaster` referenced until `close()` or `free()`.
// wasm-bindgen's glue frees an object the page no longer references when the garbage
// collector finalizes it, and freeing one closes it: a list opened in a function that
// kept only its subscription (`(await LiveList.open(o)).subscribe(render)`) stopped at
// some collection, silently. An open handle now lives, like an open WebSocket with
// listeners, until the page closes or frees it; after that the collector frees it as
// before. Patches pkg/sp_live.js after wasm-bindgen (run by `make pkg`, after
// auto-init.mjs); fails if the glue no longer has the expected shape.
//
//   node tests/scripts/keep-handles.mjs [pkg-dir]
import fs from "node:fs";
import path from "node:path";

const file = path.join(process.argv[2] ?? "pkg", "sp_live.js");
let glue = fs.readFileSync(file, "utf8");
if (glue.includes("const openHandles = new Set()")) process.exit(0); // already patched

const fail = (what) => {
  console.error(`keep-handles.mjs: expected ${what} in ${file}`);
  process.exit(1);
};
/** Inserts `line` after each of exactly `count` occurrences of `head`. */
const after = (head, line, count) => {
  const parts = glue.split(head);
  if (parts.length !== count + 1) fail(`${count} of "${head.trim()}"`);
  glue = parts.join(`${head}\n        ${line}`);
};
for (const cls of ["Broadcaster", "LiveList"]) {
  after(`${cls}Finalization.register(obj, obj.__wbg_ptr, obj);`, "openHandles.add(obj);", 1);
  after(`${cls}Finalization.unregister(this);`, "openHandles.delete(this);", 1);
}
// The two classes' own `close()` (no other exported class has one).
after("\n    close() {", "openHandles.delete(this);", 2);
glue += "\nconst openHandles = new Set();\n";
fs.writeFileSync(file, glue);
