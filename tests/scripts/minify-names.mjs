// Shortens the names wasm-bindgen gives the imports and exports between pkg/sp_live.js and
// pkg/sp_live_bg.wasm (`__wbg_Error_208446807d0d1e30`, closure shims named after their full
// Rust types, ...) to `a`, `b`, ... in both files, and the import module names
// (`./sp_live_bg.js`, the snippets' paths) to `0`, `1`, ... in the wasm and as the keys of
// the glue's imports object: ~3 KB less after gzip, no behaviour change. The names are private to the two files; `memory` stays (it is part of the
// exports object `init()` resolves to). Run by `make pkg` after wasm-opt:
//
//   node tests/scripts/minify-names.mjs [pkg-dir]
//
// Every renamed import must appear exactly once as an object key in the glue, and no old
// name may be left in it; anything else stops the build.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PKG = path.resolve(process.argv[2] ?? path.join(ROOT, "pkg"));
const NAME = "sp_live";
const IMPORT_MODULE = `./${NAME}_bg.js`;
const KEEP_EXPORTS = new Set(["memory"]);

const die = (msg) => {
  console.error(`minify-names.mjs: ${msg}`);
  process.exit(1);
};

// ---------- the wasm binary: LEB128, sections, import and export names ----------
function readU32(buf, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

const name = (text) => Buffer.concat([u32(Buffer.byteLength(text)), Buffer.from(text)]);

function readName(buf, at) {
  const [len, start] = readU32(buf, at);
  return [buf.toString("utf8", start, start + len), start + len];
}

/** Skips an import's description (function, table, memory, global or tag). */
function skipImportDesc(buf, at) {
  const kind = buf[at++];
  if (kind === 0x00) return readU32(buf, at)[1]; // type index
  if (kind === 0x01) at += 1; // table: reftype, then limits
  if (kind === 0x01 || kind === 0x02) {
    const flags = buf[at++];
    at = readU32(buf, at)[1];
    if (flags & 1) at = readU32(buf, at)[1];
    return at;
  }
  if (kind === 0x03) return at + 2; // global: valtype, mutability
  if (kind === 0x04) return readU32(buf, at + 1)[1]; // tag: attribute, type index
  die(`unknown import kind ${kind}`);
}

/** `a`, `b`, ... `Z`, `ba`, ...: short, valid identifiers and property names. */
function shortName(n) {
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  let s = "";
  do {
    s += letters[n % letters.length];
    n = Math.floor(n / letters.length);
  } while (n);
  return `$${s}`;
}

const wasmPath = path.join(PKG, `${NAME}_bg.wasm`);
const wasm = fs.readFileSync(wasmPath);
if (wasm.readUInt32LE(0) !== 0x6d736100) die(`${wasmPath} is not a wasm module`);
const imports = new Map(); // old -> new
const exportsMap = new Map();
const modules = new Map(); // import module names ("./sp_live_bg.js", snippets) -> short keys
let counter = 0;
const parts = [wasm.subarray(0, 8)];
for (let at = 8; at < wasm.length; ) {
  const id = wasm[at];
  const [size, start] = readU32(wasm, at + 1);
  let body = wasm.subarray(start, start + size);
  at = start + size;
  if (id === 2 || id === 7) {
    const [count, first] = readU32(body, 0);
    const out = [u32(count)];
    let p = first;
    for (let i = 0; i < count; i++) {
      if (id === 2) {
        const [module, afterModule] = readName(body, p);
        const [field, afterField] = readName(body, afterModule);
        const end = skipImportDesc(body, afterField);
        let renamed = field;
        if (module === IMPORT_MODULE) {
          if (!imports.has(field)) imports.set(field, shortName(counter++));
          renamed = imports.get(field);
        }
        if (!modules.has(module)) modules.set(module, `${modules.size}`);
        out.push(name(modules.get(module)), name(renamed), body.subarray(afterField, end));
        p = end;
      } else {
        const [field, afterField] = readName(body, p);
        const end = readU32(body, afterField + 1)[1];
        let renamed = field;
        if (!KEEP_EXPORTS.has(field)) {
          exportsMap.set(field, shortName(counter++));
          renamed = exportsMap.get(field);
        }
        out.push(name(renamed), body.subarray(afterField, end));
        p = end;
      }
    }
    if (p !== body.length) die(`section ${id} was not read to its end`);
    body = Buffer.concat(out);
  }
  parts.push(Buffer.from([id]), u32(body.length), body);
}

// ---------- the glue and its typings ----------
const escape = (s) => s.replace(/[$]/g, "\\$&");
const gluePath = path.join(PKG, `${NAME}.js`);
let glue = fs.readFileSync(gluePath, "utf8");
for (const [from, to] of imports) {
  const key = new RegExp(`(?<![\\w$])${escape(from)}(?=: function)`, "g");
  const hits = glue.match(key)?.length ?? 0;
  if (hits !== 1) die(`import ${from}: ${hits} definitions in the glue, expected 1`);
  glue = glue.replace(key, to);
}
for (const [from, to] of exportsMap) {
  // `wasm.<name>`, and the JS wrapper of a closure shim, which wasm-bindgen names alike.
  const use = new RegExp(`(?<![\\w$])${escape(from)}(?![\\w$])`, "g");
  if (!use.test(glue) && !from.startsWith("__")) die(`export ${from} is not used by the glue`);
  glue = glue.replace(use, to);
}
// The imports object's keys: `"./sp_live_bg.js": import0,` -> `"0": import0,`.
for (const [from, to] of modules) {
  const key = new RegExp(`(?<=^\\s*)"${escape(from).replace(/[./]/g, "\\$&")}"(?=: import\\d+,?$)`, "gm");
  const hits = glue.match(key)?.length ?? 0;
  // wasm-bindgen gives each function it imports without a shim a namespace import of its
  // own: the same module can have several (identical) keys.
  if (hits < 1) die(`import module ${from}: no key in the glue`);
  glue = glue.replace(key, `"${to}"`);
}
for (const from of [...imports.keys(), ...exportsMap.keys()]) {
  if (new RegExp(`(?<![\\w$])${escape(from)}(?![\\w$])`).test(glue)) die(`${from} is still named in the glue`);
}
const typingsPath = path.join(PKG, `${NAME}.d.ts`);
let typings = fs.readFileSync(typingsPath, "utf8");
for (const [from, to] of exportsMap) {
  typings = typings.replace(new RegExp(`(?<=readonly )${escape(from)}(?=:)`, "g"), to);
}

const before = wasm.length;
const minified = Buffer.concat(parts);
fs.writeFileSync(wasmPath, minified);
fs.writeFileSync(gluePath, glue);
fs.writeFileSync(typingsPath, typings);
// Generated alongside by wasm-bindgen, not shipped (package.json `files`), now stale.
fs.rmSync(path.join(PKG, `${NAME}_bg.wasm.d.ts`), { force: true });
console.log(
  `minify-names: ${imports.size} imports, ${modules.size} import modules and ${exportsMap.size} exports renamed; ` +
    `${NAME}_bg.wasm ${before} -> ${minified.length} bytes`,
);
