// Drops the documentation comments from the JavaScript wasm-bindgen generates into pkg/
// (the glue and its snippets): the same documentation ships in the .d.ts files, and the
// comments are ~1.3 KB of the glue after gzip. Directives stay (`/* @ts-self-types=... */`,
// `/*! ... */`). Comments are found with TypeScript's scanner, so text inside strings is
// never touched, and everything else is kept byte for byte. Template literals are
// followed through their `${...}` parts; a `/` that could start a regular expression
// (which a scanner alone cannot tell from a division) stops the build instead of being
// guessed at: generated glue only divides.
// As a check, TypeScript must print the same program from the file before and after.
// Run by `make pkg` after minify-names.mjs:
//
//   node tests/scripts/strip-comments.mjs [pkg-dir]
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const PKG = path.resolve(process.argv[2] ?? path.join(ROOT, "pkg"));
const ts = createRequire(path.join(ROOT, "tests/tools/package.json"))("typescript");
const K = ts.SyntaxKind;

const die = (msg) => {
  console.error(`strip-comments.mjs: ${msg}`);
  process.exit(1);
};

/** `source` without its comments, directives kept; lines left empty are dropped. */
function stripComments(source, name) {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, source);
  // After these a `/` can only be a division; anywhere else it could start a regular
  // expression, which a scanner alone cannot tell.
  const operand = [
    K.Identifier, K.NumericLiteral, K.StringLiteral, K.CloseParenToken, K.CloseBracketToken,
    K.NoSubstitutionTemplateLiteral, K.TemplateTail,
  ];
  const open = []; // "template" or "brace", innermost last
  let out = "";
  let previous = K.Unknown;
  for (let kind = scanner.scan(); kind !== K.EndOfFileToken; kind = scanner.scan()) {
    if (kind === K.CloseBraceToken && open.at(-1) === "template") {
      kind = scanner.reScanTemplateToken(false); // the `}` of `${...}`: the template goes on
      if (kind === K.TemplateTail) open.pop();
    } else if (kind === K.CloseBraceToken) {
      open.pop();
    } else if (kind === K.OpenBraceToken) {
      open.push("brace");
    } else if (kind === K.TemplateHead) {
      open.push("template");
    }
    const text = scanner.getTokenText();
    if ((kind === K.SlashToken || kind === K.SlashEqualsToken) && !operand.includes(previous)) {
      die(`${name}: a "/" that may start a regular expression; not stripping`);
    }
    const comment = kind === K.SingleLineCommentTrivia || kind === K.MultiLineCommentTrivia;
    if (comment && !/^\/\*[!]|^\/\*\s*@ts-/.test(text)) continue;
    out += text;
    if (!comment && kind !== K.WhitespaceTrivia && kind !== K.NewLineTrivia) previous = kind;
  }
  return out.replace(/^[ \t]+$/gm, "").replace(/\n{2,}/g, "\n");
}

function jsFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsFiles(p) : e.name.endsWith(".js") ? [p] : [];
  });
}

/** The program as TypeScript prints it without comments: equal before and after. */
const program = (source) =>
  ts.transpileModule(source, {
    compilerOptions: { removeComments: true, target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext },
  }).outputText;

for (const file of [path.join(PKG, "sp_live.js"), ...jsFiles(path.join(PKG, "snippets"))]) {
  const before = fs.readFileSync(file, "utf8");
  const after = stripComments(before, path.relative(PKG, file));
  if (program(after) !== program(before)) die(`${path.relative(PKG, file)}: the program changed; not stripping`);
  fs.writeFileSync(file, after);
  console.log(`strip-comments: ${path.relative(PKG, file)} ${before.length} -> ${after.length} bytes`);
}
