// Nothing wasm-specific: sp-live's `new URL("sp_live_bg.wasm", import.meta.url)` makes
// webpack 5 emit the .wasm as an asset and rewrite the URL (no asyncWebAssembly needed
// for wasm-bindgen's --target web output).
const path = require("node:path");

module.exports = {
  entry: "./src/index.js",
  output: { path: path.resolve(__dirname, "dist"), filename: "main.[contenthash:8].js", clean: true },
  performance: { hints: false },
  // sp-live is a `file:` link to pkg/ here: resolve its imports (sp-live/react's
  // `react`, a peer dependency) from this consumer's node_modules, as an installed
  // package's are. An install from a tarball or the registry needs nothing.
  resolve: { symlinks: false },
  plugins: [
    {
      // index.html pointing at the hashed bundle (no html-webpack-plugin needed).
      apply(compiler) {
        compiler.hooks.thisCompilation.tap("index-html", (compilation) => {
          compilation.hooks.processAssets.tap({ name: "index-html", stage: 1000 }, () => {
            const js = [...compilation.entrypoints.get("main").getFiles()].find((f) => f.endsWith(".js"));
            const html = `<!doctype html><meta charset="utf-8"><title>sp-live: webpack 5 consumer</title>\n<p id="status">loading</p>\n<script src="${js}"></script>\n`;
            compilation.emitAsset("index.html", new compiler.webpack.sources.RawSource(html));
          });
        });
      },
    },
  ],
};
