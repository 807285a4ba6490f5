//! What the emitter broadcasts: a [`Batch`] of webhook entries, and how batches that
//! queue up while one is being emitted merge into one.

use tokio::sync::mpsc;

/// One accepted webhook body (or several merged), ready to broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// JSON text of the whole `value` array: entries as received, less `clientState`.
    pub all: String,
    /// Per list (lower-case GUID, in order of first appearance): JSON text of the array of
    /// that list's entries. Entries whose `resource` is not a GUID appear only in `all`.
    pub per_list: Vec<(String, String)>,
    /// Number of entries in the batch.
    pub count: usize,
}

impl Batch {
    /// Appends `later`'s entries after this batch's: one batch, as if SharePoint had sent
    /// both bodies' entries in one `value` array (lists keep their order of first
    /// appearance, each list's entries their arrival order).
    pub fn merge(&mut self, later: Batch) {
        append_array(&mut self.all, &later.all);
        for (list, json) in later.per_list {
            match self.per_list.iter_mut().find(|(l, _)| *l == list) {
                Some((_, mine)) => append_array(mine, &json),
                None => self.per_list.push((list, json)),
            }
        }
        self.count += later.count;
    }
}

/// Appends the elements of the JSON array text `more` to the JSON array text `array`
/// (both as [`parse_body`](crate::webhook::parse_body) writes them: `[` ... `]`, no
/// outer whitespace).
fn append_array(array: &mut String, more: &str) {
    if more == "[]" {
        return;
    }
    if array == "[]" {
        more.clone_into(array);
        return;
    }
    array.pop();
    array.push(',');
    array.push_str(&more[1..]);
}

/// Merges the batches already queued in `rx` into `batch` while its entries stay within
/// `limit` bytes; returns the first one that did not fit.
pub(crate) fn coalesce(
    batch: &mut Batch,
    rx: &mut mpsc::Receiver<Batch>,
    limit: usize,
) -> Option<Batch> {
    while let Ok(next) = rx.try_recv() {
        if batch.all.len() + next.all.len() > limit {
            return Some(next);
        }
        batch.merge(next);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::parse_body;

    const A: &str = "11111111-2222-3333-4444-555555555555";
    const B: &str = "66666666-2222-3333-4444-555555555555";

    fn entry(list: &str, client_state: &str) -> String {
        format!(r#"{{"resource":"{list}","clientState":"{client_state}"}}"#)
    }

    fn from_entries(entries: &[String]) -> Batch {
        let body = format!(r#"{{"value":[{}]}}"#, entries.join(","));
        parse_body(body.as_bytes(), &[]).unwrap().0
    }

    fn batch(lists: &[&str]) -> Batch {
        let entries: Vec<String> = lists.iter().map(|l| entry(l, "")).collect();
        from_entries(&entries)
    }

    #[test]
    fn merged_batches_read_as_one_body_with_both_bodies_entries() {
        let (a, b, c) = (entry(A, "a"), entry(B, "b"), entry(A, "c"));
        let mut merged = from_entries(&[a.clone(), b.clone()]);
        merged.merge(from_entries(std::slice::from_ref(&c)));
        merged.merge(from_entries(&[]));
        assert_eq!(merged, from_entries(&[a.clone(), b.clone(), c.clone()]));
        let mut from_empty = from_entries(&[]);
        from_empty.merge(from_entries(std::slice::from_ref(&b)));
        assert_eq!(from_empty, from_entries(&[b]));
        for json in std::iter::once(&merged.all).chain(merged.per_list.iter().map(|(_, j)| j)) {
            serde_json::from_str::<serde_json::Value>(json).unwrap();
        }
    }

    #[tokio::test]
    async fn queued_batches_are_emitted_as_one_up_to_the_size_limit() {
        let (tx, mut rx) = mpsc::channel(8);
        for lists in [&[B][..], &[A], &[A, B]] {
            tx.send(batch(lists)).await.unwrap();
        }
        let mut first = batch(&[A]);
        assert!(coalesce(&mut first, &mut rx, usize::MAX).is_none());
        assert_eq!(first, batch(&[A, B, A, A, B]));
        assert!(rx.try_recv().is_err(), "all merged");

        // A batch that would pass the limit is handed back, and waits for the next emit.
        for lists in [&[B][..], &[A, B]] {
            tx.send(batch(lists)).await.unwrap();
        }
        let mut first = batch(&[A]);
        let limit = first.all.len() + batch(&[B]).all.len();
        let carried = coalesce(&mut first, &mut rx, limit);
        assert_eq!(first, batch(&[A, B]));
        assert_eq!(carried, Some(batch(&[A, B])));
    }
}
