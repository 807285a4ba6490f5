// The JavaScript half of src/web, for the two hot paths: wasm calls in once per HTTP
// request (`send`, from http.rs) and once per load page or change set (the rest, from
// rows.rs), instead of crossing into JavaScript for every header, row and diff.

const OPS = ["insert", "update", "remove"];

/**
 * Parses the changed items, applies the positional edits to `rows` and returns the
 * `changes` event.
 * @param {unknown[]} rows the list's rows, edited in place
 * @param {string} itemsJson a JSON array: the added items, then the updated ones
 * @param {number} addedCount how many of them were added
 * @param {Int32Array} ops triples: op (0 insert, 1 update, 2 remove), index, item index (-1: none)
 * @param {Float64Array} deleted ids of deleted items
 * @param {string} token the change token after this set
 */
export function changesEvent(rows, itemsJson, addedCount, ops, deleted, token) {
  const items = JSON.parse(itemsJson);
  const diffs = [];
  for (let i = 0; i < ops.length; i += 3) {
    const op = OPS[ops[i]];
    const index = ops[i + 1];
    if (ops[i + 2] < 0) {
      rows.splice(index, 1);
      diffs.push({ op, index });
      continue;
    }
    const item = items[ops[i + 2]];
    if (op === "insert") rows.splice(index, 0, item);
    else rows[index] = item;
    diffs.push({ op, index, item });
  }
  return {
    type: "changes",
    added: items.slice(0, addedCount),
    updated: items.slice(addedCount),
    deleted: Array.from(deleted),
    diffs,
    token,
  };
}

/** Parses a JSON array and pushes its elements onto `rows` (one load page). */
export function appendRows(rows, itemsJson) {
  for (const item of JSON.parse(itemsJson)) rows.push(item);
}

/** `order.map((i) => from[i])`: the loaded rows in display order. */
export function pickRows(from, order) {
  const rows = new Array(order.length);
  for (let i = 0; i < order.length; i++) rows[i] = from[order[i]];
  return rows;
}

/**
 * `fetch(url, init)` (the caller's function, or the page's `fetch` at call time), then
 * the body as text.
 * @param {Function | undefined} fetchFn a `fetch`-compatible function, or undefined
 * @param {string} url
 * @param {string} method
 * @param {string} headers name and value pairs, each part ended by "\n"
 * @param {string | undefined} body
 * @returns {Promise<[number, string | null, string]>} status, Retry-After, body
 */
export function send(fetchFn, url, method, headers, body) {
  const init = { method, headers: {} };
  const parts = headers.split("\n");
  for (let i = 0; i + 1 < parts.length; i += 2) init.headers[parts[i]] = parts[i + 1];
  if (body !== undefined) init.body = body;
  return new Promise((resolve) => resolve(fetchFn ? fetchFn(url, init) : fetch(url, init))).then((response) => {
    // No `?.` or `??` here: webpack 4 (SPFx <= 1.21) cannot parse them.
    if (!response || typeof response.text !== "function") throw new Error("the response has no text() method");
    const headers = response.headers;
    const retryAfter = headers && typeof headers.get === "function" ? headers.get("Retry-After") : null;
    return Promise.resolve(response.text()).then((text) => [Number(response.status) || 0, retryAfter, typeof text === "string" ? text : ""]);
  });
}
