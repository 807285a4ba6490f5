//! State-machine tests with a fake clock and a scripted server.

use super::*;
use crate::json;
use crate::protocol::{EventArg, Protocol};

const V3_OPEN: &str = r#"0{"sid":"s3","upgrades":[],"pingInterval":1000,"pingTimeout":500}"#;
const V4_OPEN: &str =
    r#"0{"sid":"s4","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000}"#;

struct Harness {
    conn: Connection,
    now: u64,
    socket: SocketId,
    log: Vec<Output>,
}

impl Harness {
    fn new(protocol: Protocol) -> Self {
        Self::with(ConnectOptions::new("http://127.0.0.1:9", protocol))
    }

    fn with(mut options: ConnectOptions) -> Self {
        options.randomization_factor = 0.0;
        let mut h = Self {
            conn: Connection::new(options, 0).unwrap(),
            now: 0,
            socket: 0,
            log: vec![],
        };
        h.take();
        h
    }

    /// Drains outputs, remembering the newest socket id.
    fn take(&mut self) -> Vec<Output> {
        let mut out = vec![];
        while let Some(o) = self.conn.poll_output() {
            if let Output::OpenSocket { id, .. } = &o {
                self.socket = *id;
            }
            out.push(o);
        }
        self.log.extend(out.iter().cloned());
        out
    }

    fn open(&mut self) -> Vec<Output> {
        self.conn.handle_socket_open(self.socket, self.now);
        self.take()
    }

    fn recv(&mut self, text: &str) -> Vec<Output> {
        self.conn
            .handle_frame(self.socket, Frame::Text(text.into()), self.now);
        self.take()
    }

    /// Moves the clock forward by `ms`, firing every deadline on the way.
    fn advance(&mut self, ms: u64) -> Vec<Output> {
        let end = self.now + ms;
        let mut out = vec![];
        let mut last = None;
        while let Some(at) = self.conn.poll_timeout().filter(|at| *at <= end) {
            assert_ne!(Some(at), last, "deadline {at} repeats: busy loop");
            last = Some(at);
            self.now = self.now.max(at);
            self.conn.handle_timeout(self.now);
            out.extend(self.take());
        }
        self.now = end;
        out
    }

    fn connect_v2(&mut self) {
        self.open();
        self.recv(V3_OPEN);
        self.recv("40");
        assert_eq!(self.conn.state(), State::Open);
    }

    fn connect_v4(&mut self) {
        self.open();
        self.recv(V4_OPEN);
        self.recv(r#"40{"sid":"x"}"#);
        assert_eq!(self.conn.state(), State::Open);
    }
}

fn sent(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Send {
                frame: Frame::Text(t),
                ..
            } => Some(t.clone()),
            _ => None,
        })
        .collect()
}

fn events(outputs: &[Output]) -> Vec<Event> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn statuses(outputs: &[Output]) -> Vec<State> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Status { state, .. } => Some(*state),
            _ => None,
        })
        .collect()
}

fn error_codes(outputs: &[Output]) -> Vec<&'static str> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Error(e) => Some(e.code()),
            _ => None,
        })
        .collect()
}

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
