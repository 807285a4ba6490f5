//! Collapsing a change log into one net effect per item.
//!
//! The net effect of an item's changes is its last effect: any upsert after a delete
//! means the item exists again (read it), a delete last means it is gone. Whether an
//! upsert is *added* or *updated*, and whether a delete is worth reporting, depends on
//! what the client already has ([`classify`]):
//!
//! | changes (in order)        | client lacks it | client has it |
//! |---------------------------|-----------------|---------------|
//! | add, update...            | added           | updated       |
//! | add, delete               | nothing         | deleted       |
//! | update, delete            | nothing         | deleted       |
//! | delete, restore / add     | added           | updated       |

use crate::sharepoint::{Change, ItemEffect};

/// Per item id (ascending), the net effect of a sequence of changes: the last one
/// wins (non-item changes are skipped). A sorted vector rather than a map keeps
/// the WebAssembly small.
pub fn collapse(changes: &[Change]) -> Vec<(i64, ItemEffect)> {
    let effects: Vec<(i64, ItemEffect)> = changes
        .iter()
        .filter_map(|c| Some((c.item_id?, c.change_type.effect()?)))
        .collect();
    // The distinct ids, sorted (the crate sorts only `i64`s: one sort in the wasm).
    let mut ids: Vec<i64> = effects.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut net: Vec<(i64, ItemEffect)> = ids.iter().map(|id| (*id, ItemEffect::Upsert)).collect();
    for (id, effect) in effects {
        if let Ok(at) = ids.binary_search(&id) {
            net[at].1 = effect; // in log order: the last one wins
        }
    }
    net
}

/// How a net effect appears to a client, given whether it already has the item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Classified {
    /// New to the client (to be read).
    Added,
    /// Known to the client and changed (to be read).
    Updated,
    /// Known to the client and gone.
    Deleted,
    /// Nothing to report (a delete of an item the client never had).
    Nothing,
}

/// Classifies a net effect against the client's state.
pub fn classify(effect: ItemEffect, client_has: bool) -> Classified {
    match (effect, client_has) {
        (ItemEffect::Upsert, false) => Classified::Added,
        (ItemEffect::Upsert, true) => Classified::Updated,
        (ItemEffect::Delete, true) => Classified::Deleted,
        (ItemEffect::Delete, false) => Classified::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sharepoint::ChangeType;

    fn ch(id: i64, n: i64) -> Change {
        Change {
            token: None,
            change_type: ChangeType::from_number(n),
            item_id: Some(id),
            list_id: None,
        }
    }

    fn net(types: &[i64], has: bool) -> Classified {
        let changes: Vec<Change> = types.iter().map(|&t| ch(1, t)).collect();
        match collapse(&changes).iter().find(|(id, _)| *id == 1) {
            Some(&(_, e)) => classify(e, has),
            None => Classified::Nothing,
        }
    }

    #[test]
    fn collapse_table() {
        use Classified::*;
        let (add, upd, del, ren, away, into, restore, sys) = (1, 2, 3, 4, 5, 6, 7, 15);
        assert_eq!(net(&[add, upd], false), Added);
        assert_eq!(net(&[add, del], false), Nothing);
        assert_eq!(net(&[upd, del], true), Deleted);
        assert_eq!(net(&[upd, del], false), Nothing);
        assert_eq!(net(&[del, restore], true), Updated);
        assert_eq!(net(&[del, restore], false), Added);
        assert_eq!(net(&[del, add], true), Updated);
        assert_eq!(net(&[upd, sys, ren], true), Updated);
        assert_eq!(net(&[into], false), Added);
        assert_eq!(net(&[away], true), Deleted);
        assert_eq!(net(&[away, into], true), Updated);
        assert_eq!(net(&[add, 8, 16], false), Added);
        assert_eq!(net(&[8, 0], true), Nothing);
    }

    #[test]
    fn collapses_many_items_independently() {
        let changes = vec![
            ch(1, 1),
            ch(2, 2),
            ch(1, 3),
            ch(3, 1),
            Change {
                item_id: None,
                ..ch(0, 2)
            },
        ];
        let n = collapse(&changes);
        assert_eq!(
            n,
            [
                (1, ItemEffect::Delete),
                (2, ItemEffect::Upsert),
                (3, ItemEffect::Upsert)
            ]
        );
    }
}
