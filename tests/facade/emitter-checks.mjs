// Checks of the facade's emitter and options on the facade test page, run by
// facade.test.mjs through emitterChecks (each throws with what it saw when it fails).

/** Runs the checks below with `checks` (tests/e2e/lib.mjs); `openPage(query)` opens a test page. */
export async function emitterChecks(checks, { page, openPage, base }) {
  await checks.check("emitter: off(name) or dispose() in a handler also stops the handlers it removed for that emit", () =>
    handlersDroppedMidEmitAreNotCalled(page));
  await checks.check("an `emitter` option without emit (the class, {}, a string) is refused by the constructor with a TypeError", () =>
    anEmitterThatCannotEmitIsRefused(page, base));
  await checks.check("on a seed emitter, a seed handler throwing on the ErrorMsg payload is reported; start() still rejects with invalid-options", async () => {
    const p = await openPage("?foreign=1");
    await aThrowingSeedHandlerDoesNotHideWhyStartFailed(p, base).finally(() => p.close());
  });
  await checks.check("on a seed emitter, an unported handler that throws neither throws out of our emit() nor keeps the event from our handlers", async () => {
    const p = await openPage("?foreign=1");
    await aThrowingSeedHandlerDoesNotStopOurs(p).finally(() => p.close());
  });
  await checks.check("`wasm: null` loads the wasm from next to sp_live.js, as a missing `wasm` does (null is a default for every facade option)", async () => {
    const p = await openPage();
    await aNullWasmOptionIsTheDefault(p, base).finally(() => p.close());
  });
}

/**
 * `off(name)` and `dispose()` called by a handler (a web part disposed while an event is
 * being delivered: its onDispose drops its handlers the seed's way) stop the handlers
 * they removed for the emit under way too, as `off(name, handler)` and an unsubscribe do.
 */
export async function handlersDroppedMidEmitAreNotCalled(page) {
  const seen = await page.evaluate(() => {
    const { RxJsEventEmitter } = window.t;
    const out = [];
    for (const drop of ["off", "dispose"]) {
      const e = new RxJsEventEmitter();
      const calls = [];
      e.on("x", (d) => {
        calls.push(`first:${d}`);
        if (drop === "off") e.off("x");
        else e.dispose();
      });
      e.on("x", (d) => calls.push(`second:${d}`));
      e.on("y", (d) => calls.push(`y:${d}`));
      e.emit("x", 1);
      e.emit("x", 2);
      e.emit("y", 3);
      out.push(`${drop}: ${calls.join(",")}`);
    }
    return out;
  });
  const want = ["off: first:1,y:3", "dispose: first:1"];
  if (JSON.stringify(seen) !== JSON.stringify(want)) throw new Error(`${JSON.stringify(seen)}, want ${JSON.stringify(want)}`);
}

/**
 * An `emitter` option that cannot emit (the class instead of `getInstance()`, a typo) is
 * refused by the constructor with a TypeError, as a bad `reset` is: it used to be taken,
 * the list opened, and every payload was lost to a TypeError in the list's subscriber.
 */
export async function anEmitterThatCannotEmitIsRefused(page, base) {
  const got = await page.evaluate((o) => {
    const { RxJsEventEmitter, SocketListChanges } = window.t;
    const out = [];
    for (const [what, emitter] of [["the class", RxJsEventEmitter], ["{}", {}], ["a string", "listChanges"]]) {
      try {
        const socket = new SocketListChanges({ ...o, emitter, eventName: "never" });
        socket.stop();
        out.push(`${what}: taken`);
      } catch (e) {
        out.push(`${what}: ${e instanceof TypeError && /emitter/.test(e.message) ? "TypeError" : e}`);
      }
    }
    // What does emit is taken: a seed emitter (on/emit of its own) or one of ours.
    const seedLike = { on() {}, emit() {} };
    for (const emitter of [seedLike, new RxJsEventEmitter()]) new SocketListChanges({ ...o, emitter }).stop();
    return out.join("; ");
  }, base);
  const want = "the class: TypeError; {}: TypeError; a string: TypeError";
  if (got !== want) throw new Error(`${got}, want ${want}`);
}

/**
 * On a page whose emitter is an unported seed's (rx-lite's Subject rethrows what a
 * handler throws), a seed handler that throws on the error payload (it reads
 * `UpdatedItems[0].Id`, say) is reported, and `start()` still rejects with the options'
 * `invalid-options` error, not with the handler's.
 */
export async function aThrowingSeedHandlerDoesNotHideWhyStartFailed(page, base) {
  const got = await page.evaluate(async (o) => {
    window.seedEmitter.on("throws", (d) => JSON.parse(d).UpdatedItems[0].Id);
    const r = await window.t.start("throws", { ...o, listId: "not-a-guid", eventName: "throws" });
    return `${r.ok ? "started" : `${r.code}: ${r.message}`}; reported ${window.t.reported.length}`;
  }, base);
  if (got !== "invalid-options: `listId` is not a GUID; reported 1") throw new Error(got);
}

/**
 * On a fresh page (no wasm loaded yet), `wasm: null` starts as a missing `wasm` does, as
 * `emitter`, `eventName` and `reset` take null for their default: it was handed to
 * init() as `{module_or_path: null}`, and start() rejected with code `init`
 * ("WebAssembly.instantiate(): Argument 0 must be a buffer source").
 */
export async function aNullWasmOptionIsTheDefault(page, base) {
  const got = await page.evaluate(async (o) => {
    const r = await window.t.start("nullWasm", { ...o, wasm: null, emitter: null, eventName: null, reset: null });
    window.t.sockets.nullWasm.stop();
    return r.ok ? "started" : `${r.code}: ${r.message}`;
  }, base);
  if (got !== "started") throw new Error(got);
}

/**
 * On a page whose emitter is an unported seed's (rx-lite's Subject calls its handlers in
 * turn and rethrows what one throws, which stops the rest), a seed handler registered
 * before ours throws. emit() through our emitter reports it, as ours do, instead of
 * throwing into the web part that emitted, and our handlers (behind the seed's handler
 * on its bus) still get the event: it used to be lost to them, a change payload too.
 */
export async function aThrowingSeedHandlerDoesNotStopOurs(page) {
  const got = await page.evaluate(() => {
    const { emitter } = window.t;
    const seed = window.seedEmitter;
    const out = [];
    seed.on("shared", (d) => {
      out.push(`seed:${d}`);
      if (d === 1) throw new Error("an unported handler threw");
    });
    const off = emitter.on("shared", (d) => out.push(`ours:${d}`));
    for (const d of [1, 2]) {
      try {
        emitter.emit("shared", d);
      } catch (error) {
        out.push(`emit threw: ${error.message}`);
      }
    }
    off();
    seed.off("shared");
    const reported = window.t.reported.filter((m) => /an unported handler threw/.test(m)).length;
    return `${out.join(", ")}; reported ${reported}`;
  });
  const want = "seed:1, ours:1, seed:2, ours:2; reported 1";
  if (got !== want) throw new Error(`${got}, want ${want}`);
}
