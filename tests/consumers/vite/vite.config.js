// `vite build` needs nothing wasm-specific: it turns `new URL("sp_live_bg.wasm",
// import.meta.url)` in sp-live into a hashed asset. `vite` (dev) needs `optimizeDeps.exclude`:
// pre-bundling would move the glue to node_modules/.vite/deps/ where no .wasm is (the dev
// server then answers index.html for it). `base: "./"` so dist/ can be served from anywhere.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  optimizeDeps: { exclude: ["sp-live"] },
  build: { outDir: "dist", emptyOutDir: true, reportCompressedSize: false },
  logLevel: "warn",
});
