// Child processes and small helpers of bench/run.mjs.
import fs from "node:fs";
import path from "node:path";
import { spawn } from "node:child_process";

// Shared with the end-to-end test.
export { portTaken, sleep } from "../tests/e2e/lib.mjs";

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
