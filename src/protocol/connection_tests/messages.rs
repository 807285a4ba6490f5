//! Bad input, events, binary attachments, namespaces, emits and close.

use super::*;

#[test]
fn garbage_is_an_error_and_a_reconnect_not_a_panic() {
    for garbage in [
        "xyz{{not-a-packet",
        r#"42["list:changes",{bad"#,
        "4",
        "49",
        "",
        "0{}",
    ] {
        let mut h = Harness::new(Protocol::SocketIoV2);
        h.connect_v2();
        let out = h.recv(garbage);
        assert_eq!(error_codes(&out), ["protocol-decode"], "{garbage:?}");
        assert_eq!(statuses(&out), [State::Reconnecting]);
        let out = h.advance(1000);
        assert!(
            matches!(out[0], Output::OpenSocket { id: 2, .. }),
            "{out:?}"
        );
    }
}

#[test]
fn frames_over_the_limit_are_refused() {
    let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV2);
    o.max_frame_bytes = 120;
    let mut h = Harness::with(o);
    h.connect_v2();
    let out = h.recv(&format!("42[\"e\",\"{}\"]", "x".repeat(200)));
    assert_eq!(error_codes(&out), ["protocol-frame-too-large"]);
    assert!(events(&out).is_empty());
}

#[test]
fn server_disconnect_closes_like_socket_io_client_unless_configured() {
    let mut h = Harness::new(Protocol::SocketIoV2);
    h.connect_v2();
    let out = h.recv("41");
    assert_eq!(
        out.last(),
        Some(&Output::Status {
            state: State::Closed,
            reason: Some("io server disconnect".into())
        })
    );
    assert!(h.conn.poll_timeout().is_none());

    let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV2);
    o.reconnect_after_server_disconnect = true;
    let mut h = Harness::with(o);
    h.connect_v2();
    assert_eq!(statuses(&h.recv("41")), [State::Reconnecting]);

    // A holder of a shared connection asks for it while connected.
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.connect_v4();
    assert!(!h.conn.reconnects_after_server_disconnect());
    h.conn.reconnect_after_server_disconnect();
    assert!(h.conn.reconnects_after_server_disconnect());
    assert_eq!(statuses(&h.recv("41")), [State::Reconnecting]);
}

#[test]
fn connect_timeout_and_connect_error_lead_to_a_retry() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.open();
    let out = h.advance(20_000);
    assert_eq!(error_codes(&out), ["protocol-connect-timeout"]);
    assert_eq!(
        h.conn.state(),
        State::Connecting,
        "still the first connection"
    );

    let mut h = Harness::new(Protocol::SocketIoV4);
    h.open();
    h.recv(V4_OPEN);
    let out = h.recv(r#"44{"message":"Not authorized"}"#);
    assert_eq!(error_codes(&out), ["protocol-connect-refused"]);
}

#[test]
fn engine_close_packet_reconnects() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.connect_v4();
    assert_eq!(statuses(&h.recv("1")), [State::Reconnecting]);
}

#[test]
fn inputs_for_stale_sockets_are_ignored() {
    let mut h = Harness::new(Protocol::SocketIoV2);
    h.connect_v2();
    h.conn.handle_socket_closed(1, "1006", h.now);
    h.take();
    h.advance(1000);
    assert_eq!(h.socket, 2);
    h.conn
        .handle_frame(1, Frame::Text("42[\"e\"]".into()), h.now);
    h.conn.handle_socket_closed(1, "late", h.now);
    h.conn.handle_socket_open(1, h.now);
    assert!(h.take().is_empty());
    assert_eq!(h.conn.state(), State::Reconnecting);
}

#[test]
fn binary_events_reassemble_in_both_engine_versions() {
    let mut h = Harness::new(Protocol::SocketIoV2);
    h.connect_v2();
    h.recv(r#"451-["bin",{"_placeholder":true,"num":0},"str"]"#);
    h.conn
        .handle_frame(h.socket, Frame::Binary(vec![4, 1, 2, 3]), h.now);
    let ev = &events(&h.take())[0];
    assert_eq!(
        ev.args,
        [
            EventArg::Binary(vec![1, 2, 3]),
            EventArg::Json(json::Json::from("str"))
        ]
    );

    let mut h = Harness::new(Protocol::SocketIoV4);
    h.connect_v4();
    h.recv(r#"451-["bin",{"_placeholder":true,"num":0}]"#);
    h.conn
        .handle_frame(h.socket, Frame::Binary(vec![1, 2, 3]), h.now);
    assert_eq!(events(&h.take())[0].args, [EventArg::Binary(vec![1, 2, 3])]);
    let out = h.recv(r#"42["after"]"#);
    assert_eq!(events(&out)[0].name, "after");
}

#[test]
fn namespaces_in_protocol_4() {
    let mut o = ConnectOptions::new("http://h/admin", Protocol::SocketIoV2);
    o.auth = Some(json::parse(r#"{"token":"x"}"#).unwrap());
    let mut h = Harness::with(o);
    h.open();
    assert_eq!(sent(&h.recv(V3_OPEN)), ["40/admin?token=x,"]);
    h.recv("40");
    assert_eq!(
        h.conn.state(),
        State::Connecting,
        "the automatic / is not ours"
    );
    h.recv("40/admin,");
    assert_eq!(h.conn.state(), State::Open);
    assert!(events(&h.recv(r#"42["root-event"]"#)).is_empty());
    assert_eq!(events(&h.recv(r#"42/admin,["mine"]"#))[0].name, "mine");
}

#[test]
fn plain_websocket_messages() {
    let mut h = Harness::new(Protocol::WebSocket);
    assert_eq!(h.conn.socket_url(), "ws://127.0.0.1:9");
    assert_eq!(statuses(&h.open()), [State::Open]);
    let ev = &events(&h.recv(r#"{"event":"list:changes","data":[{"resource":"a"}]}"#))[0];
    assert_eq!(ev.name, "list:changes");
    assert_eq!(
        ev.args,
        [EventArg::Json(
            json::parse(r#"[{"resource":"a"}]"#).unwrap()
        )]
    );
    assert_eq!(events(&h.recv("[1,2]"))[0].name, "message");
    assert_eq!(error_codes(&h.recv("{bad")), ["protocol-decode"]);
}

#[test]
fn emits_are_buffered_offline_and_flushed_on_connect() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.conn.emit(
        "subscribe",
        vec![json::parse(r#"{"lists":["a"]}"#).unwrap()],
    );
    assert!(sent(&h.take()).is_empty());
    h.open();
    h.recv(V4_OPEN);
    let out = h.recv(r#"40{"sid":"x"}"#);
    assert_eq!(sent(&out), [r#"42["subscribe",{"lists":["a"]}]"#]);
    h.conn.emit("ping-me", vec![]);
    assert_eq!(sent(&h.take()), [r#"42["ping-me"]"#]);

    let mut h = Harness::new(Protocol::WebSocket);
    h.open();
    h.conn.emit("subscribe", vec![json::Json::from("a")]);
    assert_eq!(sent(&h.take()), [r#"{"event":"subscribe","data":"a"}"#]);
}

#[test]
fn close_says_goodbye_and_ignores_everything_after() {
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.connect_v4();
    h.conn.close();
    let out = h.take();
    assert_eq!(sent(&out), ["41"]);
    assert!(out.contains(&Output::CloseSocket { id: 1 }));
    assert_eq!(statuses(&out), [State::Closed]);
    h.recv("42[\"e\"]");
    h.conn.handle_socket_closed(1, "1000", h.now);
    h.conn.handle_timeout(h.now + 100_000);
    h.conn.emit("x", vec![]);
    assert!(h.take().is_empty());
    assert!(h.conn.poll_timeout().is_none());
}

#[test]
fn bad_options_are_a_config_error() {
    let err =
        Connection::new(ConnectOptions::new("127.0.0.1:9302", Protocol::Auto), 0).unwrap_err();
    assert_eq!(err.code(), "protocol-config");
}
