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
