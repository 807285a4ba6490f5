// Child processes and small helpers of bench/run.mjs.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn } from "node:child_process";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** True if something accepts connections on 127.0.0.1:port. */
export function portTaken(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** The servers the bench starts; their output goes to DIR/bench.log. */
export class Procs {
  constructor(dir) {
    fs.mkdirSync(dir, { recursive: true });
    this.logFile = fs.createWriteStream(path.join(dir, "bench.log"));
    this.children = new Set();
  }

  write(text) {
    this.logFile.write(text);
  }

  /** Starts `cmd`; resolves once its stdout matches `ready`. */
  start(name, cmd, args, ready, timeoutMs = 20000) {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    this.children.add(child);
    child.on("exit", () => this.children.delete(child));
    let out = "";
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready after ${timeoutMs} ms: ${out.slice(-400)}`)), timeoutMs);
      const onData = (stream) => (chunk) => {
        const text = chunk.toString();
        this.write(`[${name} ${stream}] ${text}`);
        if (stream === "out") {
          out += text;
          if (ready.test(out)) {
            clearTimeout(timer);
            resolve(child);
          }
        }
      };
      child.stdout.on("data", onData("out"));
      child.stderr.on("data", onData("err"));
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}): ${out.slice(-400)}`));
      });
    });
  }

  /** SIGKILLs every child still running (only the ones started here). */
  killAll() {
    for (const c of this.children) {
      try {
        c.kill("SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
}
