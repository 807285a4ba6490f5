// socket.io client used by sp-broadcaster's Rust tests.
// usage: node sio_client.js <v2|v4> <base url> [comma-separated list GUIDs to subscribe]
// env SP_CLIENT_TOKEN: a token to give (v2: `query: {token}`, v4: `auth: {token}`).
// env SP_RECONNECTION=1: reconnect as socket.io-client does by default (else it does not).
// env SP_TRANSPORTS=default: long polling, then an upgrade to WebSocket; =polling: long
// polling only (else WebSocket only).
// stdin lines "pause" / "resume": stop / go on reading the upgraded WebSocket's TCP socket;
// "block <file>": block the event loop (no poll, no reading at all) until <file> exists
// (at most 30 s), printing "blocking" before and "unblocked" after.
// Prints one JSON object per line:
// {"type":"connect"|"ack"|"ready"|"event"|"error"|"disconnect"|"reconnect_attempt"|"upgrade"
//  |"paused"|"resumed"|"blocking"|"unblocked", ...}.
// Exits when stdin closes (the Rust test drops it) or after 60 s.
"use strict";
const fs = require("fs");
const path = require("path");
const modules = process.env.SP_FIXTURE_MODULES ||
  path.resolve(__dirname, "..", "..", "..", "tests", "fixtures", "node_modules");
const [version, url, lists] = process.argv.slice(2);
const io = require(path.join(modules, version === "v2" ? "socket.io-client-v2" : "socket.io-client-v4"));

const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const token = process.env.SP_CLIENT_TOKEN;
const given = token === undefined ? {} : version === "v2" ? { query: { token } } : { auth: { token } };
const reconnection = process.env.SP_RECONNECTION === "1";
const transports = process.env.SP_TRANSPORTS === "default" ? {}
  : process.env.SP_TRANSPORTS === "polling" ? { transports: ["polling"] }
  : { transports: ["websocket"] };
const socket = io(url, { ...transports, reconnection, forceNew: true, ...given });
let readied = false;

socket.on("connect", () => {
  out({ type: "connect" });
  if (readied) return;
  readied = true;
  if (lists) {
    socket.emit("subscribe", { lists: lists.split(",") }, (ack) => {
      out({ type: "ack", data: ack });
      out({ type: "ready" });
    });
  } else {
    out({ type: "ready" });
  }
});
socket.on("list:changes", (...args) => out({ type: "event", event: "list:changes", args }));
socket.on("connect_error", (e) => out({ type: "error", message: String(e && e.message || e) }));
socket.on("error", (e) => out({ type: "error", message: String(e && e.message || e) }));
socket.on("disconnect", (reason) => out({ type: "disconnect", reason }));
socket.io.on("reconnect_attempt", (n) => out({ type: "reconnect_attempt", attempt: n }));
socket.io.on("open", () => socket.io.engine.on("upgrade", (t) => out({ type: "upgrade", transport: t.name })));

// The TCP socket under the WebSocket transport (socket.io-client 2.x: `ws` 3, 4.x: `ws` 8).
const tcp = () => socket.io.engine.transport.ws._socket;
// Blocks the event loop until `file` exists (at most 30 s).
const block = (file) => {
  out({ type: "blocking" }); // stdout is a pipe: written at once (synchronous on Linux)
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const until = Date.now() + 30000;
  while (!fs.existsSync(file) && Date.now() < until) Atomics.wait(nap, 0, 0, 20);
  out({ type: "unblocked" });
};
let pending = "";
process.stdin.on("data", (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf("\n")) >= 0) {
    const command = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (command === "pause") { tcp().pause(); out({ type: "paused" }); }
    if (command === "resume") { tcp().resume(); out({ type: "resumed" }); }
    if (command.startsWith("block ")) block(command.slice("block ".length));
  }
});

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(2), 60000).unref();
