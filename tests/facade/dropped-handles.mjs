// A LiveList and a Broadcaster that the page opened and then dropped (it kept only the
// callbacks) go on after garbage collection: an open handle lives until close() or
// free(), as an open WebSocket with listeners does (tests/scripts/keep-handles.mjs).
// Chromium runs with --js-flags=--expose-gc (tests/e2e/lib.mjs), so the page can collect.
import { waitFor } from "../e2e/lib.mjs";

/** Opens both in the page, drops them, collects, edits the list; checks both hear it. */
export async function droppedHandlesKeepListening(page, { base, broadcaster, rest }) {
  const opened = await page.evaluate(async ({ base, broadcaster }) => {
    if (typeof gc !== "function") throw new Error("no gc(): Chromium needs --js-flags=--expose-gc");
    const { sp } = window.t;
    const heard = (window.dropped = { loaded: false, added: [], events: 0 });
    await (async () => {
      const list = await sp.LiveList.open(base);
      list.subscribe((e) => {
        if (e.type === "snapshot") heard.loaded = true;
        if (e.type === "changes") heard.added.push(...e.added.map((i) => i.Title));
      });
    })();
    await (async () => {
      const b = await sp.Broadcaster.connect(broadcaster, {});
      b.on("list:changes", () => (heard.events += 1));
    })();
    return true;
  }, { base, broadcaster });
  if (!opened) throw new Error("not opened");
  await waitFor("the dropped list's snapshot", () => page.evaluate(() => window.dropped.loaded), 8000);
  await page.evaluate(async () => {
    for (let i = 0; i < 6; i += 1) {
      gc();
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  const title = `Dropped handle ${Date.now()}`;
  await rest.add({ Title: title });
  await waitFor("the dropped list hears the new item", () => page.evaluate((t) => window.dropped.added.includes(t), title), 8000);
  await waitFor("the dropped broadcaster hears the webhook", () => page.evaluate(() => window.dropped.events > 0), 8000);
}
