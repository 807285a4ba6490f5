import init, { LiveList } from "sp-live";
import { probe } from "../../common/probe.js";

probe("vite", { init, LiveList });
