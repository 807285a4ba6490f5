// Checks of handles' lives on the facade test page, run by facade.test.mjs:
// - a LiveList and a Broadcaster that the page opened and then dropped (it kept only the
//   callbacks) go on after garbage collection: an open handle lives until close() or
//   free(), as an open WebSocket with listeners does (tests/scripts/keep-handles.mjs).
//   Chromium runs with --js-flags=--expose-gc (tests/e2e/lib.mjs), so the page can collect;
// - SocketListChanges.start() whose wasm failed to load rejects with code `init` and
//   may be called again;
// - stop() while start() loads the wasm opens nothing (no request, no WebSocket);
// - a handler registered once start() resolved hears the emitSnapshot payload, also when
//   another web part has loaded the list already, and also when the list has no rows.
import { waitFor } from "../e2e/lib.mjs";

/** Runs the checks below with `checks` (tests/e2e/lib.mjs); `openPage()` opens a fresh test page. */
export async function lifecycleChecks(checks, { openPage, base, broadcaster, rest, wasmPath }) {
  const onFreshPage = async (run) => {
    const page = await openPage();
    await run(page).finally(() => page.close());
  };
  await checks.check("a LiveList and a Broadcaster the page dropped (keeping only callbacks) still hear a change after garbage collection", () =>
    onFreshPage((p) => droppedHandlesKeepListening(p, { base, broadcaster, rest })));
  await checks.check("start() whose wasm failed to load rejects with code init, and a second start() loads it and goes live", () =>
    onFreshPage((p) => startRetriesAfterTheWasmFailedToLoad(p, { base, wasmPath })));
  await checks.check("stop() while start() loads the wasm (a web part disposed at once): start() rejects with closed, and no list opens (no request, no WebSocket)", () =>
    onFreshPage((p) => stopWhileTheWasmLoadsOpensNothing(p, base)));
  await checks.check("emitSnapshot on a list another web part has loaded: a handler registered after `await start()` hears every row once", () =>
    onFreshPage((p) => aHandlerAddedAfterStartHearsTheSnapshot(p, { base, rest })));
  await checks.check("emitSnapshot on a list with no rows (a filter nothing matches): one payload with no rows, so the web part knows it loaded", () =>
    onFreshPage((p) => anEmptySnapshotIsEmittedToo(p, base)));
}

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

/**
 * On a fresh page, `start()` then `stop()` at once (SPFx disposing a web part right after
 * its onInit began, e.g. on a quick page navigation): start() rejects with `closed`, and
 * nothing is opened. It used to open the list once the wasm had loaded (a request to
 * SharePoint and a WebSocket to the broadcaster), only to close it again.
 */
export async function stopWhileTheWasmLoadsOpensNothing(page, base) {
  const got = await page.evaluate(async (o) => {
    const opened = { sockets: 0, requests: 0 };
    const NativeWebSocket = window.WebSocket;
    const nativeFetch = window.fetch;
    window.WebSocket = class extends NativeWebSocket {
      constructor(...args) {
        super(...args);
        opened.sockets += 1;
      }
    };
    window.fetch = (url, ...rest) => {
      if (String(url).startsWith(o.siteUrl)) opened.requests += 1; // SharePoint's, not the wasm's
      return nativeFetch(url, ...rest);
    };
    try {
      const socket = new window.t.SocketListChanges({ ...o, eventName: "disposedAtOnce" });
      const started = socket.start().then(() => "resolved", (e) => e.code);
      socket.stop();
      const result = await started;
      await new Promise((r) => setTimeout(r, 500));
      return `start() ${result}; ${opened.requests} SharePoint request(s), ${opened.sockets} WebSocket(s)`;
    } finally {
      window.WebSocket = NativeWebSocket;
      window.fetch = nativeFetch;
    }
  }, base);
  if (got !== "start() closed; 0 SharePoint request(s), 0 WebSocket(s)") throw new Error(got);
}

/**
 * A second web part on a list the first has loaded (one shared feed): its onInit awaits
 * start() and its render then registers the `listChanges` handler, as an SPFx web part
 * does. With `emitSnapshot` that handler gets every row once. The snapshot payload used
 * to be emitted before start() resolved (the loaded feed hands it over in a microtask),
 * to nobody: the web part stayed empty.
 */
export async function aHandlerAddedAfterStartHearsTheSnapshot(page, { base, rest }) {
  const got = await page.evaluate(async (o) => {
    const { SocketListChanges, emitter } = window.t;
    const first = await new SocketListChanges({ ...o, eventName: "firstWebPart" }).start();
    try {
      for (let i = 0; i < 200 && first.list.status !== "live"; i += 1) await new Promise((r) => setTimeout(r, 50));
      const second = await new SocketListChanges({ ...o, eventName: "secondWebPart", emitSnapshot: true }).start();
      const heard = [];
      const off = emitter.on("secondWebPart", (data) => heard.push(JSON.parse(data).AddedItems.map((i) => i.Id).join()));
      await new Promise((r) => setTimeout(r, 500));
      off();
      second.stop();
      return heard;
    } finally {
      first.stop();
    }
  }, base);
  const ids = (await rest.items()).map((i) => i.id).join();
  if (got.length !== 1 || got[0] !== ids) throw new Error(`payloads ${JSON.stringify(got)}, want one with ${ids}`);
}

/**
 * A web part that starts empty and waits for its `emitSnapshot` payload (instead of
 * loading the rows itself) hears it when the list has no rows too: an empty AddedItems.
 * It used to hear nothing, and could not tell an empty list from one still loading.
 */
export async function anEmptySnapshotIsEmittedToo(page, base) {
  const got = await page.evaluate(async (o) => {
    const { SocketListChanges, emitter } = window.t;
    const heard = [];
    const off = emitter.on("emptyView", (data) => heard.push(data));
    const socket = await new SocketListChanges({ ...o, filter: "Title eq 'no item has this title'", eventName: "emptyView", emitSnapshot: true }).start();
    try {
      for (let i = 0; i < 200 && socket.list.status !== "live"; i += 1) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      return { status: socket.list.status, heard };
    } finally {
      off();
      socket.stop();
    }
  }, base);
  const want = JSON.stringify({ AddedItems: [], UpdatedItems: [], DeleteItems: [], ErrorMsg: "" });
  if (got.status !== "live" || got.heard.length !== 1 || got.heard[0] !== want) throw new Error(`status ${got.status}, payloads ${JSON.stringify(got.heard)}`);
}
