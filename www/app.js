// sp-live demo page: a live SharePoint list grid driven by the LiveList API of pkg/,
// used exactly as a web part would use it. Every value from the list is rendered with
// textContent, never as HTML.
import init, { LiveList } from "./pkg/sp_live.js";
import { keepCheckpoint, readCheckpoint } from "./pkg/checkpoint.js";
import { spWrite } from "./rest.js";

const FIELDS = ["Title", "Subject", "From", "To", "SentDate", "Editor/Title"]; // Editor: a person column
const LOG_MAX = 200;
/** Where this tab keeps the list's checkpoint across reloads (sessionStorage). */
const CHECKPOINT = "sp-live-demo:checkpoint";

const $ = (id) => document.getElementById(id);

/** Page state; exposed as window.__demo for the end-to-end test. */
const demo = {
  config: null,
  list: null,
  rows: [], // <tr> elements in the list's order (rows fading out are not in here)
  selected: null, // ID of the item in the editor
  pending: new Map(), // ID -> {op, t0}: our own writes, to time the loop
  events: 0,
  snapshots: 0,
  outOfStep: 0, // times the grid disagreed with list.items() and was redrawn
  ready: false,
  errors: [],
};
window.__demo = demo;

// ---------- small helpers ----------

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function itemId(item) {
  return item.ID ?? item.Id;
}

function fmtDate(v) {
  if (typeof v !== "string" || v === "") return v == null ? "" : String(v);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) return v;
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

function text(v) {
  return v == null ? "" : String(v);
}

function log(kind, message) {
  const li = el("li", `log-${kind}`);
  const t = new Date();
  li.append(
    el("time", "log-time", t.toLocaleTimeString(undefined, { hour12: false })),
    el("span", "log-kind", kind),
    el("span", "log-msg", message),
  );
  const ol = $("log");
  ol.prepend(li);
  while (ol.children.length > LOG_MAX) ol.lastElementChild.remove();
}

// ---------- the grid ----------

function fillRow(tr, item) {
  const id = itemId(item);
  tr.dataset.id = String(id);
  const cells = tr.children.length ? Array.from(tr.children) : null;
  const values = [text(id), text(item.Title), text(item.Subject), text(item.From), text(item.To), fmtDate(item.SentDate), text(item.Editor?.Title)];
  const classes = ["col-id", "col-title", "col-subject", "col-from", "col-to", "col-date", "col-editor"];
  values.forEach((v, i) => {
    const td = cells ? cells[i] : tr.appendChild(el("td", classes[i]));
    td.textContent = v;
    if (i === 5) td.title = text(item.SentDate);
  });
  tr.classList.toggle("selected", demo.selected === id);
}

function newRow(item) {
  const tr = el("tr");
  tr.tabIndex = 0;
  fillRow(tr, item);
  return tr;
}

function flash(tr, cls) {
  tr.classList.remove("flash-add", "flash-update");
  void tr.offsetWidth; // restart the animation
  tr.classList.add(cls);
}

function renderAll(items) {
  const body = $("rows");
  for (const tr of body.querySelectorAll("tr")) tr.remove();
  demo.rows = items.map(newRow);
  body.append(...demo.rows);
  updateEmpty();
}

function removeRow(tr) {
  tr.classList.remove("flash-add", "flash-update", "selected");
  tr.classList.add("removing");
  const done = () => tr.remove();
  tr.addEventListener("animationend", done, { once: true });
  setTimeout(done, 1500);
}

function applyDiffs(diffs) {
  const body = $("rows");
  for (const d of diffs) {
    if (d.op === "insert") {
      const tr = newRow(d.item);
      body.insertBefore(tr, demo.rows[d.index] ?? null);
      demo.rows.splice(d.index, 0, tr);
      flash(tr, "flash-add");
    } else if (d.op === "update") {
      const tr = demo.rows[d.index];
      if (!tr) continue;
      fillRow(tr, d.item);
      flash(tr, "flash-update");
    } else if (d.op === "remove") {
      const [tr] = demo.rows.splice(d.index, 1);
      if (tr) removeRow(tr);
    }
  }
  updateEmpty();
}

/** The diffs must leave the grid equal to list.items(); if not, say so and redraw. */
function checkInStep() {
  const items = demo.list.items();
  const ids = items.map(itemId).join(",");
  const shown = demo.rows.map((tr) => tr.dataset.id).join(",");
  if (ids !== shown) {
    demo.outOfStep += 1;
    log("error", `grid out of step with list.items() (${demo.rows.length} rows vs ${items.length} items): redrawn`);
    renderAll(items);
  }
}

function updateEmpty() {
  const empty = $("empty");
  empty.hidden = demo.rows.length > 0;
  if (demo.ready && demo.rows.length === 0) empty.textContent = "The list is empty. Add an item →";
  $("c-items").textContent = String(demo.rows.length);
}

// ---------- LiveList events ----------

function describe(items) {
  return items.map((i) => `#${itemId(i)}`).join(" ");
}

function onEvent(ev) {
  demo.events += 1;
  switch (ev.type) {
    case "snapshot":
    case "reset":
      demo.snapshots += 1;
      demo.ready = true;
      renderAll(ev.items);
      log(ev.type === "reset" ? "warn" : "info", `${ev.type}: ${ev.items.length} items`);
      break;
    case "changes": {
      if (Array.isArray(ev.diffs)) applyDiffs(ev.diffs);
      else renderAll(demo.list.items());
      checkInStep();
      const parts = [];
      if (ev.added?.length) parts.push(`added ${describe(ev.added)}`);
      if (ev.updated?.length) parts.push(`updated ${describe(ev.updated)}`);
      if (ev.deleted?.length) parts.push(`deleted ${ev.deleted.map((id) => `#${id}`).join(" ")}`);
      log("change", parts.join(", ") || "no visible change");
      closeLoops(ev);
      if (demo.selected != null && (ev.deleted ?? []).includes(demo.selected)) {
        log("info", `#${demo.selected}, open in the editor, was deleted`);
        select(null);
      }
      break;
    }
    case "status":
      setStatus(ev.status, ev.reason);
      break;
    case "progress":
      $("empty").textContent = `Loading… ${ev.loaded}${ev.total ? ` / ${ev.total}` : ""}`;
      break;
    case "error": {
      const e = ev.error ?? {};
      demo.errors.push({ code: e.code, message: e.message, status: e.status });
      const req = e.request ? ` (${e.request.method} ${e.request.url}${e.status ? ` → ${e.status}` : ""})` : "";
      log("error", `${e.code ?? "error"}: ${e.message ?? String(e)}${req}`);
      break;
    }
    default:
      log("info", `event ${ev.type}`);
  }
  updateCounters();
}

function closeLoops(ev) {
  const seen = [
    ...(ev.added ?? []).map(itemId),
    ...(ev.updated ?? []).map(itemId),
    ...(ev.deleted ?? []),
  ];
  for (const id of seen) {
    const p = demo.pending.get(id);
    if (!p) continue;
    demo.pending.delete(id);
    const ms = Math.round(performance.now() - p.t0);
    log("loop", `your ${p.op} of #${id} came back through the webhook in ${ms} ms`);
  }
}

function setStatus(status, reason) {
  const badge = $("status");
  const previous = badge.dataset.status;
  badge.dataset.status = status;
  $("status-text").textContent = status;
  badge.title = reason ? String(reason) : "";
  if (previous !== status) log(status === "live" ? "ok" : "status", reason ? `${status}: ${reason}` : status);
}

function updateCounters() {
  if (!demo.list) return;
  let s;
  try {
    s = demo.list.stats();
  } catch {
    return;
  }
  $("c-hints").textContent = String(s.hints ?? 0);
  $("c-requests").textContent = String(s.requests ?? 0);
  $("c-changes").textContent = String(s.changesApplied ?? 0);
  $("c-latency").textContent = s.lastLatencyMs == null ? "–" : `${Math.round(s.lastLatencyMs)} ms`;
}

// ---------- SharePoint REST writes (as a web part would do them) ----------

function itemsUrl(id) {
  const c = demo.config;
  const list = `${c.siteUrl}/_api/web/lists(guid'${c.listId}')/items`;
  return id == null ? list : `${list}(${id})`;
}

function formFields() {
  const f = {};
  for (const name of ["Title", "Subject", "From", "To"]) f[name] = $(`f-${name.toLowerCase()}`).value.trim();
  return f;
}

async function guarded(button, what, fn) {
  button.disabled = true;
  try {
    await fn();
  } catch (e) {
    log("error", `${what} failed: ${e.message}`);
  } finally {
    syncButtons();
  }
}

async function addItem() {
  const fields = { ...formFields(), SentDate: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
  const t0 = performance.now();
  const created = await spWrite(demo.config.siteUrl, "POST", itemsUrl(), fields);
  const id = created?.ID ?? created?.Id;
  log("rest", `POST items → 201, item #${id} (${Math.round(performance.now() - t0)} ms)`);
  if (id != null) demo.pending.set(id, { op: "add", t0 });
  select(null);
}

async function saveItem() {
  const id = demo.selected;
  const t0 = performance.now();
  await spWrite(demo.config.siteUrl, "MERGE", itemsUrl(id), formFields());
  log("rest", `MERGE items(${id}) → 204 (${Math.round(performance.now() - t0)} ms)`);
  demo.pending.set(id, { op: "update", t0 });
}

async function deleteItem() {
  const id = demo.selected;
  const t0 = performance.now();
  await spWrite(demo.config.siteUrl, "DELETE", itemsUrl(id));
  log("rest", `DELETE items(${id}) → 200 (${Math.round(performance.now() - t0)} ms)`);
  demo.pending.set(id, { op: "delete", t0 });
  select(null);
}

// ---------- the editor ----------

function select(id) {
  demo.selected = id;
  for (const tr of demo.rows) tr.classList.toggle("selected", tr.dataset.id === String(id));
  const item = id == null ? null : demo.list?.items().find((i) => itemId(i) === id);
  for (const name of ["Title", "Subject", "From", "To"]) $(`f-${name.toLowerCase()}`).value = item ? text(item[name]) : "";
  $("editing").textContent = id == null ? "new item" : `editing #${id}`;
  syncButtons();
}

function syncButtons() {
  const has = demo.selected != null;
  $("b-add").disabled = false;
  $("b-save").disabled = !has;
  $("b-delete").disabled = !has;
}

function wireEditor() {
  $("editor").addEventListener("submit", (e) => {
    e.preventDefault();
    guarded($("b-add"), "add", addItem);
  });
  $("b-save").addEventListener("click", () => guarded($("b-save"), "save", saveItem));
  $("b-delete").addEventListener("click", () => guarded($("b-delete"), "delete", deleteItem));
  $("b-clear").addEventListener("click", () => select(null));
  $("b-clear-log").addEventListener("click", () => $("log").replaceChildren());
  const pick = (e) => {
    const tr = e.target.closest("tr");
    if (!tr || tr.classList.contains("removing")) return;
    select(Number(tr.dataset.id));
  };
  $("rows").addEventListener("click", pick);
  $("rows").addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      pick(e);
    }
  });
}

// ---------- start ----------

async function main() {
  wireEditor();
  $("empty").hidden = false;
  let config;
  try {
    config = await (await fetch("config.json", { cache: "no-store" })).json();
  } catch (e) {
    setStatus("error", "no config.json: start the page with `make demo`");
    return;
  }
  demo.config = config;
  $("list-title").textContent = config.listTitle ?? "";
  $("subtitle").textContent = `${config.listTitle ?? "List"} on ${config.siteUrl}, webhooks every ${config.webhookIntervalMs ?? "?"} ms${config.edits ? ", random edits on" : ""}.`;
  $("foot-site").textContent = `site ${config.siteUrl}`;
  $("foot-broadcaster").textContent = `broadcaster ${config.broadcaster} (${config.protocol})`;

  // What this tab showed before a reload: its rows show at once, and the list catches
  // up from their change token instead of loading every item again.
  const kept = await readCheckpoint(CHECKPOINT);
  try {
    await init();
    demo.list = await LiveList.open({
      broadcaster: config.broadcaster,
      protocol: config.protocol ?? "auto",
      siteUrl: config.siteUrl,
      listId: config.listId,
      select: config.select ?? FIELDS,
      resume: kept,
    });
    if (kept) log("info", `resuming from this tab's checkpoint: ${kept.items?.length ?? 0} items`);
  } catch (e) {
    setStatus("error", e?.message ?? String(e));
    log("error", `could not open the list: ${e?.code ? `${e.code}: ` : ""}${e?.message ?? e}`);
    $("empty").textContent = "Could not open the list (see the activity log).";
    return;
  }
  demo.subscription = demo.list.subscribe(onEvent);
  if (demo.list.status) setStatus(demo.list.status);
  setInterval(updateCounters, 500);
  // Kept whenever the page is hidden (sp-live/checkpoint), and once more as it goes.
  const stopKeeping = keepCheckpoint(CHECKPOINT, demo.list);
  window.addEventListener("pagehide", () => {
    stopKeeping();
    demo.subscription?.unsubscribe();
    demo.list?.close();
  });
}

main();
