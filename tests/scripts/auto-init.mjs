// Lets `LiveList.open` and `Broadcaster.connect` start the wasm themselves when they come
// before `init()`: they then call `init()` with its defaults (the .wasm next to the glue)
// and go on, instead of failing with "Cannot read properties of undefined". A failure to
// load is an Error with code "init". Patches pkg/sp_live.js after wasm-bindgen (run by
// `make pkg`, after strip-comments.mjs); fails if the glue no longer has the expected shape.
//
//   node tests/scripts/auto-init.mjs [pkg-dir]
import fs from "node:fs";
import path from "node:path";

const file = path.join(process.argv[2] ?? "pkg", "sp_live.js");
let glue = fs.readFileSync(file, "utf8");
if (glue.includes("function initForYou(")) process.exit(0); // already patched

const entries = [
  ["static open(options) {", "LiveList.open(options)"],
  ["static connect(url, options) {", "Broadcaster.connect(url, options)"],
];
for (const [head, call] of entries) {
  const at = glue.indexOf(head);
  if (at < 0 || glue.indexOf(head, at + 1) >= 0) {
    console.error(`auto-init.mjs: expected one "${head}" in ${file}`);
    process.exit(1);
  }
  const end = at + head.length;
  glue = `${glue.slice(0, end)}\n        if (wasm === undefined) return initForYou().then(() => ${call});${glue.slice(end)}`;
}
if (!/^async function __wbg_init\(module_or_path\)/m.test(glue) || !/^let wasmModule, wasmInstance, wasm;$/m.test(glue)) {
  console.error(`auto-init.mjs: ${file} has no __wbg_init or wasm binding of the expected shape`);
  process.exit(1);
}
// A second instance must not replace the first: with init() optional, a default load
// started by LiveList.open may finish after the app's own initSync(bytes), and objects
// made on the first instance would then point into the second's memory.
const finalize = "function __wbg_finalize_init(instance, module) {";
if (!glue.includes(finalize)) {
  console.error(`auto-init.mjs: ${file} has no __wbg_finalize_init of the expected shape`);
  process.exit(1);
}
glue = glue.replace(finalize, `${finalize}\n    if (wasm !== undefined) return wasm;`);
glue += `
function initForYou() {
    return __wbg_init().catch((e) => { throw Object.assign(new Error(\`sp-live: init() failed: \${e}\`), { code: "init", cause: e }); });
}
`;
fs.writeFileSync(file, glue);
