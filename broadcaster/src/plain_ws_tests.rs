//! Unit tests of the plain WebSocket endpoint's subscriptions and frames.

use super::*;

const G: &str = "482e418a-0900-414b-8902-02248c2e44e8";

#[test]
fn subscribe_filter_unsubscribe() {
    let mut lists = BTreeSet::new();
    let r = on_client_text(
        &json!({"event":"subscribe","data":{"lists":[G.to_uppercase()]}}).to_string(),
        &mut lists,
    );
    let Some(Message::Text(t)) = r else { panic!() };
    assert!(t.as_str().contains(r#""ok":true"#), "{}", t.as_str());
    assert!(lists.contains(G));
    let batch = Batch {
        all: "[1,2]".into(),
        per_list: vec![(G.into(), "[1]".into()), ("other".into(), "[2]".into())],
        count: 2,
    };
    let frames = Frames::new(&batch);
    let f = frames_for(&frames, &lists);
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0],
        Message::Text(r#"{"event":"list:changes","data":[1]}"#.into())
    );
    on_client_text(r#"{"event":"unsubscribe"}"#, &mut lists);
    assert!(lists.is_empty());
    assert_eq!(frames_for(&frames, &lists).len(), 1);
    assert!(on_client_text(r#"{"event":"other"}"#, &mut lists).is_none());
    assert!(on_client_text("garbage", &mut lists).is_some());
    let r = on_client_text(
        r#"{"event":"subscribe","data":{"lists":["x"]}}"#,
        &mut lists,
    );
    let Some(Message::Text(t)) = r else { panic!() };
    assert!(t.as_str().contains(r#""ok":false"#));
    assert!(lists.is_empty());
}

/// A batch's frames are built once: every connection with the same subscription is
/// handed the same text (one buffer, shared), not a copy formatted per connection.
#[test]
fn a_batch_frames_are_shared_by_all_connections() {
    const OTHER: &str = "11111111-2222-3333-4444-555555555555";
    let batch = Batch {
        all: "[1,2,3]".into(),
        per_list: vec![(G.into(), "[1,3]".into()), (OTHER.into(), "[2]".into())],
        count: 3,
    };
    let frames = Frames::new(&batch);
    let text = |m: &Message| match m {
        Message::Text(t) => (t.as_str().to_owned(), t.as_str().as_ptr()),
        other => panic!("not text: {other:?}"),
    };
    let both: BTreeSet<String> = [G.to_owned(), OTHER.to_owned()].into();
    for lists in [BTreeSet::new(), [G.to_owned()].into(), both] {
        // Two connections with this subscription.
        let (one, two) = (frames_for(&frames, &lists), frames_for(&frames, &lists));
        assert_eq!(one.len(), lists.len().max(1));
        for (a, b) in one.iter().zip(&two) {
            assert_eq!(text(a), text(b), "same bytes at the same address");
        }
    }
    let all = text(&frames_for(&frames, &BTreeSet::new())[0]);
    assert_eq!(all.0, r#"{"event":"list:changes","data":[1,2,3]}"#);
}
