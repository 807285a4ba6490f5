use super::*;
use crate::json::{self, Json};

fn item(id: i64, title: &str) -> Json {
    json::parse(&format!(r#"{{"Id":{id},"ID":{id},"Title":"{title}"}}"#)).unwrap()
}

fn reset(ids: &[i64]) -> ChangeSet {
    ChangeSet {
        kind: ChangeSetKind::Reset,
        items: ids.iter().map(|id| item(*id, "x")).collect(),
        added: vec![],
        updated: vec![],
        deleted: vec![],
        token: "t".into(),
    }
}

fn changes(added: &[i64], updated: &[i64], deleted: &[i64]) -> ChangeSet {
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
fn replay(mut rows: Vec<i64>, diffs: &[Diff], truth: &[i64]) -> Vec<i64> {
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

#[test]
fn changes_become_positional_diffs_in_order() {
    let mut state = ListState::new();
    state.apply(&reset(&[1, 3, 5]));
    let diffs = state.apply(&changes(&[4, 9], &[1], &[3]));
    assert_eq!(
        diffs,
        [
            Diff::Remove { index: 1 },
            Diff::Insert { index: 1, id: 4 },
            Diff::Insert { index: 3, id: 9 },
            Diff::Update { index: 0, id: 1 },
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
fn random_change_sets_replay_to_the_same_order() {
    let mut rng = crate::sync::SplitMix64::new(7);
    let mut state = ListState::new();
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
        let expected: Vec<i64> = truth.iter().copied().collect();
        rows = replay(rows, &diffs, &expected);
        assert_eq!(rows, expected);
        assert_eq!(state.ids(), expected);
    }
}
