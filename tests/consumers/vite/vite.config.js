// Nothing wasm-specific: Vite turns `new URL("sp_live_bg.wasm", import.meta.url)` in
// sp-live into a hashed asset. `base: "./"` so the build can be served from any folder.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, reportCompressedSize: false },
  logLevel: "warn",
});
