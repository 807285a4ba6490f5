// A stand-in for SharePoint's module loader and web part host (see index.html).
(async () => {
  // Served as /spfx/ (SPFx 1.22) and /spfx118/ (SPFx 1.18): the consumer is the first path part.
  const consumer = location.pathname.split("/")[1];
  const state = { consumer, status: "starting", events: [], titles: [], error: null };
  window.__consumer = state;
  const fail = (e) => {
    // The web part replaces window.__consumer with its own state in onInit.
    window.__consumer.error = String(e?.message ?? e);
    document.getElementById("status").textContent = `${consumer} harness: ${window.__consumer.error}`;
  };
  try {
    const q = new URLSearchParams(location.search);
    const manifest = await (await fetch("./manifest.json")).json();
    const res = manifest.loaderConfig.scriptResources;

    // A minimal AMD registry: named and anonymous define() calls, dependencies by name.
    const modules = new Map();
    let anonymousName = null;
    window.define = (name, deps, factory) => {
      if (typeof name !== "string") [name, deps, factory] = [anonymousName, name, deps];
      if (typeof deps === "function") [deps, factory] = [[], deps];
      modules.set(name, { deps, factory });
    };
    window.define.amd = {};
    const load = (src, name) =>
      new Promise((resolve, reject) => {
        anonymousName = name;
        const s = document.createElement("script");
        s.src = src;
        s.onload = resolve;
        s.onerror = () => reject(new Error(`cannot load ${src}`));
        document.head.appendChild(s);
      });
    const require = (name) => {
      const m = modules.get(name);
      if (!m) throw new Error(`AMD module ${name} is not defined`);
      if (!("value" in m)) m.value = m.factory(...m.deps.map(require));
      return m.value;
    };

    // The SPFx externals the bundle imports, reduced to what the web part touches.
    // A function, not a class: SPFx compiles the web part to ES5 (`_super.call(this)`).
    function BaseClientSideWebPart() {}
    BaseClientSideWebPart.prototype.render = function () {};
    window.define("@microsoft/sp-webpart-base", [], () => ({ BaseClientSideWebPart }));
    window.define("@microsoft/sp-core-library", [], () => ({ Version: { parse: (v) => ({ toString: () => v }) } }));
    window.define("@microsoft/sp-property-pane", [], () => ({ PropertyPaneTextField: (p, o) => ({ p, o }) }));

    // Script resources of type "path", as listed in the manifest, from the .sppkg.
    for (const [name, r] of Object.entries(res)) {
      if (r.type === "path" && name !== manifest.loaderConfig.entryModuleId) await load(`./assets/${r.path}`, name);
    }
    const entry = res[manifest.loaderConfig.entryModuleId];
    await load(`./assets/${entry.path}`, null);
    const id = [...modules.keys()].find((k) => k.startsWith(`${manifest.id}_`));
    if (!id) throw new Error(`the bundle did not define ${manifest.id}_<version>`);
    const WebPart = require(id).default;

    const start = async (WebPartClass, element) => {
      const webpart = new WebPartClass();
      webpart.domElement = element;
      webpart.properties = { broadcaster: q.get("broadcaster"), listId: q.get("list") };
      webpart.context = { pageContext: { web: { absoluteUrl: q.get("site") } } };
      await webpart.onInit();
      webpart.render();
      return window.__consumer; // the web part's own state
    };
    const first = await start(WebPart, document.getElementById("webpart"));
    if (q.get("copies") === "2") {
      // A second copy of the bundle, as a second web part bundle or solution on the page
      // is: the bundle's factory run again is a webpack runtime of its own, with its own
      // copy of sp-live and its own wasm instance.
      const m = modules.get(id);
      const Second = m.factory(...m.deps.map(require)).default;
      const element = document.createElement("div");
      document.body.appendChild(element);
      window.__copies = [first, await start(Second, element)];
      window.__consumer = first;
    }
    document.getElementById("status").textContent = `${consumer} harness: web part initialised`;
  } catch (e) {
    fail(e);
  }
})();
