// The typings check (make test-types): tsc --noEmit on a typed consumer of sp-live,
// sp-live/seed, sp-live/react and sp-live/checkpoint (tests/types/consumer*.ts, split by theme and
// compiled together in every run) against pkg/*.d.ts, under a strict and an SPFx-like configuration,
// plus a scan for `any` in the public declarations and README.md's examples compiled as written.
// Known imprecisions (gaps.ts, older lib targets) are listed as "gap" lines and do not fail. Ends
// with "N passed, M failed".
//
//   node tests/types/check.mjs      (after `make pkg`)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const TSC = path.join(ROOT, "tests/tools/node_modules/typescript/bin/tsc");
const PKG = path.join(ROOT, "pkg");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sp-live-types-"));
// The typed consumer, split by theme: consumer.ts first, then every consumer-*.ts.
const CONSUMERS = fs.readdirSync(HERE).filter((f) => /^consumer(-[\w-]+)?\.ts$/.test(f))
  .sort((a, b) => (a === "consumer.ts" ? -1 : b === "consumer.ts" ? 1 : a.localeCompare(b)));
const CONSUMER = `consumer*.ts (${CONSUMERS.length} files)`;

let passed = 0;
let failed = 0;
let n = 0;
const ok = (name, detail) => (passed++, console.log(`ok ${++n} - ${name}${detail ? ` (${detail})` : ""}`));
const notOk = (name, why) => (failed++, console.log(`not ok ${++n} - ${name}\n${why.replace(/^/gm, "    ")}`));
const gap = (text) => console.log(`# gap: ${text}`);

/** Runs tsc with tests/types/tsconfig.json overridden by `options` on `files`. */
function tsc(files, options = {}) {
  const config = path.join(tmp, `tsconfig-${n}-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(config, JSON.stringify({
    extends: path.join(HERE, "tsconfig.json"),
    compilerOptions: options,
    files: files.map((f) => path.join(HERE, f)),
  }));
  const r = spawnSync(process.execPath, [TSC, "-p", config, "--pretty", "false"], { encoding: "utf8" });
  const out = `${r.stdout}${r.stderr}`.trim();
  const errors = out.split("\n").filter((l) => /error TS\d+/.test(l));
  return { code: r.status, out, errors };
}

for (const f of ["sp_live.d.ts", "seed.d.ts", "seed.js", "react.d.ts", "react.js", "checkpoint.d.ts", "checkpoint.js", "sp_live.js"]) {
  if (!fs.existsSync(path.join(PKG, f))) {
    notOk(`pkg/${f} exists`, "run `make pkg` and copy src/js/seed.* into pkg/ (make test-types does both)");
  }
}

// tsconfig.json's own "files" (for an editor, or tsc -p tests/types) lists the same consumers.
const listed = JSON.parse(fs.readFileSync(path.join(HERE, "tsconfig.json"), "utf8")).files ?? [];
if (CONSUMERS[0] !== "consumer.ts" || listed.join() !== CONSUMERS.join()) {
  notOk("tests/types/tsconfig.json lists every consumer*.ts", `files: ${JSON.stringify(listed)}; on disk: ${JSON.stringify(CONSUMERS)}`);
}

// 1. The consumer compiles under a strict configuration; every @ts-expect-error is used.
const strict = tsc(CONSUMERS);
const expects = CONSUMERS.reduce((sum, f) => sum + (fs.readFileSync(path.join(HERE, f), "utf8").match(/@ts-expect-error/g) ?? []).length, 0);
if (strict.code === 0) ok(`${CONSUMER} compile (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess)`, `${expects} misuse lines refused`);
else notOk(`${CONSUMER} compile (strict)`, strict.out);

// 2. The same under an SPFx-like configuration (ES2017 + DOM, no exact optionals, skipLibCheck).
const spfx = tsc(CONSUMERS, {
  target: "ES2017",
  lib: ["ES2017", "DOM"],
  exactOptionalPropertyTypes: false,
  noUncheckedIndexedAccess: false,
  skipLibCheck: true,
});
if (spfx.code === 0) ok(`${CONSUMER} compile (SPFx-like: ES2017 + DOM, skipLibCheck)`);
else notOk(`${CONSUMER} compile (SPFx-like)`, spfx.out);

// 3. The declarations themselves on an older lib without skipLibCheck: known gap today.
const oldLib = tsc(CONSUMERS, { target: "ES2020", lib: ["ES2020", "DOM"] });
if (oldLib.code === 0) ok("pkg/*.d.ts check without skipLibCheck on lib ES2020 + DOM");
else if (oldLib.errors.every((l) => /Property 'dispose' does not exist on type 'SymbolConstructor'/.test(l))) {
  for (const l of oldLib.errors) gap(`${l.replace(/^.*pkg\//, "pkg/")} ([Symbol.dispose] needs lib esnext.disposable; breaks consumers without skipLibCheck)`);
} else notOk("pkg/*.d.ts check without skipLibCheck on lib ES2020 + DOM", oldLib.out);

// 4. No `any` in the public declarations (wasm-bindgen's InitOutput internals aside).
const anyLines = [];
for (const f of ["sp_live.d.ts", "seed.d.ts", "react.d.ts", "checkpoint.d.ts"]) {
  const file = path.join(PKG, f);
  if (!fs.existsSync(file)) continue;
  let text = fs.readFileSync(file, "utf8");
  const internals = text.indexOf("export interface InitOutput");
  if (internals >= 0) {
    const end = text.indexOf("\n}", internals);
    const internal = text.slice(internals, end);
    if (/\bany\b/.test(internal)) gap(`pkg/${f}: wasm-bindgen's InitOutput (the return type of init()) has \`any\` in its raw export signatures`);
    text = text.slice(0, internals) + text.slice(end);
  }
  text.split("\n").forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, "").replace(/\/\*.*?\*\//g, "").replace(/^\s*\*.*$/, "");
    if (/\bany\b/.test(code)) anyLines.push(`pkg/${f}:${i + 1}: ${line.trim()}`);
  });
}
if (anyLines.length === 0) ok("no `any` in the public declarations of pkg/sp_live.d.ts, pkg/seed.d.ts, pkg/react.d.ts and pkg/checkpoint.d.ts");
else notOk("no `any` in the public declarations", anyLines.join("\n"));

// 5. The same consumer (every consumer*.ts) resolving "sp-live" and its subpaths (seed, react, checkpoint) through
// pkg/package.json as an installed package (node_modules/sp-live -> pkg): with bundler
// resolution (its `exports`), and with "node" resolution, which ignores `exports` and is
// what SPFx's build rig uses (subpaths resolve to the files at the package's root).
for (const [resolution, how] of [["Bundler", "package.json exports \".\", \"./seed\", \"./react\" and \"./checkpoint\""], ["node", "moduleResolution node, as SPFx's build rig"]]) {
  const dir = path.join(tmp, `installed-${resolution}`);
  fs.mkdirSync(path.join(dir, "node_modules"), { recursive: true });
  fs.symlinkSync(PKG, path.join(dir, "node_modules", "sp-live"), "dir");
  for (const f of CONSUMERS) fs.copyFileSync(path.join(HERE, f), path.join(dir, f));
  const own = JSON.parse(fs.readFileSync(path.join(HERE, "tsconfig.json"), "utf8")).compilerOptions;
  delete own.paths;
  delete own.baseUrl;
  own.moduleResolution = resolution;
  fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: own, files: CONSUMERS }));
  const r = spawnSync(process.execPath, [TSC, "-p", path.join(dir, "tsconfig.json"), "--pretty", "false"], { encoding: "utf8" });
  if (r.status === 0) ok(`${CONSUMER} compile against pkg as an installed package (${how})`);
  else notOk(`${CONSUMER} compile against pkg as an installed package (${how})`, `${r.stdout}${r.stderr}`.trim());
}

// 6. README.md's examples compile as written against pkg/*.d.ts (strict, as in 1.): each
// is found by its first line, given what it takes from the text around it (a prelude),
// and compiled with readme-stubs.d.ts (the bits of SPFx and React they use). The SPFx web
// part is checked without noImplicitOverride, which SPFx's own tsconfig does not set.
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const blocks = [...readme.matchAll(/^```(js|ts|tsx)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1], code: m[2] }));
const helpers = `declare function render(items: unknown[]): void;
declare function apply(diffs: unknown[]): void;
declare function badge(status: string): void;
declare function progress(loaded: number, total: number | null): void;
`;
const optionsPrelude = `import { LiveList, type LiveListOptions } from "sp-live";
declare const options: LiveListOptions;
`;
const examples = [
  ["Using it", 'import init, { LiveList } from "sp-live";', helpers, {}],
  ["a checkpoint across page loads", 'import { keepCheckpoint, readCheckpoint } from "sp-live/checkpoint";\nconst KEY',
    `${optionsPrelude}declare const userLogin: string;\n`, {}],
  ["the raw broadcaster connection", 'import { Broadcaster } from "sp-live";', "", {}],
  ["an `auth` function", "// SPFx: this.context.aadTokenProviderFactory", `${optionsPrelude}declare const provider: { getToken(resource: string): Promise<string> };\n`, {}],
  ["the complete SPFx web part", 'import { BaseClientSideWebPart } from "@microsoft/sp-webpart-base";', "", { noImplicitOverride: false }],
  ["the React web part", 'import * as React from "react";', "", { jsx: "react" }],
];
for (const [name, first, prelude, options] of examples) {
  const found = blocks.filter((b) => b.code.startsWith(first));
  if (found.length !== 1) {
    notOk(`README.md's example "${name}" compiles`, `${found.length} code blocks start with ${JSON.stringify(first)}: update tests/types/check.mjs`);
    continue;
  }
  const file = path.join(tmp, `readme-${n}.${found[0].lang === "tsx" ? "tsx" : "ts"}`);
  fs.writeFileSync(file, `${prelude}${found[0].code}export {};\n`);
  const r = tsc(["readme-stubs.d.ts", path.relative(HERE, file)], options);
  if (r.code === 0) ok(`README.md's example "${name}" compiles (strict)`);
  else notOk(`README.md's example "${name}" compiles (strict)`, r.out);
}

// 7. Known gaps (gaps.ts): listed, not failed; a closed one is pointed out.
const gapsFile = fs.readFileSync(path.join(HERE, "gaps.ts"), "utf8").split("\n");
const gapRun = tsc(["gaps.ts"]);
const errorsAt = new Map();
for (const l of gapRun.errors) {
  const m = l.match(/gaps\.ts\((\d+),\d+\): error (TS\d+)/);
  if (m) errorsAt.set(Number(m[1]), [...(errorsAt.get(Number(m[1])) ?? []), m[2]]);
}
const other = gapRun.errors.filter((l) => !/gaps\.ts\(\d+,\d+\): error TS2578/.test(l) && !/gaps\.ts/.test(l));
gapsFile.forEach((line, i) => {
  const m = line.match(/^\s*\/\/ @ts-expect-error (GAP(?:\(should compile\))?): (.*)$/);
  if (!m) return;
  const unused = (errorsAt.get(i + 1) ?? []).includes("TS2578");
  const open = m[1] === "GAP" ? unused : !unused;
  if (open) gap(`tests/types/gaps.ts:${i + 1}: ${m[2]}`);
  else console.log(`# gap closed (move it to a consumer*.ts): tests/types/gaps.ts:${i + 1}: ${m[2]}`);
});
if (other.length) notOk("gaps.ts: no unexpected errors", other.join("\n"));

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
