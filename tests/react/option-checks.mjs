// Checks of how useLiveList treats changing options, run by react.test.mjs on its page:
// a fetch or token that arrives after the first render is used (also a valid token after
// one of the wrong type), a token that rotates,
// an inline `auth` function (the latest render's is asked), a new `wasm` and options
// written in another order do not reopen the list, the render right after an options change
// shows the new list opening (not the old rows), and with IndexedDB a hidden page's
// write starts at once (an unloading page runs no later task); sp-live/checkpoint leaves
// most of sessionStorage to the page and does not retry what it refused, gives up on an
// IndexedDB that never opens, and writes through a fresh connection when its held one was
// closed; a list opened and then refused (a bad `storage`) is closed.

import { waitFor } from "../e2e/lib.mjs";

/**
 * `ctx`: { page, checks, base, listId, rest, showsServerRows, waitStatus, expect }.
 */
export async function optionChecks({ page, checks, base, listId, rest, showsServerRows, waitStatus, expect }) {
  const lists = () => page.evaluate(() => window.t.lists.length);
  const options = { ...base, listId };

  await checks.check("a fetch given after the first render (e.g. once the web part has its client) reopens the list once and serves its requests", async () => {
    await page.evaluate((o) => window.t.render(o), options);
    await waitStatus(page, "live");
    const before = await lists();
    await page.evaluate(() => (window.t.fetchTags = []));
    await page.evaluate((o) => window.t.render(o, { fetchTag: "late" }), options);
    await waitStatus(page, "live");
    await rest.update((await rest.items())[0].id, { Title: "seen through the late fetch" });
    await showsServerRows(page, rest);
    const { after, tags } = await page.evaluate(() => ({ after: window.t.lists.length, tags: window.t.fetchTags.slice() }));
    expect(tags.includes("late"), `requests through the late fetch: ${tags}`);
    expect(after === before + 1, `${after - before} lists opened`);
    await page.evaluate((o) => window.t.render(o, { fetchTag: "late2" }), options);
    expect((await lists()) === after, "a new fetch closure reopened the list");
  });

  await checks.check("an accessToken string that rotates keeps the list, and requests carry the latest token", async () => {
    await page.evaluate(() => {
      // Every Authorization header sent (sp-live calls the page's fetch without a `fetch` option).
      window.t.tokens = [];
      const nativeFetch = globalThis.fetch;
      globalThis.fetch = (url, init) => {
        const header = init && init.headers && (init.headers.Authorization || init.headers.authorization);
        if (header) window.t.tokens.push(header);
        return nativeFetch(url, init);
      };
    });
    await page.evaluate((o) => window.t.render({ ...o, accessToken: "token-1" }), options);
    await waitStatus(page, "live");
    const before = await lists();
    await page.evaluate((o) => window.t.render({ ...o, accessToken: "token-2" }), options);
    await rest.update((await rest.items())[0].id, { Title: "seen with token 2" });
    await showsServerRows(page, rest);
    const { after, tokens } = await page.evaluate(() => ({ after: window.t.lists.length, tokens: window.t.tokens.slice() }));
    expect(after === before, `the list reopened (${after - before})`);
    expect(tokens.at(-1) === "Bearer token-2", `last Authorization ${tokens.at(-1)}`);
    // A function (e.g. MSAL's acquireToken), then a string again: the latest is used.
    await page.evaluate((o) => window.t.render({ ...o, accessToken: () => Promise.resolve("token-3") }), options);
    await rest.update((await rest.items())[0].id, { Title: "seen with token 3" });
    await showsServerRows(page, rest);
    await page.evaluate((o) => window.t.render({ ...o, accessToken: "token-4" }), options);
    await rest.update((await rest.items())[0].id, { Title: "seen with token 4" });
    await showsServerRows(page, rest);
    const last = await page.evaluate(() => ({ lists: window.t.lists.length, tokens: window.t.tokens.slice(-2) }));
    expect(last.lists === before, `the list reopened (${last.lists - before})`);
    expect(last.tokens.at(-1) === "Bearer token-4", `last Authorization ${last.tokens}`);
    // Opened with a function, then given a string.
    const fields = { ...options, select: ["Title", "Modified"] };
    await page.evaluate((o) => window.t.render({ ...o, accessToken: () => "token-5" }), fields);
    await waitStatus(page, "live");
    const opened = await lists();
    await page.evaluate((o) => window.t.render({ ...o, accessToken: "token-6" }), fields);
    await rest.update((await rest.items())[0].id, { Title: "seen with token 6" });
    await showsServerRows(page, rest);
    const final = await page.evaluate(() => ({ lists: window.t.lists.length, token: window.t.tokens.at(-1) }));
    expect(final.lists === opened, "reopened for a string after a function");
    expect(final.token === "Bearer token-6", `last Authorization ${final.token}`);
    return `${tokens.length} requests with a token`;
  });

  await checks.check("an accessToken that is no string or function shows invalid-options, and a string in the next render opens the list", async () => {
    await page.evaluate(() => window.t.unmount());
    await page.evaluate((o) => window.t.render({ ...o, accessToken: 42 }), options);
    await waitStatus(page, "closed");
    const error = await page.evaluate(() => window.t.text("root", "error"));
    expect(error.startsWith("invalid-options: "), `error ${error}`);
    await page.evaluate((o) => window.t.render({ ...o, accessToken: "token-7" }), options);
    await waitStatus(page, "live");
    return error;
  });

  await checks.check("an inline auth function keeps the list, and a reconnection asks the latest render's", async () => {
    await page.evaluate(() => {
      // The page's WebSockets from now on, to drop the link.
      window.t.sockets = [];
      window.t.asked = [];
      window.t.NativeWebSocket = window.t.NativeWebSocket || globalThis.WebSocket;
      globalThis.WebSocket = class extends window.t.NativeWebSocket {
        constructor(...args) {
          super(...args);
          window.t.sockets.push(this);
        }
      };
    });
    const render = (who) => page.evaluate(([o, who]) => window.t.render({
      ...o,
      auth: (cb) => {
        window.t.asked.push(who);
        cb({ client: who });
      },
    }), [options, who]);
    try {
      await render("first");
      await waitStatus(page, "live");
      const before = await lists();
      await render("second");
      await page.evaluate(() => window.t.sockets.forEach((ws) => ws.close()));
      await waitFor("the second render's function asked", async () =>
        (await page.evaluate(() => window.t.asked.slice())).includes("second"), 10000);
      await waitStatus(page, "live");
      const { after, asked } = await page.evaluate(() => ({ after: window.t.lists.length, asked: window.t.asked.slice() }));
      expect(after === before, `the list reopened (${after - before})`);
      expect(asked[0] === "first" && !asked.slice(asked.indexOf("second")).includes("first"), `asked ${asked}`);
      return `asked ${asked.join(", ")}`;
    } finally {
      await page.evaluate(() => (globalThis.WebSocket = window.t.NativeWebSocket));
    }
  });

  await checks.check("another wasm location does not reopen the list (init() uses the first)", async () => {
    await page.evaluate((o) => window.t.render({ ...o, wasm: "/pkg/sp_live_bg.wasm?one" }), options);
    await waitStatus(page, "live");
    const before = await lists();
    await page.evaluate((o) => window.t.render({ ...o, wasm: "/pkg/sp_live_bg.wasm?two" }), options);
    await new Promise((r) => setTimeout(r, 300));
    expect((await lists()) === before, "reopened");
  });

  await checks.check("the same options written in another order (the object's keys, a nested object's) keep the list", async () => {
    const auth = { token: "t", user: "u" };
    await page.evaluate((o) => window.t.render(o), { ...options, auth });
    await waitStatus(page, "live");
    const before = await lists();
    // As a web part that builds its options in another place, or spreads them the other way round.
    const reordered = Object.fromEntries(Object.entries({ ...options, auth: { user: "u", token: "t" } }).reverse());
    await page.evaluate((o) => window.t.render(o), reordered);
    await new Promise((r) => setTimeout(r, 300));
    const after = await lists();
    expect(after === before, `the list reopened (${after - before}) for ${JSON.stringify(Object.keys(reordered))}`);
    expect((await page.evaluate(() => window.t.text("root", "status"))) === "live", "not live");
  });

  await checks.check("the render right after an options change shows the new list opening, not the old list's rows", async () => {
    await page.evaluate((o) => window.t.render(o), options);
    await waitStatus(page, "live");
    await showsServerRows(page, rest);
    const first = await page.evaluate((o) => {
      window.t.render({ ...o, select: ["Title", "Modified"] }); // React 17: renders now
      const { status, items, list } = window.t.last.root;
      return { status, items: items.length, list: list === null };
    }, options);
    expect(first.status === "connecting" && first.items === 0 && first.list, `first render ${JSON.stringify(first)}`);
    await waitStatus(page, "live");
    await showsServerRows(page, rest);
  });

  await checks.check("a second grid on a list the first has loaded never renders it live without its rows", async () => {
    await page.evaluate((o) => window.t.render(o), options);
    await waitStatus(page, "live");
    const n = await showsServerRows(page, rest);
    await page.evaluate(() => (window.t.views.length = 0));
    await page.evaluate((o) => window.t.render(o, { id: "second" }), options);
    await waitStatus(page, "live", "second");
    await showsServerRows(page, rest, "second");
    const views = await page.evaluate(() => window.t.views.filter((v) => v.id === "second").map((v) => `${v.status}:${v.rows}`));
    await page.evaluate(() => window.t.unmount("second"));
    expect(!views.includes("live:0"), `the second grid rendered ${views.join(", ")} (the list has ${n} rows)`);
    return views.join(", ");
  });

  await checks.check("storage \"indexedDB\": a hidden page's write starts its transaction at once", async () => {
    await page.evaluate((o) => window.t.render({ ...o, storageKey: "sp-live-idb-hide", storage: "indexedDB" }), options);
    await waitStatus(page, "live");
    await showsServerRows(page, rest);
    await rest.update((await rest.items())[0].id, { Title: "kept when hidden" });
    await showsServerRows(page, rest);
    await new Promise((r) => setTimeout(r, 100)); // the held connection opens
    const started = await page.evaluate(() => {
      const proto = IDBDatabase.prototype;
      const transaction = proto.transaction;
      let count = 0;
      proto.transaction = function (...args) {
        count += 1;
        return transaction.apply(this, args);
      };
      window.dispatchEvent(new Event("pagehide"));
      proto.transaction = transaction;
      return count; // in the same task as the event
    });
    expect(started === 1, `${started} transactions started during pagehide`);
    const kept = await page.evaluate(() =>
      import("/pkg/checkpoint.js").then((m) => m.readCheckpoint("sp-live-idb-hide", { storage: "indexedDB" })));
    const titles = kept ? kept.items.map((i) => i.Title) : [];
    expect(titles.includes("kept when hidden"), `kept ${JSON.stringify(titles)}`);
    await page.evaluate(() => window.t.unmount());
  });

  await checks.check("a `resume` with a bad `storage`: invalid-options, and the list it opened is closed (no socket left)", async () => {
    await page.evaluate(() => window.t.unmount());
    await waitFor("no socket open", () => page.evaluate(() => window.t.openSockets() === 0), 5000);
    const resume = { version: 1, key: "another list", token: "1;3;x;1;1", items: [] };
    await page.evaluate(({ o, resume }) => window.t.render({ ...o, resume, storageKey: "k", storage: "IndexedDB" }), { o: options, resume });
    await waitStatus(page, "closed");
    const error = await page.evaluate(() => window.t.text("root", "error"));
    expect(error.startsWith("invalid-options"), error);
    await waitFor("the opened list closed with its socket", () => page.evaluate(() => window.t.openSockets() === 0), 5000);
    await page.evaluate(() => window.t.unmount());
  });

  await checks.check("sp-live/checkpoint: an IndexedDB open that never answers is given up on (no checkpoint), and a write after the held connection closed (another tab's deleteDatabase) uses a fresh one", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const cp = { version: 1, key: "k", token: "1;3;x;1;1", items: [{ Id: 1, Title: "a" }] };
      const stop = m.keepCheckpoint("held", { checkpoint: () => cp }, { storage: "indexedDB" });
      await new Promise((r) => setTimeout(r, 200)); // the held connection opens
      await new Promise((r) => {
        const request = indexedDB.deleteDatabase("sp-live");
        request.onsuccess = request.onerror = request.onblocked = r;
      });
      const out = { kept: await stop() };
      const read = await m.readCheckpoint("held", { storage: "indexedDB" });
      out.read = read && read.token;
      const open = IDBFactory.prototype.open;
      IDBFactory.prototype.open = () => ({}); // a request that never answers
      const t0 = performance.now();
      try {
        out.hung = await m.readCheckpoint("held", { storage: "indexedDB" });
      } finally {
        IDBFactory.prototype.open = open;
      }
      out.ms = performance.now() - t0;
      await m.deleteCheckpoint("held", { storage: "indexedDB" });
      return out;
    });
    expect(result.kept === true && result.read === "1;3;x;1;1", `after the close: stop() ${result.kept}, read ${result.read}`);
    expect(result.hung === null && result.ms < 4000, `a hung open: ${JSON.stringify(result.hung)} after ${Math.round(result.ms)} ms`);
  });

  await checks.check("sp-live/checkpoint: over 2,000,000 characters it stays out of sessionStorage (IndexedDB takes it), and a refused checkpoint is not stringified again on the next hide", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const big = { version: 1, key: "k", token: "1;3;x;1;1", items: [{ Id: 1, Title: "x".repeat(2_000_100) }] };
      const out = {
        session: await m.writeCheckpoint("big", big, { storage: "sessionStorage" }),
        stored: sessionStorage.getItem("big"),
        idb: await m.writeCheckpoint("big", big, { storage: "indexedDB" }),
      };
      await m.deleteCheckpoint("big", { storage: "indexedDB" });
      // A list whose checkpoint sessionStorage refuses, hidden twice without a change.
      const stringify = JSON.stringify;
      let calls = 0;
      JSON.stringify = (...args) => ((calls += 1), stringify(...args));
      const stop = m.keepCheckpoint("big", { checkpoint: () => big });
      window.dispatchEvent(new Event("pagehide"));
      await new Promise((r) => setTimeout(r, 10)); // the refusal is known
      window.dispatchEvent(new Event("pagehide"));
      out.stringified = calls;
      out.stop = await stop();
      JSON.stringify = stringify;
      return out;
    });
    expect(result.session === false && result.stored === null, `sessionStorage: ${result.session}, ${result.stored && result.stored.length}`);
    expect(result.idb === true, `IndexedDB: ${result.idb}`);
    expect(result.stringified === 1, `stringified ${result.stringified} times`);
    expect(result.stop === false, `stop() ${result.stop}`);
  });
}
