//! `auto` against servers whose open packet has no `maxPayload` (socket.io 2.x, and
//! 3.0-4.4), and what one session found carrying over to the next attempts.

use super::*;

/// socket.io 3.0-4.4 (Engine.IO 4 before 6.2): no maxPayload.
const V4_OPEN_OLD: &str = r#"0{"sid":"o","upgrades":[],"pingInterval":1000,"pingTimeout":500}"#;

fn opened(url: &str) -> Vec<String> {
    vec![url.to_owned()]
}

#[test]
fn a_socket_io_3_to_4_4_server_gets_connect_after_the_grace_and_at_once_later() {
    let mut h = Harness::new(Protocol::Auto);
    h.open();
    assert!(sent(&h.recv(V4_OPEN_OLD)).is_empty(), "nothing sent yet");
    assert!(
        sent(&h.advance(999)).is_empty(),
        "no ping either: it may be 3.x/4.x"
    );
    assert_eq!(sent(&h.advance(1)), ["40"]);
    h.recv(r#"40{"sid":"x"}"#);
    assert_eq!(h.conn.state(), State::Open);
    // The server pings (Engine.IO 4): the client answers and never pings itself.
    assert_eq!(sent(&h.recv("2")), ["3"]);
    assert!(!sent(&h.advance(900)).contains(&"2".to_owned()));

    // The next attempt knows: CONNECT goes with the open packet.
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    h.take();
    h.advance(1_000);
    h.open();
    assert_eq!(sent(&h.recv(V4_OPEN_OLD)), ["40"]);
}

#[test]
fn a_ping_while_waiting_shows_engine_io_4_at_once() {
    let mut o = ConnectOptions::new("http://h", Protocol::Auto);
    o.auth = Some(json::parse(r#"{"token":"t"}"#).unwrap());
    let mut h = Harness::with(o);
    h.open();
    h.recv(V4_OPEN_OLD);
    assert_eq!(sent(&h.recv("2")), [r#"40{"token":"t"}"#, "3"]);
    h.recv(r#"40{"sid":"x"}"#);
    assert_eq!(h.conn.state(), State::Open);
}

#[test]
fn a_2x_server_shows_itself_by_joining_the_default_namespace_unasked() {
    let mut h = Harness::new(Protocol::Auto);
    h.open();
    h.recv(V3_OPEN);
    let out = h.recv("40");
    assert!(
        sent(&out).is_empty(),
        "no CONNECT: a 2.x server would open a second `/`"
    );
    assert_eq!(h.conn.state(), State::Open);
    // Engine.IO 3: the client pings.
    assert_eq!(sent(&h.advance(1_000)), ["2"]);
}

#[test]
fn auth_reaches_a_2x_server_on_the_default_namespace_in_the_url() {
    let mut o = ConnectOptions::new("http://h", Protocol::Auto);
    o.auth = Some(json::parse(r#"{"token":"t"}"#).unwrap());
    let mut h = Harness::with(o);
    assert!(
        !h.conn.socket_url().contains("token"),
        "not in a 3.x/4.x URL"
    );
    h.open();
    h.recv(V3_OPEN);
    let out = h.recv("40");
    assert!(error_codes(&out).is_empty(), "{out:?}");
    // At once, as 2.x: the auth in the query, as socket.io-client 2.x's `query`.
    let out = h.advance(0);
    assert_eq!(
        socket_urls(&out),
        opened("ws://h/socket.io/?EIO=3&transport=websocket&token=t")
    );
    h.connect_v2();
    // A middleware refusal in 2.x's form is recognised the same way.
    let mut o = ConnectOptions::new("http://h", Protocol::Auto);
    o.auth = Some(json::parse(r#"{"token":"t"}"#).unwrap());
    let mut h = Harness::with(o);
    h.open();
    h.recv(V3_OPEN);
    let out = h.recv(r#"44"Not authorized""#);
    assert!(error_codes(&out).is_empty(), "{out:?}");
    assert_eq!(socket_urls(&h.advance(0)).len(), 1);
}

#[test]
fn a_2x_server_whose_middleware_answers_after_the_grace_is_spoken_to_as_2x_next() {
    for late in [r#"40"#, r#"44"Not authorized""#] {
        let mut h = Harness::new(Protocol::Auto);
        h.open();
        h.recv(V3_OPEN);
        assert_eq!(sent(&h.advance(1_000)), ["40"], "taken for 3.x/4.x");
        let out = h.recv(late);
        assert!(error_codes(&out).is_empty(), "{late}: {out:?}");
        assert_ne!(h.conn.state(), State::Open, "{late}");
        assert_eq!(
            socket_urls(&h.advance(0)),
            opened("ws://127.0.0.1:9/socket.io/?EIO=3&transport=websocket"),
            "{late}: at once, as 2.x"
        );
        h.open();
        h.recv(V3_OPEN);
        assert!(sent(&h.recv("40")).is_empty());
        assert_eq!(h.conn.state(), State::Open);
    }
}

#[test]
fn the_sharing_key_stays_what_was_asked_for() {
    let mut h = Harness::new(Protocol::Auto);
    let key = h.conn.sharing_key();
    h.connect_v2();
    assert_eq!(h.conn.sharing_key(), key);
}

#[test]
fn a_binary_broadcast_on_the_default_namespace_is_skipped_whole() {
    // A 2.x server always joins `/` too: its binary events must not end `/admin`.
    let mut h = Harness::with(ConnectOptions::new("http://h/admin", Protocol::SocketIoV2));
    h.open();
    h.recv(V3_OPEN);
    h.recv("40");
    h.recv("40/admin,");
    assert_eq!(h.conn.state(), State::Open);
    h.recv(r#"451-["bin",{"_placeholder":true,"num":0}]"#);
    h.conn
        .handle_frame(h.socket, Frame::Binary(vec![4, 1, 2]), h.now);
    let out = h.take();
    assert_eq!(error_codes(&out), Vec::<&str>::new(), "{out:?}");
    let out = h.recv(r#"42/admin,["e",1]"#);
    assert_eq!(events(&out).len(), 1);
    assert_eq!(h.conn.state(), State::Open);
}

#[test]
fn a_2x_refusal_of_the_default_namespace_is_reported_not_a_timeout() {
    // socket.io 2.x runs `/`'s middleware for every client; `/admin` waits behind it.
    let mut h = Harness::with(ConnectOptions::new("http://h/admin", Protocol::SocketIoV2));
    h.open();
    h.recv(V3_OPEN);
    let out = h.recv(r#"44"Not authorized""#);
    assert_eq!(error_codes(&out), ["protocol-connect-refused"], "{out:?}");
}

#[test]
fn heartbeat_values_at_the_extremes_do_not_panic() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.now = 1_000;
    h.open();
    h.recv(r#"0{"sid":"s","upgrades":[],"pingInterval":9223372036854775807,"pingTimeout":9223372036854775807,"maxPayload":1}"#);
    h.recv(r#"40{"sid":"x"}"#);
    assert_eq!(h.conn.state(), State::Open);
    let mut h = Harness::new(Protocol::SocketIoV2);
    h.open();
    h.recv(r#"0{"sid":"s","upgrades":[],"pingInterval":0,"pingTimeout":5000}"#);
    h.recv("40");
    h.advance(10); // the harness fails on a deadline that does not move
}

#[test]
fn switching_to_2x_is_not_a_reconnection() {
    // Neither `reconnection: false` nor used-up attempts stop the switch (and it counts
    // as no attempt).
    for (reconnection, attempts) in [(false, None), (true, Some(0))] {
        let mut o = ConnectOptions::new("http://h", Protocol::Auto);
        o.auth = Some(json::parse(r#"{"token":"t"}"#).unwrap());
        o.reconnection = reconnection;
        o.reconnection_attempts = attempts;
        let mut h = Harness::with(o);
        h.open();
        h.recv(V3_OPEN);
        let out = h.recv("40");
        assert!(statuses(&out).is_empty(), "{out:?}");
        assert_eq!(
            socket_urls(&h.advance(0)).len(),
            1,
            "{reconnection} {attempts:?}"
        );
        h.connect_v2();
    }
}

#[test]
fn the_wait_comes_on_top_of_a_short_connect_timeout() {
    let mut o = ConnectOptions::new("http://h", Protocol::Auto);
    o.connect_timeout_ms = 800;
    let mut h = Harness::with(o);
    h.open();
    h.recv(V4_OPEN_OLD);
    let out = h.advance(1_000);
    assert_eq!(sent(&out), ["40"], "{out:?}");
    assert!(error_codes(&out).is_empty(), "{out:?}");
    h.recv(r#"40{"sid":"x"}"#);
    assert_eq!(h.conn.state(), State::Open);
}

#[test]
fn a_garbage_message_while_waiting_does_not_pin_2x() {
    let mut h = Harness::new(Protocol::Auto);
    h.open();
    h.recv(V4_OPEN_OLD);
    let out = h.recv("4zzz");
    assert_eq!(error_codes(&out), ["protocol-decode"]);
    h.advance(2_000);
    h.open();
    h.recv(V4_OPEN_OLD);
    assert!(
        sent(&h.advance(1_000)).contains(&"40".to_owned()),
        "still auto"
    );
}
