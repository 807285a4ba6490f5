// Finishes the npm package in pkg/ after `wasm-pack build --target web`: package.json
// (name, version and description from Cargo.toml, exports, files, sideEffects, ...),
// README.md from tests/scripts/pkg-readme.md, and the JS facades in src/js/ (if any),
// exported as `sp-live/<name>` (src/js/seed.js -> `sp-live/seed`).
//
//   node tests/scripts/package.mjs [pkg-dir]        (run by `make pkg`)
//
// `sideEffects` is checked, not assumed: every module of the package is imported in a
// fresh Node process (without initialising the wasm) and must leave globalThis as it
// found it; files that do not (or cannot be imported outside a browser) are listed.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PKG = path.resolve(process.argv[2] ?? path.join(ROOT, "pkg"));
const NAME = "sp_live";

const die = (msg) => {
  console.error(`package.mjs: ${msg}`);
  process.exit(1);
};

// ---------- Cargo.toml ([package] of the root crate) ----------
function cargoPackage() {
  const text = fs.readFileSync(path.join(ROOT, "Cargo.toml"), "utf8");
  const section = text.split(/^\[/m).find((s) => s.startsWith("package]"));
  const workspace = text.split(/^\[/m).find((s) => s.startsWith("workspace.package]")) ?? "";
  const field = (src, key) => src.match(new RegExp(`^${key}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`, "m"))?.[1];
  const get = (key) => field(section, key) ?? (new RegExp(`^${key}\\.workspace\\s*=\\s*true`, "m").test(section) ? field(workspace, key) : undefined);
  return { name: get("name"), version: get("version"), description: get("description"), license: get("license") };
}

const cargo = cargoPackage();
if (!cargo.version) die("no version in Cargo.toml");
for (const f of [`${NAME}.js`, `${NAME}.d.ts`, `${NAME}_bg.wasm`]) {
  if (!fs.existsSync(path.join(PKG, f))) die(`${PKG}/${f} missing: run wasm-pack build --target web first`);
}
const glue = fs.readFileSync(path.join(PKG, `${NAME}.js`), "utf8");
if (!glue.includes("import.meta.url")) die(`${NAME}.js does not look like wasm-bindgen --target web output`);

// ---------- JS facades from src/js ----------
const jsDir = path.join(ROOT, "src/js");
const facades = []; // ["seed", ...]
if (fs.existsSync(jsDir)) {
  for (const f of fs.readdirSync(jsDir).sort()) {
    if (!/\.(js|d\.ts)$/.test(f)) continue;
    if (f === `${NAME}.js` || f === `${NAME}.d.ts`) die(`src/js/${f} would overwrite the wasm-bindgen glue`);
    fs.copyFileSync(path.join(jsDir, f), path.join(PKG, f));
    if (f.endsWith(".js")) facades.push(f.slice(0, -3));
  }
}
// Facades copied by an earlier run whose source is gone now.
for (const f of fs.readdirSync(PKG)) {
  const m = f.match(/^(.*)\.(js|d\.ts)$/);
  if (!m || m[1] === NAME || m[1] === `${NAME}_bg.wasm` || fs.existsSync(path.join(jsDir, f))) continue;
  fs.rmSync(path.join(PKG, f));
}

// ---------- sideEffects ----------
// wasm-bindgen's snippets (`#[wasm_bindgen(module = ...)]` files) are checked like the rest.
const snippetFiles = (dir) =>
  fs.existsSync(path.join(PKG, dir))
    ? fs.readdirSync(path.join(PKG, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? snippetFiles(`${dir}/${e.name}`) : e.name.endsWith(".js") ? [`${dir}/${e.name}`] : [],
      )
    : [];
const modules = [`${NAME}.js`, ...facades.map((f) => `${f}.js`), ...snippetFiles("snippets")];
// Peer dependencies of the facades (sp-live/react imports React): the web part's own
// copy is used. The probe below resolves them to an empty module, so that importing a
// facade checks the facade, not whether React happens to be installed here.
const PEERS = { react: ">=16.8.0" };
const peerStub = `data:text/javascript,${encodeURIComponent(`
  const peers = ${JSON.stringify(Object.keys(PEERS))};
  export async function resolve(specifier, context, next) {
    if (peers.includes(specifier)) return { url: "data:text/javascript,export{}", shortCircuit: true };
    return next(specifier, context);
  }`)}`;
function sideEffectFree(file) {
  const probe = `
    (await import("node:module")).register(${JSON.stringify(peerStub)});
    const before = new Set(Reflect.ownKeys(globalThis).map(String));
    await import(${JSON.stringify(pathToFileURL(path.join(PKG, file)).href)});
    const added = Reflect.ownKeys(globalThis).map(String).filter((k) => !before.has(k));
    if (added.length) { console.log(added.join(",")); process.exit(3); }`;
  try {
    execFileSync(process.execPath, ["--input-type=module", "-e", probe], { stdio: "pipe" });
    return true;
  } catch (e) {
    console.warn(`package.mjs: ${file} is not side-effect free at import (${String(e.stdout || e.stderr).trim().split("\n")[0]}): listed in sideEffects`);
    return false;
  }
}
const impure = modules.filter((f) => !sideEffectFree(f)).map((f) => `./${f}`);

// ---------- package.json ----------
const exports = {
  ".": { types: `./${NAME}.d.ts`, default: `./${NAME}.js` },
};
for (const f of facades) {
  const types = fs.existsSync(path.join(PKG, `${f}.d.ts`)) ? { types: `./${f}.d.ts` } : {};
  exports[`./${f}`] = { ...types, default: `./${f}.js` };
}
exports[`./${NAME}_bg.wasm`] = `./${NAME}_bg.wasm`;
exports["./package.json"] = "./package.json";

const files = [`${NAME}.js`, `${NAME}.d.ts`, `${NAME}_bg.wasm`]; // not sp_live_bg.wasm.d.ts (wasm-pack leaves it out too)
for (const f of facades) {
  files.push(`${f}.js`);
  if (fs.existsSync(path.join(PKG, `${f}.d.ts`))) files.push(`${f}.d.ts`);
}
if (fs.existsSync(path.join(PKG, "snippets"))) files.push("snippets/");
files.push("README.md");

const pkgJson = {
  name: "sp-live",
  version: cargo.version,
  description: cargo.description,
  license: cargo.license,
  type: "module",
  main: `./${NAME}.js`,
  module: `./${NAME}.js`,
  types: `./${NAME}.d.ts`,
  exports,
  files,
  peerDependencies: PEERS,
  peerDependenciesMeta: Object.fromEntries(Object.keys(PEERS).map((p) => [p, { optional: true }])),
  sideEffects: impure.length ? impure : false,
  keywords: ["sharepoint", "spfx", "sharepoint-online", "webhooks", "live", "realtime", "socket.io", "websocket", "webassembly", "wasm"],
};

// ---------- README ----------
const template = fs.readFileSync(path.join(ROOT, "tests/scripts/pkg-readme.md"), "utf8");
const readme = template
  .replaceAll("{{version}}", cargo.version)
  .replaceAll("{{description}}", cargo.description ?? "")
  .replaceAll("{{facades}}", facades.length ? facades.map((f) => `\`sp-live/${f}\``).join(", ") : "none");

const write = (file, text) => {
  const p = path.join(PKG, file);
  if (!fs.existsSync(p) || fs.readFileSync(p, "utf8") !== text) fs.writeFileSync(p, text);
};
write("package.json", `${JSON.stringify(pkgJson, null, 2)}\n`);
write("README.md", readme);

// Every file listed must exist (a typo here would ship a broken package).
for (const f of files) if (!fs.existsSync(path.join(PKG, f))) die(`files lists ${f}, which is not in ${PKG}`);
console.log(
  `pkg/package.json: sp-live@${cargo.version}, exports ${Object.keys(exports).join(" ")}, sideEffects ${JSON.stringify(pkgJson.sideEffects)}`,
);
