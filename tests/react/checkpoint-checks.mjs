// Checks of sp-live/checkpoint's functions, run by react.test.mjs on its page (and one in
// its own Node process, where there is no page): write, read and delete in both
// storages, and what they refuse (an unknown storage, a key that is not a non-empty
// string, a maxAgeMs that is not a number) with a TypeError, keeping what is stored.

import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * `ctx`: { page, checks, expect, root } (`root`: the repository, whose pkg/ is served).
 */
export async function checkpointChecks({ page, checks, expect, root }) {
  await checks.check("sp-live/checkpoint: write, read and delete in both storages; an unknown storage is a TypeError", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const checkpoint = { version: 1, key: "k", token: "1;3;x;1;1", items: [{ Id: 1 }] };
      const out = {};
      for (const storage of ["sessionStorage", "indexedDB"]) {
        const o = { storage };
        out[storage] = [
          await m.writeCheckpoint("unit", checkpoint, o),
          JSON.stringify(await m.readCheckpoint("unit", o)) === JSON.stringify(checkpoint),
          await m.readCheckpoint("unit", { storage, maxAgeMs: -1 }),
          (await m.deleteCheckpoint("unit", o), await m.readCheckpoint("unit", o)),
          await m.writeCheckpoint("unit", { close() {}, checkpoint: () => null }, o),
        ];
      }
      try {
        await m.readCheckpoint("unit", { storage: "localStorage" });
        out.bad = "resolved";
      } catch (error) {
        out.bad = error.name;
      }
      return out;
    });
    const want = JSON.stringify([true, true, null, null, false]);
    for (const storage of ["sessionStorage", "indexedDB"]) {
      expect(JSON.stringify(result[storage]) === want, `${storage}: ${JSON.stringify(result[storage])}`);
    }
    expect(result.bad === "TypeError", `unknown storage: ${result.bad}`);
  });

  await checks.check("sp-live/checkpoint: a key that is not a non-empty string (a setting not filled in) is a TypeError in both storages; nothing is kept under \"undefined\"", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const checkpoint = { version: 1, key: "k", token: "1;3;x;1;1", items: [{ Id: 1 }] };
      const name = (p) => p.then(() => "resolved", (e) => e.name);
      const out = {};
      for (const storage of ["sessionStorage", "indexedDB"]) {
        const o = { storage };
        out[storage] = [];
        for (const key of [undefined, "", { list: "Tasks" }]) {
          out[storage].push(await name(m.writeCheckpoint(key, checkpoint, o)), await name(m.readCheckpoint(key, o)), await name(m.deleteCheckpoint(key, o)));
          try {
            m.keepCheckpoint(key, { checkpoint: () => checkpoint }, o)();
            out[storage].push("returned");
          } catch (error) {
            out[storage].push(error.name);
          }
        }
      }
      out.stored = ["undefined", "", "[object Object]"].filter((k) => sessionStorage.getItem(k) !== null);
      return out;
    });
    for (const storage of ["sessionStorage", "indexedDB"]) {
      expect(result[storage].every((r) => r === "TypeError"), `${storage}: ${result[storage]}`);
    }
    expect(result.stored.length === 0, `kept under ${JSON.stringify(result.stored)}`);
  });

  await checks.check("sp-live/checkpoint outside a page (here, Node: no addEventListener, no document): keepCheckpoint does not throw, and its stop() keeps the checkpoint", async () => {
    expect(typeof globalThis.addEventListener !== "function" && globalThis.document === undefined, "this Node has a page's globals");
    const m = await import(pathToFileURL(path.join(root, "pkg/checkpoint.js")).href);
    const had = Object.getOwnPropertyDescriptor(globalThis, "sessionStorage");
    const stored = new Map();
    const storage = { getItem: (k) => (stored.has(k) ? stored.get(k) : null), setItem: (k, v) => stored.set(k, String(v)), removeItem: (k) => stored.delete(k) };
    Object.defineProperty(globalThis, "sessionStorage", { configurable: true, writable: true, value: storage });
    try {
      const checkpoint = { version: 1, key: "k", token: "1;3;x;1;1", items: [{ Id: 1 }] };
      const stop = m.keepCheckpoint("node", { checkpoint: () => checkpoint });
      const kept = await stop();
      const read = await m.readCheckpoint("node");
      expect(kept === true && read !== null && read.token === checkpoint.token, `stop() ${kept}, read ${JSON.stringify(read)}`);
    } finally {
      if (had) Object.defineProperty(globalThis, "sessionStorage", had);
      else delete globalThis.sessionStorage;
    }
  });

  await checks.check("sp-live/checkpoint: a page hidden again with the list unchanged keeps its checkpoint young without writing its rows again (a quiet list's checkpoint did not outlive maxAgeMs), in both storages", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const checkpoint = { version: 1, key: "k", token: "1;3;x;1;1", items: [{ Id: 1 }] };
      const realNow = Date.now;
      let now = realNow();
      Date.now = () => now;
      const out = {};
      try {
        for (const storage of ["sessionStorage", "indexedDB"]) {
          const o = { storage, maxAgeMs: 1000 };
          const stop = m.keepCheckpoint("young", { checkpoint: () => checkpoint }, o);
          await new Promise((r) => setTimeout(r, 200)); // IndexedDB: the held connection opens
          window.dispatchEvent(new Event("pagehide"));
          const record = sessionStorage.getItem("young");
          now += 800;
          window.dispatchEvent(new Event("pagehide")); // unchanged: still current now
          now += 800; // 1.6 s after the write, 0.8 s after the last hide
          const read = await m.readCheckpoint("young", o);
          out[storage] = {
            read: read && read.token,
            rewritten: storage === "sessionStorage" && sessionStorage.getItem("young") !== record,
            stop: await stop(),
          };
          now += 1500; // too old now
          out[storage].aged = await m.readCheckpoint("young", o);
          // A list offline at the hide (not caught up) does not make its checkpoint young.
          const offline = m.keepCheckpoint("young", { checkpoint: () => checkpoint, status: "offline" }, o);
          await new Promise((r) => setTimeout(r, 200));
          window.dispatchEvent(new Event("pagehide"));
          now += 800;
          window.dispatchEvent(new Event("pagehide"));
          now += 800;
          out[storage].offline = await m.readCheckpoint("young", o);
          await offline();
          await m.deleteCheckpoint("young", o);
        }
      } finally {
        Date.now = realNow;
      }
      out.left = Object.keys(sessionStorage).filter((k) => k.startsWith("young"));
      return out;
    });
    for (const storage of ["sessionStorage", "indexedDB"]) {
      const r = result[storage];
      expect(r.read === "1;3;x;1;1", `${storage}: read ${r.read} 0.8 s after an unchanged hide`);
      expect(!r.rewritten, `${storage}: the record was written again`);
      expect(r.stop === true && r.aged === null, `${storage}: stop() ${r.stop}, read when too old ${JSON.stringify(r.aged)}`);
      expect(r.offline === null, `${storage}: an offline list's hide made its checkpoint young`);
    }
    expect(result.left.length === 0, `left in sessionStorage: ${JSON.stringify(result.left)}`);
  });

  await checks.check("sp-live/checkpoint: deleteCheckpoint (a sign-out) ends the keepCheckpoint of that key: a later page hide does not write the list back, stop() writes nothing", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const out = {};
      for (const storage of ["sessionStorage", "indexedDB"]) {
        const o = { storage };
        let token = 1;
        const list = { checkpoint: () => ({ version: 1, key: "k", token: `1;3;x;${token};1`, items: [{ Id: 1 }] }) };
        const other = m.keepCheckpoint("other user", list, o);
        const stop = m.keepCheckpoint("signed out", list, o);
        await new Promise((r) => setTimeout(r, 200)); // IndexedDB: the held connections open
        window.dispatchEvent(new Event("pagehide"));
        const before = await m.readCheckpoint("signed out", o);
        await m.deleteCheckpoint("signed out", o);
        token = 2; // a change after the sign-out
        window.dispatchEvent(new Event("pagehide"));
        await new Promise((r) => setTimeout(r, 50));
        const afterHide = await m.readCheckpoint("signed out", o);
        const stopped = await stop();
        out[storage] = {
          before: before && before.token,
          afterHide,
          stopped,
          afterStop: await m.readCheckpoint("signed out", o),
          other: (await other(), (await m.readCheckpoint("other user", o))?.token),
        };
        await m.deleteCheckpoint("other user", o);
      }
      return out;
    });
    for (const storage of ["sessionStorage", "indexedDB"]) {
      const r = result[storage];
      expect(r.before === "1;3;x;1;1", `${storage}: kept before ${r.before}`);
      expect(r.afterHide === null && r.stopped === false && r.afterStop === null, `${storage}: ${JSON.stringify(r)}`);
      expect(r.other === "1;3;x;2;1", `${storage}: another key's keeping went on: ${r.other}`);
    }
  });

  await checks.check("sp-live/checkpoint: IndexedDB, a record deleted by another tab's read (expired there) is written whole again at this tab's next hide, the list unchanged", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const o = { storage: "indexedDB" };
      const checkpoint = { version: 1, key: "k", token: "1;3;x;1;1", items: [{ Id: 1 }] };
      const stop = m.keepCheckpoint("gone", { checkpoint: () => checkpoint, status: "live" }, o);
      await new Promise((r) => setTimeout(r, 200)); // the held connection opens
      window.dispatchEvent(new Event("pagehide"));
      const before = await m.readCheckpoint("gone", o);
      // Another tab's read, whose maxAgeMs it is older than: deleted.
      const expired = await m.readCheckpoint("gone", { ...o, maxAgeMs: -1 });
      window.dispatchEvent(new Event("pagehide")); // unchanged
      await new Promise((r) => setTimeout(r, 100));
      const after = await m.readCheckpoint("gone", o);
      await stop();
      await m.deleteCheckpoint("gone", o);
      return { before: before && before.token, expired, after: after && after.token };
    });
    expect(result.before === "1;3;x;1;1" && result.expired === null, JSON.stringify(result));
    expect(result.after === "1;3;x;1;1", `after the next hide: ${result.after}`);
  });

  await checks.check("sp-live/checkpoint: deleteCheckpoint (a sign-out) ends the keepCheckpoint of another copy of sp-live/checkpoint on the page (another web part's bundle), in both storages", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const copy = await import("/pkg/checkpoint.js?copy=2"); // a module of its own
      const out = { copy: m !== copy };
      for (const storage of ["sessionStorage", "indexedDB"]) {
        const o = { storage };
        let token = 1;
        const list = { checkpoint: () => ({ version: 1, key: "k", token: `1;3;x;${token};1`, items: [{ Id: 1 }] }) };
        const stop = copy.keepCheckpoint("signed out", list, o);
        await new Promise((r) => setTimeout(r, 200)); // IndexedDB: the held connection opens
        window.dispatchEvent(new Event("pagehide"));
        const before = await m.readCheckpoint("signed out", o);
        await m.deleteCheckpoint("signed out", o);
        token = 2; // a change after the sign-out
        window.dispatchEvent(new Event("pagehide"));
        await new Promise((r) => setTimeout(r, 100));
        const afterHide = await m.readCheckpoint("signed out", o);
        const stopped = await stop();
        out[storage] = { before: before && before.token, afterHide, stopped, afterStop: await m.readCheckpoint("signed out", o) };
        await m.deleteCheckpoint("signed out", o);
      }
      return out;
    });
    expect(result.copy, "the second import is the same module");
    for (const storage of ["sessionStorage", "indexedDB"]) {
      const r = result[storage];
      expect(r.before === "1;3;x;1;1", `${storage}: kept before ${r.before}`);
      expect(r.afterHide === null && r.stopped === false && r.afterStop === null, `${storage}: ${JSON.stringify(r)}`);
    }
  });

  await checks.check("sp-live/checkpoint: a maxAgeMs that is not a number (a string from a settings form, NaN) is a TypeError, and the kept checkpoint stays", async () => {
    const result = await page.evaluate(async () => {
      const m = await import("/pkg/checkpoint.js");
      const checkpoint = { version: 1, key: "k", token: "1;3;x;1;1", items: [{ Id: 1 }] };
      const out = {};
      for (const storage of ["sessionStorage", "indexedDB"]) {
        await m.writeCheckpoint("aged", checkpoint, { storage });
        const refused = [];
        for (const maxAgeMs of ["0", Number.NaN, {}]) {
          refused.push(await m.readCheckpoint("aged", { storage, maxAgeMs }).then(() => "resolved", (e) => e.name));
        }
        const kept = await m.readCheckpoint("aged", { storage });
        out[storage] = { refused, kept: kept && kept.token };
        await m.deleteCheckpoint("aged", { storage });
      }
      try {
        m.keepCheckpoint("aged", { checkpoint: () => checkpoint }, { maxAgeMs: "60000" })();
        out.keep = "returned";
      } catch (error) {
        out.keep = error.name;
      }
      return out;
    });
    for (const storage of ["sessionStorage", "indexedDB"]) {
      const { refused, kept } = result[storage];
      expect(refused.every((r) => r === "TypeError"), `${storage}: ${refused}`);
      expect(kept === "1;3;x;1;1", `${storage}: kept ${kept}`);
    }
    expect(result.keep === "TypeError", `keepCheckpoint: ${result.keep}`);
  });
}
