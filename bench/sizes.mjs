// Sizes: pkg/ (raw, gzip -9, brotli) and the JS stacks sp-live replaces, bundled with esbuild
// and minified (bench/stacks/*.mjs), then gzip -9. `node bench/sizes.mjs` prints them alone.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(HERE, "package.json"));

/** gzip -9 size: the gzip program when there is one (as `make pkg` prints), else zlib level 9. */
function gzip9(buf) {
  try {
    return execFileSync("gzip", ["-9c"], { input: buf, maxBuffer: 64 << 20 }).length;
  } catch {
    return zlib.gzipSync(buf, { level: 9 }).length;
  }
}

const brotli = (buf) =>
  zlib.brotliCompressSync(buf, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
  }).length;

const STACKS = [
  { file: "seed-v2.mjs", label: "seed: socket.io-client 2.0.4 + rx-lite 4.0.8 + moment 2.30.1 + @pnp/sp 2.15.0", issue: 77641 },
  { file: "modern-v4.mjs", label: "modern: socket.io-client 4.8.4 + rxjs 7.8.2 Subject + @pnp/sp 4.9.0", issue: 27704 },
];

/** JavaScript files wasm-bindgen emits besides the glue (`#[wasm_bindgen(module)]` snippets). */
function snippets(root) {
  const out = [];
  const walk = (dir) => {
    if (!fs.existsSync(path.join(root, dir))) return;
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith(".js")) out.push(rel);
    }
  };
  walk("pkg/snippets");
  return out;
}

export async function measureSizes(root) {
  const esbuild = require("esbuild");
  const names = ["pkg/sp_live_bg.wasm", "pkg/sp_live.js", ...snippets(root)];
  const files = [];
  for (const name of names) {
    const buf = fs.readFileSync(path.join(root, name));
    const f = { name, raw: buf.length, gzip: gzip9(buf), brotli: brotli(buf) };
    if (name.endsWith(".js")) {
      // As a bundler ships it: minified (the stacks below are measured the same way).
      const min = Buffer.from((await esbuild.transform(buf.toString(), { minify: true, format: "esm", target: "es2017" })).code);
      f.minGzip = gzip9(min);
    } else {
      f.minGzip = f.gzip;
    }
    files.push(f);
  }
  const total = { raw: 0, gzip: 0, brotli: 0, minGzip: 0 };
  for (const f of files) for (const k of Object.keys(total)) total[k] += f[k];
  const stacks = [];
  for (const s of STACKS) {
    const r = await esbuild.build({
      entryPoints: [path.join(HERE, "stacks", s.file)], bundle: true, minify: true, format: "esm", platform: "browser",
      target: "es2017", write: false, logLevel: "error", legalComments: "none", absWorkingDir: HERE,
    });
    const out = Buffer.from(r.outputFiles[0].contents);
    stacks.push({ ...s, min: out.length, gzip: gzip9(out) });
  }
  // The lower bound `make floor` builds (bench/floor): the cores alone, no browser layer.
  const floorFile = path.join(root, "target/floor/sp_live_floor.min.wasm");
  let floor = null;
  if (fs.existsSync(floorFile)) {
    const buf = fs.readFileSync(floorFile);
    floor = { raw: buf.length, gzip: gzip9(buf), brotli: brotli(buf) };
  }
  return { files, total, stacks, floor };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measureSizes(path.resolve(HERE, "..")), null, 2));
}
