// Checks of the facade's emitter and options on the facade test page, run by
// facade.test.mjs (each throws with what it saw when it fails).

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
