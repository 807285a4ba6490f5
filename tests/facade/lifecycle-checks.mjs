// Checks of handles' lives on the facade test page, run by facade.test.mjs:
// - a LiveList and a Broadcaster that the page opened and then dropped (it kept only the
//   callbacks) go on after garbage collection: an open handle lives until close() or
//   free(), as an open WebSocket with listeners does (tests/scripts/keep-handles.mjs).
//   Chromium runs with --js-flags=--expose-gc (tests/e2e/lib.mjs), so the page can collect;
// - SocketListChanges.start() whose wasm failed to load rejects with code `init` and
//   may be called again.
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

/** On `page` (fresh: no wasm loaded yet), the wasm at /flaky/ fails once (404), then loads. */
export async function startRetriesAfterTheWasmFailedToLoad(page, { base, wasmPath }) {
  let served = 0;
  await page.route("**/flaky/sp_live_bg.wasm", (route) => {
    served += 1;
    if (served === 1) return route.fulfill({ status: 404, body: "not here" });
    return route.fulfill({ status: 200, contentType: "application/wasm", path: wasmPath });
  });
  const result = await page.evaluate(async (o) => {
    const { SocketListChanges } = window.t;
    const socket = new SocketListChanges({ ...o, wasm: "/flaky/sp_live_bg.wasm", eventName: "flaky" });
    const out = {};
    await socket.start().catch((e) => (out.first = e.code));
    await socket.start().then(() => (out.second = "started"), (e) => (out.second = e.code));
    for (let i = 0; i < 100 && socket.list && socket.list.status !== "live"; i += 1) await new Promise((r) => setTimeout(r, 50));
    out.status = socket.list && socket.list.status;
    socket.stop();
    return out;
  }, base);
  if (result.first !== "init" || result.second !== "started" || result.status !== "live") {
    throw new Error(`first start ${result.first}, second ${result.second}, status ${result.status} (served ${served})`);
  }
}
