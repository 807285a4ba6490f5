use super::*;
use crate::json;
use crate::sync::Order;

fn item(id: i64, title: &str) -> Item {
    let value = json::parse(&format!(r#"{{"Id":{id},"ID":{id},"Title":"{title}"}}"#)).unwrap();
    Item::from_value(&value).unwrap()
}

pub(super) fn reset(ids: &[i64]) -> ChangeSet {
    ChangeSet {
        kind: ChangeSetKind::Reset,
        items: ids.iter().map(|id| item(*id, "x")).collect(),
        added: vec![],
        updated: vec![],
        deleted: vec![],
        token: "t".into(),
    }
}

pub(super) fn changes(added: &[i64], updated: &[i64], deleted: &[i64]) -> ChangeSet {
    ChangeSet {
        kind: ChangeSetKind::Changes,
        items: vec![],
        added: added.iter().map(|id| item(*id, "a")).collect(),
        updated: updated.iter().map(|id| item(*id, "u")).collect(),
        deleted: deleted.to_vec(),
        token: "t".into(),
    }
}

/// Applies diffs to a plain vector, as a UI would.
pub(super) fn replay(mut rows: Vec<i64>, diffs: &[Diff], truth: &[i64]) -> Vec<i64> {
    for d in diffs {
        match *d {
            Diff::Insert { index, id } => rows.insert(index, id),
            Diff::Update { index, id } => assert_eq!(rows[index], id, "update hits the same id"),
            Diff::Remove { index } => {
                rows.remove(index);
            }
            Diff::Replace => rows = truth.to_vec(),
        }
    }
    rows
}

#[test]
fn reset_replaces_and_sorts() {
    let mut state = ListState::new();
    assert_eq!(state.apply(&reset(&[5, 1, 3])), [Diff::Replace]);
    assert_eq!(state.ids(), [1, 3, 5]);
    assert_eq!(state.index_of(5), Some(2));
}

/// Load pages (a first page drops the pages of a load cut short) and a reset's own
/// items, repeated ids included, make the list in either order: by ID the pages keep
/// only ids, by a field ids and keys side by side. The reset's rows are picked from
/// the items in the order they came (of a repeated id, the last).
#[test]
fn load_pages_and_a_reset_make_the_list_by_id_or_by_a_field() {
    for order in ["ID", "Title"] {
        let mut state = ListState::with_order(Order::parse(order).unwrap());
        state.load_page(true, &[titled(9, "z")]);
        state.load_page(true, &[titled(1, "c"), titled(3, "a")]);
        state.load_page(false, &[titled(5, "b")]);
        let mut set = reset(&[]);
        set.items = vec![titled(2, "d"), titled(3, "a")];
        state.apply(&set);
        let expected: &[i64] = if order == "ID" {
            &[1, 2, 3, 5]
        } else {
            &[3, 5, 1, 2]
        };
        assert_eq!(state.ids(), expected, "{order}");
        // The items came as 1, 3, 5, 2, 3.
        let picks: &[i32] = if order == "ID" {
            &[0, 3, 4, 2]
        } else {
            &[4, 2, 0, 3]
        };
        assert_eq!(state.take_reset_order(), picks, "{order}");
        assert!(state.take_reset_order().is_empty());
        let diffs = state.apply(&changes(&[4], &[], &[9]));
        assert_eq!(state.ids().len(), 5, "{order}: {diffs:?}");
    }
}

#[test]
fn changes_become_positional_diffs_in_one_pass_by_position() {
    let mut state = ListState::new();
    state.apply(&reset(&[1, 3, 5]));
    let diffs = state.apply(&changes(&[4, 9], &[1], &[3]));
    assert_eq!(
        diffs,
        [
            Diff::Update { index: 0, id: 1 },
            Diff::Remove { index: 1 },
            Diff::Insert { index: 1, id: 4 },
            Diff::Insert { index: 3, id: 9 },
        ]
    );
    assert_eq!(state.ids(), [1, 4, 5, 9]);
    assert_eq!(replay(vec![1, 3, 5], &diffs, &state.ids()), state.ids());
}

#[test]
fn unknown_deletes_and_duplicate_adds_are_harmless() {
    let mut state = ListState::new();
    state.apply(&reset(&[1]));
    let diffs = state.apply(&changes(&[1], &[], &[42]));
    assert_eq!(diffs, [Diff::Update { index: 0, id: 1 }]);
    assert_eq!(state.ids(), [1]);
}

#[test]
fn a_delete_wins_over_an_update_of_the_same_id_and_edits_at_the_ends_keep_their_places() {
    let mut state = ListState::new();
    state.apply(&reset(&[2, 4, 6, 8]));
    // 4 is both updated (twice) and deleted; 2 and 8, the ends, are edited; 1 and 9 go
    // before and after every current id.
    let diffs = state.apply(&changes(&[1, 9], &[2, 4, 4, 8], &[4, 6]));
    assert_eq!(
        diffs,
        [
            Diff::Insert { index: 0, id: 1 },
            Diff::Update { index: 1, id: 2 },
            Diff::Remove { index: 2 },
            Diff::Remove { index: 2 },
            Diff::Update { index: 2, id: 8 },
            Diff::Insert { index: 3, id: 9 },
        ]
    );
    assert_eq!(state.ids(), [1, 2, 8, 9]);
    assert_eq!(replay(vec![2, 4, 6, 8], &diffs, &state.ids()), state.ids());
}

pub(super) fn titled(id: i64, title: &str) -> Item {
    item(id, title)
}

#[test]
fn ordered_by_a_field_moves_rows_whose_key_changes() {
    let mut state = ListState::with_order(Order::parse("Title").unwrap());
    let reset = ChangeSet {
        kind: ChangeSetKind::Reset,
        items: vec![titled(1, "c"), titled(2, "a"), titled(3, "b")],
        added: vec![],
        updated: vec![],
        deleted: vec![],
        token: "t".into(),
    };
    state.apply(&reset);
    assert_eq!(state.ids(), [2, 3, 1]);
    let change = ChangeSet {
        kind: ChangeSetKind::Changes,
        items: vec![],
        added: vec![titled(4, "bb")],
        updated: vec![titled(2, "z"), titled(3, "b")],
        deleted: vec![1],
        token: "t".into(),
    };
    let diffs = state.apply(&change);
    assert_eq!(state.ids(), [3, 4, 2]);
    assert_eq!(replay(vec![2, 3, 1], &diffs, &state.ids()), [3, 4, 2]);
    assert!(
        diffs.contains(&Diff::Update { index: 0, id: 3 }),
        "same key: an update in place"
    );
    assert_eq!(state.index_of(2), Some(2));
}

/// 1,000 changes on 10,000 rows (run: `cargo test --release --lib timing_ -- --ignored
/// --nocapture`): the single ordered pass takes well under a millisecond natively.
#[test]
#[ignore]
fn timing_apply_1000_on_10000() {
    let mut state = ListState::new();
    let ids: Vec<i64> = (1..=10000).map(|i| i * 2).collect();
    state.apply(&reset(&ids));
    let deleted: Vec<i64> = (0..100).map(|i| i * 190 + 6).collect();
    let added: Vec<i64> = (0..100).map(|i| i * 150 + 3).collect();
    let mut updated: Vec<i64> = (0..800).map(|i| i * 12 + 4).collect();
    updated.retain(|x| !deleted.contains(x));
    let set = changes(&added, &updated, &deleted);
    let before = state.ids();
    let started = std::time::Instant::now();
    let diffs = state.apply(&set);
    eprintln!("apply: {:?} for {} diffs", started.elapsed(), diffs.len());
    assert_eq!(replay(before, &diffs, &state.ids()), state.ids());
}

#[test]
fn the_ids_are_observable_as_a_signal() {
    use futures_signals::signal::Signal;
    use std::pin::pin;
    use std::task::{Context, Poll};
    let mut state = ListState::new();
    let mut signal = pin!(state.signal());
    let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
    let mut next = move || match signal.as_mut().poll_change(&mut cx) {
        Poll::Ready(Some(ids)) => Some(ids),
        _ => None,
    };
    assert_eq!(next(), Some(vec![]));
    state.apply(&reset(&[3, 1]));
    state.apply(&changes(&[2], &[], &[3]));
    assert_eq!(next(), Some(vec![1, 2]), "the latest ids, once per poll");
    assert_eq!(next(), None);
}

#[test]
fn diff_ops_name_each_item_by_its_place_in_added_then_updated() {
    let mut list = ListState::new();
    list.apply(&reset(&[2, 4, 6]));
    let set = changes(&[5, 1], &[6], &[4]);
    let set = ChangeSet {
        added: vec![item(1, "a"), item(5, "a")], // ordered by id, as the feed delivers
        ..set
    };
    let diffs = list.apply(&set);
    // [1, 2, 5, 6]: insert 1 at 0 (added[0]), remove 4 at 2, insert 5 at 2 (added[1]),
    // update 6 at 3 (updated[0] = item 2 of added ++ updated).
    assert_eq!(
        diff_ops(&set, &diffs),
        [0, 0, 0, 2, 2, -1, 0, 2, 1, 1, 3, 2]
    );
    assert_eq!(diff_ops(&reset(&[1]), &[Diff::Replace]), Vec::<i32>::new());
}

/// A number column sorts by value, integers and decimals mixed.
#[test]
fn a_number_field_sorts_by_value() {
    let numbered = |id: i64, n: &str| {
        let value = json::parse(&format!(r#"{{"Id":{id},"N":{n}}}"#)).unwrap();
        Item::from_value(&value).unwrap()
    };
    let mut state = ListState::with_order(Order::parse("N").unwrap());
    let mut set = reset(&[]);
    set.items = vec![numbered(1, "10"), numbered(2, "2"), numbered(3, "15.5")];
    state.apply(&set);
    assert_eq!(state.ids(), [2, 1, 3]);
    let mut change = changes(&[4], &[], &[]);
    change.added = vec![numbered(4, "9.75")];
    state.apply(&change);
    assert_eq!(state.ids(), [2, 4, 1, 3]);
}
