//! Handshakes per protocol generation, heartbeats, reconnection and backoff.

use super::*;

#[test]
fn socket_io_v2_handshake_waits_for_the_servers_connect() {
    let mut h = Harness::new(Protocol::SocketIoV2);
    assert!(h.conn.socket_url().contains("EIO=3"));
    assert_eq!(statuses(&h.log), [State::Connecting]);
    assert!(h.open().is_empty());
    assert!(
        sent(&h.recv(V3_OPEN)).is_empty(),
        "a v2 client never sends CONNECT for /"
    );
    assert_eq!(statuses(&h.recv("40")), [State::Open]);
    let out = h.recv(r#"42["list:changes","[{\"resource\":\"abc\"}]"]"#);
    let event = &events(&out)[0];
    assert_eq!(event.name, "list:changes");
    assert_eq!(
        event.args,
        [EventArg::Json(
            json::parse(r#"[{"resource":"abc"}]"#).unwrap()
        )]
    );
}

#[test]
fn socket_io_v4_handshake_sends_connect_with_auth() {
    let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV4);
    o.auth = Some(json::parse(r#"{"token":"t"}"#).unwrap());
    let mut h = Harness::with(o);
    h.open();
    assert_eq!(sent(&h.recv(V4_OPEN)), [r#"40{"token":"t"}"#]);
    assert_eq!(h.conn.state(), State::Connecting);
    assert_eq!(statuses(&h.recv(r#"40{"sid":"x"}"#)), [State::Open]);
}

#[test]
fn auto_detects_a_2x_server_and_pings_it() {
    let mut h = Harness::new(Protocol::Auto);
    assert!(h.conn.socket_url().contains("EIO=4"));
    h.open();
    assert!(
        sent(&h.recv(V3_OPEN)).is_empty(),
        "no duplicate CONNECT on a 2.x server"
    );
    h.recv("40");
    assert_eq!(h.conn.state(), State::Open);
    assert_eq!(
        sent(&h.advance(1000)),
        ["2"],
        "Engine.IO 3: the client pings"
    );
}

#[test]
fn auto_detects_a_4x_server_and_answers_its_pings() {
    let mut h = Harness::new(Protocol::Auto);
    h.open();
    assert_eq!(sent(&h.recv(V4_OPEN)), ["40"]);
    h.recv(r#"40{"sid":"x"}"#);
    assert!(
        sent(&h.advance(1000)).is_empty(),
        "Engine.IO 4: the client never pings"
    );
    assert_eq!(sent(&h.recv("2")), ["3"]);
}

#[test]
fn v3_heartbeat_keeps_the_link_while_pongs_come_and_drops_it_when_they_stop() {
    let mut h = Harness::new(Protocol::SocketIoV2);
    h.connect_v2();
    for _ in 0..5 {
        assert_eq!(sent(&h.advance(1000)), ["2"]);
        h.recv("3");
    }
    assert_eq!(h.conn.state(), State::Open);
    let out = h.advance(1500);
    assert_eq!(error_codes(&out), ["protocol-heartbeat-timeout"]);
    assert_eq!(statuses(&out), [State::Reconnecting]);
    assert!(out.contains(&Output::CloseSocket { id: 1 }));
}

#[test]
fn v4_heartbeat_times_out_without_server_pings() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.connect_v4();
    for _ in 0..5 {
        h.advance(900);
        h.recv("2");
    }
    assert_eq!(h.conn.state(), State::Open);
    let out = h.advance(1500);
    assert_eq!(error_codes(&out), ["protocol-heartbeat-timeout"]);
}

#[test]
fn a_late_wake_up_judges_by_the_clock() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.connect_v4();
    h.now += 60_000; // the tab slept: one late timer
    h.conn.handle_timeout(h.now);
    assert_eq!(error_codes(&h.take()), ["protocol-heartbeat-timeout"]);
}

/// A refusal that lasts backs off to once a minute instead of `reconnectionDelayMax`;
/// other failures in between keep the usual cap, and a success starts over.
#[test]
fn refusals_back_off_to_a_minute() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    let mut delays = vec![];
    for _ in 0..9 {
        h.open();
        h.recv(V4_OPEN);
        let out = h.recv(r#"44{"message":"Not authorized"}"#);
        assert_eq!(error_codes(&out), ["protocol-connect-refused"]);
        let before = h.now;
        h.advance(h.conn.poll_timeout().unwrap() - before);
        delays.push(h.now - before);
    }
    let minute = 60_000;
    assert_eq!(
        delays,
        [1000, 2000, 4000, 8000, 16_000, 32_000, minute, minute, minute]
    );
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    h.take();
    let before = h.now;
    h.advance(h.conn.poll_timeout().unwrap() - before);
    assert_eq!(h.now - before, 5000, "a transport failure: the usual cap");
    h.conn
        .handle_socket_closed(h.socket, "4401 Not authorized", h.now);
    assert_eq!(error_codes(&h.take()), ["protocol-connect-refused"]);
    assert_eq!(h.conn.poll_timeout(), Some(h.now + minute));
    h.advance(minute);
    h.connect_v4();
    h.conn
        .handle_socket_closed(h.socket, "4401 Not authorized", h.now);
    h.take();
    assert_eq!(h.conn.poll_timeout(), Some(h.now + 1000), "starts over");
}

/// A plain WebSocket is open before the server can refuse it (sp-broadcaster closes it at
/// once with 4401): its refusals back off all the same, and so do its reconnection
/// attempts; one that stayed open a while starts over.
#[test]
fn plain_websocket_refusals_back_off_too() {
    let mut options = ConnectOptions::new("http://127.0.0.1:9", Protocol::WebSocket);
    options.reconnection_attempts = Some(8);
    let mut h = Harness::with(options);
    let mut delays = vec![];
    for _ in 0..8 {
        h.open();
        h.conn
            .handle_socket_closed(h.socket, "4401 Not authorized", h.now);
        assert_eq!(error_codes(&h.take()), ["protocol-connect-refused"]);
        let before = h.now;
        h.advance(h.conn.poll_timeout().unwrap() - before);
        delays.push(h.now - before);
    }
    assert_eq!(
        delays,
        [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]
    );
    h.open();
    h.conn
        .handle_socket_closed(h.socket, "4401 Not authorized", h.now);
    h.take();
    assert_eq!(
        h.conn.state(),
        State::Closed,
        "reconnectionAttempts ran out"
    );

    let mut h = Harness::new(Protocol::WebSocket);
    h.open();
    h.conn
        .handle_socket_closed(h.socket, "4401 Not authorized", h.now);
    h.take();
    h.advance(1000);
    h.open();
    h.advance(10_000);
    h.conn
        .handle_socket_closed(h.socket, "4401 Not authorized", h.now);
    h.take();
    assert_eq!(
        h.conn.poll_timeout(),
        Some(h.now + 1000),
        "open 10 s: starts over"
    );
    h.advance(1000);
    h.open();
    h.advance(3000);
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    h.take();
    assert_eq!(
        h.conn.poll_timeout(),
        Some(h.now + 2000),
        "open 3 s: a flapping link"
    );

    // Refused five times, then admitted for an hour: a wake-up that replaces the socket
    // starts the backoff and the attempts over.
    let mut options = ConnectOptions::new("http://127.0.0.1:9", Protocol::WebSocket);
    options.reconnection_attempts = Some(6);
    let mut h = Harness::with(options);
    for _ in 0..5 {
        h.open();
        h.conn
            .handle_socket_closed(h.socket, "4401 Not authorized", h.now);
        h.take();
        h.advance(h.conn.poll_timeout().unwrap() - h.now);
    }
    h.open();
    h.advance(3_600_000);
    h.conn.handle_network_back(h.now);
    h.take();
    h.advance(0);
    h.open();
    h.advance(3000);
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    h.take();
    assert_eq!(h.conn.state(), State::Reconnecting, "not out of attempts");
    assert_eq!(h.conn.poll_timeout(), Some(h.now + 1000));
}

#[test]
fn reconnects_with_socket_io_client_backoff_and_resets_after_success() {
    let mut h = Harness::new(Protocol::SocketIoV2);
    h.connect_v2();
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    let out = h.take();
    assert_eq!(statuses(&out), [State::Reconnecting]);
    let mut delays = vec![];
    for _ in 0..5 {
        let before = h.now;
        let at = h.conn.poll_timeout().unwrap();
        h.advance(at - before);
        delays.push(h.now - before);
        h.conn.handle_socket_closed(h.socket, "1006", h.now);
        h.take();
    }
    assert_eq!(delays, [1000, 2000, 4000, 5000, 5000]);
    let at = h.conn.poll_timeout().unwrap();
    h.advance(at - h.now);
    h.connect_v2();
    // A 2.x server's `/` proves admission once it has stayed open 10 s.
    for _ in 0..10 {
        h.advance(1000);
        h.recv("3");
    }
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    h.take();
    assert_eq!(
        h.conn.poll_timeout(),
        Some(h.now + 1000),
        "backoff starts over after a success"
    );
    let expected = [
        State::Connecting,
        State::Open,
        State::Reconnecting,
        State::Open,
        State::Reconnecting,
    ];
    assert_eq!(statuses(&h.log), expected);
}

/// A WebSocket that closes before the namespace connected is a failed attempt: an error
/// (as socket.io-client's `connect_error`), so that an app hears why it is not
/// connected; a link lost after connecting only changes the state.
#[test]
fn a_socket_closed_before_connecting_is_an_error_and_after_it_is_not() {
    let mut h = Harness::new(Protocol::SocketIoV2);
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    assert_eq!(error_codes(&h.take()), ["protocol-transport"]);
    let at = h.conn.poll_timeout().unwrap();
    h.advance(at - h.now);
    h.connect_v2();
    h.take();
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    let out = h.take();
    assert_eq!(error_codes(&out), Vec::<&str>::new());
    assert_eq!(statuses(&out), [State::Reconnecting]);
}

#[test]
fn gives_up_after_the_configured_attempts() {
    let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV2);
    o.reconnection_attempts = Some(2);
    let mut h = Harness::with(o);
    for _ in 0..3 {
        h.conn.handle_socket_closed(h.socket, "refused", h.now);
        h.take();
        h.advance(10_000);
    }
    assert_eq!(h.conn.state(), State::Closed);
    assert!(h.conn.poll_timeout().is_none());
}

#[test]
fn sharing_keys_tell_apart_what_must_not_share_a_socket() {
    let key = |url: &str, protocol, auth: Option<&str>| {
        let mut options = ConnectOptions::new(url, protocol);
        options.auth = auth.map(|a| crate::json::parse(a).unwrap());
        Connection::new(options, 0).unwrap().sharing_key()
    };
    let base = key("http://h:1/", Protocol::SocketIoV4, None);
    // Copies of sp-live of other versions find this connection by its key: its form stays.
    assert_eq!(base, "ws://h:1/socket.io/?EIO=4&transport=websocket|/|1|");
    assert_eq!(
        base,
        key("http://h:1", Protocol::SocketIoV4, None),
        "same target"
    );
    for other in [
        key("http://h:2/", Protocol::SocketIoV4, None),
        key("http://h:1/admin", Protocol::SocketIoV4, None),
        key("http://h:1/", Protocol::SocketIoV2, None),
        key("http://h:1/", Protocol::SocketIoV4, Some(r#"{"t":1}"#)),
    ] {
        assert_ne!(base, other);
    }
}

/// Back online, a reconnection waiting out its backoff starts at once, and an open
/// plain WebSocket (no heartbeat would notice its link died) is opened again; an open
/// socket.io connection stays (its heartbeat tells).
#[test]
fn back_online_reconnects_now_and_renews_a_plain_websocket() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.connect_v4();
    h.conn.handle_network_back(h.now);
    assert!(h.take().is_empty(), "socket.io: its heartbeat tells");
    h.conn
        .handle_socket_closed(h.socket, "transport close", h.now);
    assert_eq!(statuses(&h.take()), [State::Reconnecting]);
    assert!(h.conn.poll_timeout().unwrap() > h.now, "a backoff first");
    h.conn.handle_network_back(h.now);
    h.conn.handle_timeout(h.now);
    assert!(matches!(h.take()[..], [Output::OpenSocket { id: 2, .. }]));

    let mut h = Harness::new(Protocol::WebSocket);
    assert_eq!(statuses(&h.open()), [State::Open]);
    h.conn.handle_network_back(h.now);
    let out = h.take();
    assert!(out.contains(&Output::CloseSocket { id: 1 }), "{out:?}");
    assert_eq!(statuses(&out), [State::Reconnecting]);
    h.conn.handle_timeout(h.now);
    assert!(matches!(h.take()[..], [Output::OpenSocket { id: 2, .. }]));
    assert_eq!(statuses(&h.open()), [State::Open]);

    // Reconnection off: a working link is not risked (a failed attempt would end it).
    let mut o = ConnectOptions::new("http://127.0.0.1:9", Protocol::WebSocket);
    o.reconnection = false;
    let mut off = Harness::with(o);
    off.open();
    off.conn.handle_network_back(off.now);
    assert!(off.take().is_empty());
    assert_eq!(off.conn.state(), State::Open);

    // Closed for good stays closed.
    h.conn.close();
    h.take();
    h.conn.handle_network_back(h.now);
    h.conn.handle_timeout(h.now);
    assert!(h.take().is_empty());
}

/// A socket.io 2.x Node server whose middleware was added after it was attached (the
/// usual `io = socketio(server); io.use(...)`) sends `/`'s CONNECT with the handshake,
/// before its middleware runs: a refusal (`44"..."`) follows the `40`. Such refusals back
/// off as any other, and `reconnectionAttempts` runs out.
#[test]
fn v2_refusals_after_the_handshakes_connect_back_off_too() {
    let mut options = ConnectOptions::new("http://h", Protocol::SocketIoV2);
    options.reconnection_attempts = Some(7);
    let mut h = Harness::with(options);
    let mut delays = vec![];
    for _ in 0..7 {
        h.open();
        h.recv(V3_OPEN);
        h.recv("40");
        let out = h.recv(r#"44"Not authorized""#);
        assert_eq!(error_codes(&out), ["protocol-connect-refused"]);
        let before = h.now;
        h.advance(h.conn.poll_timeout().unwrap() - before);
        delays.push(h.now - before);
    }
    assert_eq!(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000]);
    h.open();
    h.recv(V3_OPEN);
    h.recv("40");
    h.recv(r#"44"Not authorized""#);
    assert_eq!(
        h.conn.state(),
        State::Closed,
        "reconnectionAttempts ran out"
    );
}
