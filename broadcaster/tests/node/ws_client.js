// Plain WebSocket client used by sp-broadcaster's Rust tests.
// usage: node ws_client.js <ws url> [comma-separated list GUIDs to subscribe]
// Prints one JSON object per line: {"type":"open"|"ready"|"frame"|"close"|"error", ...}.
// stdin line "send <n>": sends a text message of n bytes.
"use strict";
const path = require("path");
const modules = process.env.SP_FIXTURE_MODULES ||
  path.resolve(__dirname, "..", "..", "..", "tests", "fixtures", "node_modules");
const WebSocket = require(path.join(modules, "ws"));
const [url, lists] = process.argv.slice(2);

const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const ws = new WebSocket(url);
ws.on("open", () => {
  out({ type: "open" });
  if (lists) {
    ws.send(JSON.stringify({ event: "subscribe", data: { lists: lists.split(",") } }));
  } else {
    out({ type: "ready" });
  }
});
ws.on("message", (data) => {
  let msg;
  try { msg = JSON.parse(String(data)); } catch (e) { out({ type: "error", message: "bad frame" }); return; }
  out({ type: "frame", data: msg });
  if (msg.event === "subscribed") out({ type: "ready" });
});
ws.on("close", (code) => out({ type: "close", code }));
ws.on("error", (e) => out({ type: "error", message: String(e && e.message || e) }));

let pending = "";
process.stdin.on("data", (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf("\n")) >= 0) {
    const command = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    if (command.startsWith("send ")) ws.send("a".repeat(Number(command.slice(5))));
  }
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(2), 60000).unref();
