// Drives the floor build (bench/floor) a little, to show the size `make bench` reports
// is a working build of sp-live's cores and not code the optimiser emptied: a
// socket.io v4 handshake and one event, a refused option, and a list load whose reset
// comes in the requested order. Run by `make floor`:
//
//   node bench/floor/smoke.mjs target/floor/sp_live_floor.wasm
import assert from "node:assert/strict";
import fs from "node:fs";

const { instance } = await WebAssembly.instantiate(fs.readFileSync(process.argv[2]), {});
const w = instance.exports;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Copies text into wasm memory: the (pointer, length) pair the exports take. */
function put(text) {
  const bytes = enc.encode(text);
  const at = w.alloc(bytes.length);
  new Uint8Array(w.memory.buffer, at, bytes.length).set(bytes);
  return [at, bytes.length];
}

/** A reader of the output buffer (see bench/floor/src/io.rs for its layout). */
function output() {
  const base = w.out_ptr();
  const len = w.out_len();
  const view = new DataView(w.memory.buffer, base, len);
  let i = 0;
  const r = {
    end: () => i >= len,
    u8: () => view.getUint8(i++),
    u32: () => ((i += 4), view.getUint32(i - 4, true)),
    f64: () => ((i += 8), view.getFloat64(i - 8, true)),
    str: () => {
      const n = r.u32();
      i += n;
      return dec.decode(new Uint8Array(w.memory.buffer, base + i - n, n));
    },
  };
  return r;
}

// The broadcaster side: open, handshake, connect, one event.
const options = { url: "https://bc.example/", protocol: "socket.io-v4" };
const conn = w.conn_new(...put(JSON.stringify(options)), 0.5, 42, 1000);
assert.ok(conn, "conn_new failed");
w.conn_poll(conn);
w.conn_open(conn, 1, 1001);
const handshake = '0{"sid":"x","pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';
w.conn_text(conn, 1, ...put(handshake), 1002);
w.conn_poll(conn);
let r = output();
assert.deepEqual([r.u8(), r.u32(), r.u8(), r.str()], [1, 1, 0, "40"], "the connect packet");
w.conn_text(conn, 1, ...put('40{"sid":"y"}'), 1003);
w.conn_text(conn, 1, ...put('42["list:changes","[]"]'), 1004);
w.conn_poll(conn);
r = output();
assert.deepEqual([r.u8(), r.u8(), r.u8()], [4, 1, 0], "status open");
// The broadcaster's JSON.stringify(body.value) arrives parsed, as in the package.
assert.deepEqual([r.u8(), r.str(), r.u32(), r.u8(), r.str()], [3, "list:changes", 1, 0, "[]"]);
assert.equal(w.conn_new(...put('{"url":"x","protocol":"nope"}'), -1, 1, 0), 0, "a bad protocol is refused");
assert.equal(output().str(), "invalid-options");

// The SharePoint side: a load of three items, ordered by Title descending.
const feedOptions = { siteUrl: "https://c.sharepoint.com/sites/t", listTitle: "Mail", orderBy: "Title desc", auth: 1 };
const feed = w.feed_new(...put(JSON.stringify(feedOptions)), 7);
assert.ok(feed, "feed_new failed");
w.feed_start(feed, 5000);
w.feed_poll(feed);
/** Answers the request the last poll put first in the buffer with `body`, then polls. */
function answer(body, now) {
  r = output();
  assert.equal(r.u8(), 0, "a request");
  w.feed_response(feed, r.f64(), 200, ...put(""), ...put(JSON.stringify(body)), now);
  w.feed_poll(feed);
}
const guid = "0b1c2d3e-0000-4000-8000-000000000001";
answer({ CurrentChangeToken: { StringValue: `1;3;${guid};639000000000000000;100` }, Id: guid, ItemCount: 3 }, 5100);
const items = ["b", "c", "a"].map((Title, i) => ({ Id: i + 1, Title, Modified: "2026-01-01T00:00:00Z" }));
answer({ value: items }, 5200);
r = output();
assert.deepEqual([r.u8(), r.u8(), JSON.parse(r.str())], [1, 1, items], "the load page");
assert.deepEqual([r.u8(), r.u32(), r.f64()], [4, 3, 3], "progress");
assert.equal(r.u8(), 2, "the reset");
r.str();
assert.equal(r.u8(), 0);
r.str();
const order = Array.from({ length: r.u32() }, () => r.u32());
assert.deepEqual(order, [1, 0, 2], "c, b, a");
console.log("floor smoke: ok");
