import init, { LiveList } from "sp-live";
import * as seed from "sp-live/seed";
import * as React from "react";
import * as ReactDOM from "react-dom";
import { useLiveList } from "sp-live/react";
import { probe } from "../../common/probe.js";
import { renderGrid } from "../../common/react-grid.js";

// webpack 4 ignores `exports`: the subpaths resolve to the files at the package's root.
window.__seedExports = Object.keys(seed).sort();

probe("webpack4", { init, LiveList });
renderGrid({ React, ReactDOM, useLiveList });
