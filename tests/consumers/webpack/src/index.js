import init, { LiveList } from "sp-live";
import * as seed from "sp-live/seed";
import * as React from "react";
import * as ReactDOM from "react-dom";
import { useLiveList } from "sp-live/react";
import { probe } from "../../common/probe.js";
import { renderGrid } from "../../common/react-grid.js";

// The `sp-live/seed` subpath resolves through the package's `exports`.
window.__seedExports = Object.keys(seed).sort();

probe("webpack", { init, LiveList });
renderGrid({ React, ReactDOM, useLiveList });
