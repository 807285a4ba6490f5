import init, { LiveList } from "sp-live";
import { probe } from "../../common/probe.js";

probe("webpack4", { init, LiveList });
