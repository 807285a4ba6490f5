// A consumer check of run.mjs: two copies of sp-live on one page, as two SPFx web part
// bundles (or solutions) are, must share one WebSocket and one feed.
import { waitFor } from "../e2e/lib.mjs";

/** Sockets connected to the consumers' sp-broadcaster. */
async function broadcasterSockets({ BROADCASTER, json }) {
  const health = await json(`${BROADCASTER}/health`);
  return health.sockets?.total ?? health.sockets;
}

/**
 * The SPFx 1.22 harness with `copies=2`: the bundle's factory runs twice, so the page
 * holds two copies of sp-live (two wasm instances), as with two web part bundles.
 */
export async function twoCopies(browser, listId, ctx) {
  const { SIM, SITE, BROADCASTER, PAGE_PORT, CHANGE_MS, json, post, logFile } = ctx;
  await waitFor("the earlier pages' sockets close", async () => (await broadcasterSockets(ctx)) === 0, 10000);
  const q = new URLSearchParams({ site: SITE, list: listId, broadcaster: BROADCASTER, copies: "2" });
  const page = await browser.newPage();
  page.on("console", (m) => logFile.write(`[two copies ${m.type()}] ${m.text()}\n`));
  page.on("pageerror", (e) => logFile.write(`[two copies pageerror] ${e.message}\n`));
  const copies = () => page.evaluate(() => window.__copies ?? null);
  try {
    await post(`${SIM}/_admin/counters/reset`, {});
    await page.goto(`http://127.0.0.1:${PAGE_PORT}/spfx/index.html?${q}`);
    await waitFor("two copies live", async () => {
      const c = await copies();
      const error = c?.find((s) => s.error)?.error;
      if (error) throw new Error(error);
      return c?.length === 2 && c.every((s) => s.status === "live");
    }, 20000);
    // One socket (the second copy joined the first's connection) and one feed (it opened
    // its list in the first copy, which hosts the page's lists): one load of the list.
    const sockets = await broadcasterSockets(ctx);
    const loads = (await json(`${SIM}/_admin/counters`)).list;
    const ports = await page.evaluate(() => [...(globalThis[Symbol.for("sp-live.ports.1")]?.keys() ?? [])].length);
    if (sockets !== 1 || loads !== 1 || ports !== 2) throw new Error(`${sockets} sockets, ${loads} loads of the list, ${ports} published ports (want 1, 1 and 2: the connection and the lists' host)`);
    const title = `added for two copies ${Date.now()}`;
    await post(`${SIM}/_admin/lists/${listId}/items`, { Title: title });
    await waitFor("both copies show the item", async () => (await copies()).every((s) => s.titles.includes(title)), CHANGE_MS);
    return "1 WebSocket and 1 feed for both copies, both show the change";
  } finally {
    await page.close().catch(() => {});
  }
}
