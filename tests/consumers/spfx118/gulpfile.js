'use strict';

const build = require('@microsoft/sp-build-web');

build.addSuppression(`Warning - [sass] The local CSS class 'ms-Grid' is not camelCase and will not be type-safe.`);

var getTasks = build.rig.getTasks;
build.rig.getTasks = function () {
  var result = getTasks.call(build.rig);

  result.set('serve', result.get('serve-deprecated'));

  return result;
};

// sp-live in SPFx 1.18 and older (webpack 4): the two rules of tests/consumers/README.md
// ("SPFx 1.21 and older"), as a solution's gulpfile.js carries them. webpack 4 cannot
// parse `import.meta`, so the glue's one `new URL('sp_live_bg.wasm', import.meta.url)`
// becomes a require() of the .wasm, which file-loader emits next to the bundle (and
// package-solution packs into the .sppkg, with includeClientSideAssets).
// (SP_LIVE_NO_REWRITE=1 leaves the rules out: the consumer test shows the parse error
// they avoid. A solution of your own needs no such switch.)
build.configureWebpack.mergeConfig({
  additionalConfiguration: (config) => {
    if (process.env.SP_LIVE_NO_REWRITE) return config;
    config.module.rules.push(
      {
        test: /[\\/]sp_live\.js$/,
        loader: require.resolve('string-replace-loader'),
        options: {
          search: "new URL('sp_live_bg.wasm', import.meta.url)",
          replace: "require('./sp_live_bg.wasm')",
          strict: true,
        },
      },
      {
        test: /\.wasm$/,
        type: 'javascript/auto',
        loader: require.resolve('file-loader'),
        options: { name: '[name].[contenthash:8].[ext]', esModule: false },
      },
    );
    return config;
  },
});

build.initialize(require('gulp'));
