// Takes the README screenshot (www/screenshot.png, laptop size) of the demo with random
// edits running. Needs `make pkg` and `cargo build --release -p sp-sim --bin sp-demo`.
//   node tests/e2e/screenshot.mjs [out.png]
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { killAll, launchChromium, sleep, start, stop } from "./lib.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(path.join(ROOT, "tests/tools/package.json"));
const { chromium } = require("playwright-core");
const out = path.resolve(process.argv[2] ?? path.join(ROOT, "www/screenshot.png"));
const PAGE = Number(process.env.E2E_PORT ?? 18080);

process.on("exit", killAll);
const demo = start("sp-demo", path.join(ROOT, "target/release/sp-demo"), [
  "--port", String(PAGE), "--sim-port", String(PAGE + 707), "--broadcaster-port", String(PAGE + 1320),
  "--edits", "--edit-interval-ms", "700",
], { ready: /open http:\/\/\S+/ });
await demo.ready;
const browser = await launchChromium(chromium);
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 820 } });
  await page.goto(`http://127.0.0.1:${PAGE}/`);
  await sleep(9000);
  // Edit a visible row in the page's editor and catch it as the change comes back.
  const row = "#rows tr:nth-child(3)";
  const id = await page.$eval(row, (tr) => tr.dataset.id);
  await page.click(row);
  await page.fill("#f-subject", "Invoice 2291 (paid)");
  await page.click("#b-save");
  await page.waitForSelector(`#rows tr[data-id="${id}"].flash-update`, { timeout: 5000 });
  await sleep(300);
  await page.screenshot({ path: out });
  console.log(`saved ${path.relative(process.cwd(), out)}`);
} finally {
  await browser.close();
  await stop(demo.child);
}
