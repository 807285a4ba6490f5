//! Randomized tests of the list state: loads and resets, change sets by ID and by a
//! field, and change sets a feed never makes, each replayed as a UI would and checked
//! against a model.

use super::tests::{changes, replay, reset, titled};
use super::*;
use crate::sync::Order;

/// Asserts that `ids` are in `order`'s display order, each id's item given by `item`.
fn assert_display_order(order: &Order, ids: &[i64], item: impl Fn(i64) -> Item) {
    for pair in ids.windows(2) {
        let (a, b) = (item(pair[0]), item(pair[1]));
        let cmp = order.compare((&order.item_key(&a), a.id), (&order.item_key(&b), b.id));
        assert!(cmp.is_lt(), "{:?}: {} then {}", order.field, a.id, b.id);
    }
}

/// A change set of titled items.
fn titled_changes(
    added: &[(i64, String)],
    updated: &[(i64, String)],
    deleted: Vec<i64>,
) -> ChangeSet {
    let items = |v: &[(i64, String)]| v.iter().map(|(i, t)| titled(*i, t)).collect();
    ChangeSet {
        kind: ChangeSetKind::Changes,
        items: vec![],
        added: items(added),
        updated: items(updated),
        deleted,
        token: "t".into(),
    }
}

/// Random loads (pages ascending by id, sometimes cut short by a new first page) and
/// resets with items of their own in any order, in each order: the list is every id
/// once, in display order, and the reset's picks name, for each row, the last item
/// that came with its id.
#[test]
fn random_loads_and_resets_pick_each_row_from_its_last_item() {
    let mut rng = crate::sync::SplitMix64::new(23);
    for order in ["ID", "ID desc", "Title", "Title desc"] {
        let order = Order::parse(order).unwrap();
        let mut state = ListState::with_order(order.clone());
        for _ in 0..200 {
            let mut came: Vec<Item> = Vec::new();
            let mut next = 1;
            for p in 0..rng.up_to(4) {
                let first = p == 0 || rng.chance(0.2);
                if first {
                    came.clear();
                }
                let page: Vec<Item> = (0..rng.up_to(5))
                    .map(|_| {
                        next += 1 + rng.up_to(3) as i64;
                        titled(next, &format!("t{}", rng.up_to(4)))
                    })
                    .collect();
                state.load_page(first, &page);
                came.extend(page);
            }
            let mut set = reset(&[]);
            set.items = (0..rng.up_to(4))
                .map(|_| titled(1 + rng.up_to(next as u64) as i64, "h"))
                .collect();
            came.extend(set.items.iter().cloned());
            state.apply(&set);
            let picks = state.take_reset_order();
            let ids = state.ids();
            assert_eq!(picks.len(), ids.len());
            let mut unique: Vec<i64> = came.iter().map(|i| i.id).collect();
            unique.sort_unstable();
            unique.dedup();
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, unique, "every id once");
            for (&pick, &id) in picks.iter().zip(&ids) {
                let last = came.iter().rposition(|i| i.id == id).unwrap();
                assert_eq!(pick as usize, last, "{id} in {:?}", order.field);
            }
            let last_copy = |id: i64| came.iter().rev().find(|i| i.id == id).unwrap().clone();
            assert_display_order(&order, &ids, last_copy);
        }
    }
}

#[test]
fn random_change_sets_replay_to_the_same_order() {
    random_change_sets_by_id(false);
}

#[test]
fn random_change_sets_replay_to_the_same_order_by_id_descending() {
    random_change_sets_by_id(true);
}

fn random_change_sets_by_id(descending: bool) {
    let mut rng = crate::sync::SplitMix64::new(7);
    let mut state =
        ListState::with_order(Order::parse(if descending { "ID desc" } else { "" }).unwrap());
    let mut rows = vec![];
    let mut truth = std::collections::BTreeSet::new();
    for _ in 0..500 {
        let mut added = vec![];
        let mut deleted = vec![];
        let mut updated = vec![];
        for _ in 0..(rng.next_u64() % 6) {
            let id = (rng.next_u64() % 60) as i64;
            match rng.next_u64() % 3 {
                0 if !truth.contains(&id) && !added.contains(&id) => added.push(id),
                1 if truth.contains(&id) && !deleted.contains(&id) && !updated.contains(&id) => {
                    deleted.push(id)
                }
                _ if truth.contains(&id) && !updated.contains(&id) && !deleted.contains(&id) => {
                    updated.push(id)
                }
                _ => {}
            }
        }
        for id in &deleted {
            truth.remove(id);
        }
        truth.extend(added.iter().copied());
        let diffs = state.apply(&changes(&added, &updated, &deleted));
        let mut expected: Vec<i64> = truth.iter().copied().collect();
        if descending {
            expected.reverse();
        }
        rows = replay(rows, &diffs, &expected);
        assert_eq!(rows, expected);
        assert_eq!(state.ids(), expected);
    }
}

#[test]
fn random_change_sets_keep_a_field_order_descending() {
    let mut rng = crate::sync::SplitMix64::new(11);
    let mut state = ListState::with_order(Order::parse("Title desc").unwrap());
    let mut rows: Vec<i64> = vec![];
    let mut truth: std::collections::BTreeMap<i64, String> = Default::default();
    for _ in 0..400 {
        let (mut added, mut updated, mut deleted) = (vec![], vec![], vec![]);
        for _ in 0..(rng.next_u64() % 6) {
            let id = (rng.next_u64() % 40) as i64;
            let title = format!("t{}", rng.next_u64() % 8);
            let touched =
                added.iter().chain(&updated).any(|(i, _)| *i == id) || deleted.contains(&id);
            match (rng.next_u64() % 3, truth.contains_key(&id), touched) {
                (_, _, true) => {}
                (0, false, _) => added.push((id, title)),
                (1, true, _) => deleted.push(id),
                (_, true, _) => updated.push((id, title)),
                _ => {}
            }
        }
        for id in &deleted {
            truth.remove(id);
        }
        for (id, t) in added.iter().chain(&updated) {
            truth.insert(*id, t.clone());
        }
        let diffs = state.apply(&titled_changes(&added, &updated, deleted));
        let mut expected: Vec<(String, i64)> = truth.iter().map(|(i, t)| (t.clone(), *i)).collect();
        expected.sort();
        expected.reverse();
        let expected: Vec<i64> = expected.into_iter().map(|(_, i)| i).collect();
        rows = replay(rows, &diffs, &expected);
        assert_eq!(rows, expected);
        assert_eq!(state.ids(), expected);
    }
}

/// Change sets a feed never makes (an id added that is there, updated that is not,
/// deleted and added or updated at once, deleted when absent), in each order: nothing
/// panics, the diffs replay to the ids, every id is there once, in display order by
/// its key, and a delete wins.
#[test]
fn odd_change_sets_keep_the_list_consistent() {
    let mut rng = crate::sync::SplitMix64::new(31);
    for order in ["ID", "ID desc", "Title", "Title desc"] {
        let order = Order::parse(order).unwrap();
        let mut state = ListState::with_order(order.clone());
        let mut rows: Vec<i64> = vec![];
        let mut truth: std::collections::BTreeMap<i64, String> = Default::default();
        for _ in 0..400 {
            let mut pick = |n| -> Vec<(i64, String)> {
                (0..rng.up_to(n))
                    .map(|_| (1 + rng.up_to(30) as i64, format!("t{}", rng.up_to(5))))
                    .collect()
            };
            let (mut added, mut updated) = (pick(4), pick(4));
            // Each id at most once in `added` and `updated` together (the contract).
            added.sort();
            added.dedup_by_key(|(id, _)| *id);
            updated.retain(|(id, _)| !added.iter().any(|(a, _)| a == id));
            updated.sort();
            updated.dedup_by_key(|(id, _)| *id);
            let deleted: Vec<i64> = pick(3).into_iter().map(|(id, _)| id).collect();
            for (id, t) in added.iter().chain(&updated) {
                truth.insert(*id, t.clone());
            }
            for id in &deleted {
                truth.remove(id);
            }
            let set = titled_changes(&added, &updated, deleted);
            let diffs = state.apply(&set);
            let ids = state.ids();
            rows = replay(rows, &diffs, &ids);
            assert_eq!(rows, ids, "{:?}: the diffs replay", order.field);
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, truth.keys().copied().collect::<Vec<_>>(), "{set:?}");
            assert_display_order(&order, &ids, |id| titled(id, &truth[&id]));
        }
    }
}
