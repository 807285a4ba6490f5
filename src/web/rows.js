// The hot end of applying a change set, in JavaScript: wasm calls this once per change
// set (src/web/feed_driver.rs) instead of crossing into JavaScript several times per
// change to build each row and diff object.

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
