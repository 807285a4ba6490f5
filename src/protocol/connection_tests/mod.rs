//! State-machine tests with a fake clock and a scripted server: the harness here,
//! the tests in `lifecycle` (handshakes, heartbeats, reconnection) and `messages`
//! (bad input, events, namespaces, emits, close).

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

/// The URLs of the sockets opened.
fn socket_urls(outputs: &[Output]) -> Vec<String> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::OpenSocket { url, .. } => Some(url.clone()),
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

mod auth;
mod auto;
mod lifecycle;
mod messages;
mod place;
mod random;
mod swap;
