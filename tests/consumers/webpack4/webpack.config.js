// webpack 4 (SPFx 1.18 and older) cannot parse `import.meta`, and has no
// `new URL(..., import.meta.url)` assets. The two rules below are the whole workaround
// (tests/consumers/README.md shows them inside an SPFx gulpfile). SP_LIVE_NO_REWRITE=1
// leaves them out, to show the parse error they avoid.
const path = require("path");

const rules = [
  {
    // sp-live's glue: new URL('sp_live_bg.wasm', import.meta.url) -> the emitted file's URL.
    test: /[\\/]sp_live\.js$/,
    loader: require.resolve("string-replace-loader"),
    options: { search: "new URL('sp_live_bg.wasm', import.meta.url)", replace: "require('./sp_live_bg.wasm')", strict: true },
  },
  {
    test: /\.wasm$/,
    type: "javascript/auto",
    loader: require.resolve("file-loader"),
    options: { name: "[name].[contenthash:8].[ext]", esModule: false },
  },
];

module.exports = {
  entry: "./src/index.js",
  output: { path: path.resolve(__dirname, "dist"), filename: "main.js", publicPath: "" },
  performance: { hints: false },
  // sp-live is a `file:` link to pkg/ here: resolve sp-live/react's `react` (a peer
  // dependency) from this consumer's node_modules, as an installed package's is.
  resolve: { symlinks: false },
  module: { rules: process.env.SP_LIVE_NO_REWRITE ? [] : rules },
  plugins: [
    {
      // index.html (no html-webpack-plugin needed).
      apply(compiler) {
        compiler.hooks.emit.tap("index-html", (compilation) => {
          const html = '<!doctype html><meta charset="utf-8"><title>sp-live: webpack 4 consumer</title>\n<p id="status">loading</p>\n<script src="main.js"></script>\n';
          compilation.assets["index.html"] = { source: () => html, size: () => html.length };
        });
      },
    },
  ],
};
