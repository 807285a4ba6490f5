// The demo's checkpoint across reloads: what the list showed and its change token, kept
// in this tab's sessionStorage, so that the next load shows those rows at once and
// catches up instead of loading every item (see README, "Using it").

/** The checkpoint kept under `key`, or `null`. */
export function readCheckpoint(key) {
  try {
    return JSON.parse(sessionStorage.getItem(key) ?? "null");
  } catch {
    return null;
  }
}

/** Keeps `list`'s checkpoint under `key` (if it has one and it fits the storage). */
export function keepCheckpoint(key, list) {
  try {
    const checkpoint = list?.checkpoint();
    if (checkpoint) sessionStorage.setItem(key, JSON.stringify(checkpoint));
  } catch {
    // over the storage quota: the next load loads the list
  }
}
