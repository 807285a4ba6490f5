import init, { LiveList } from "sp-live";
import * as seed from "sp-live/seed";
import { probe } from "../../common/probe.js";

// The `sp-live/seed` subpath resolves through the package's `exports`.
window.__seedExports = Object.keys(seed).sort();

probe("vite", { init, LiveList });
