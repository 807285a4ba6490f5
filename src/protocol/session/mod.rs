//! One WebSocket session: the Engine.IO handshake, the namespace connect in the
//! right protocol generation, heartbeats, binary reassembly and event decoding.
//! A session ends once; the [`Connection`](super::Connection) decides what next.

mod auto;
mod packets;

use super::connection::{Output, SocketId};
use super::engineio::{self, EnginePacket, EngineVersion};
use super::error::ProtocolError;
use super::heartbeat::{Beat, Heartbeat};
use super::options::{ConnectOptions, Protocol, Target};
use super::socketio::{self, PacketKind};
use super::Frame;
use crate::json::Json;
use auto::{Detection, GRACE_MS};

/// How a session ended.
#[derive(Debug)]
pub(crate) struct SessionEnd {
    /// For the status line, e.g. `transport close: 1006`.
    pub reason: String,
    /// A failure to report as an error event.
    pub error: Option<ProtocolError>,
    /// The server sent DISCONNECT ("io server disconnect").
    pub server_disconnect: bool,
    /// Try again at once: `auto` found out how to speak to the server
    /// ([`Session::take_found`]).
    pub retry_now: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    AwaitSocketOpen,
    AwaitEngineOpen,
    AwaitNamespace,
    Ready,
}

/// A binary event (or ack) waiting for its attachments.
#[derive(Debug)]
struct PendingBinary {
    data: Option<Json>,
    expected: usize,
    received: Vec<Vec<u8>>,
    deliver: bool,
}

/// State of one WebSocket.
#[derive(Debug)]
pub(crate) struct Session {
    id: SocketId,
    protocol: Protocol,
    namespace: String,
    auth: Option<Json>,
    stage: Stage,
    connect_deadline: u64,
    connect_timeout_ms: u64,
    engine: EngineVersion,
    heartbeat: Option<Heartbeat>,
    detection: Detection,
    /// The protocol `auto` found the server to speak, for the connection's next attempts.
    found: Option<Protocol>,
    pending: Option<PendingBinary>,
    outputs: Vec<Output>,
    end: Option<SessionEnd>,
    ended: bool,
}

impl Session {
    /// A session for attempt `id`; `auto`: the connection's `protocol` was `auto`, and
    /// `options.protocol` is what it found (a server found 3.x/4.x is checked again).
    pub(crate) fn new(
        id: SocketId,
        options: &ConnectOptions,
        target: &Target,
        auto: bool,
        now: u64,
    ) -> Self {
        Self {
            id,
            protocol: options.protocol,
            namespace: target.namespace.clone(),
            auth: options.auth.clone(),
            stage: Stage::AwaitSocketOpen,
            connect_deadline: now.saturating_add(options.connect_timeout_ms),
            connect_timeout_ms: options.connect_timeout_ms,
            engine: options.protocol.requested_engine(),
            heartbeat: None,
            // A 2.x server put where a 3.x/4.x one was found answers EIO=4 in its own
            // generation: its CONNECT without `sid` shows it (super::auto).
            detection: match auto && options.protocol == Protocol::SocketIoV4 {
                true => Detection::GuessedV4,
                false => Detection::Settled,
            },
            found: None,
            pending: None,
            outputs: Vec::new(),
            end: None,
            ended: false,
        }
    }

    pub(crate) fn socket_id(&self) -> SocketId {
        self.id
    }

    pub(crate) fn is_ready(&self) -> bool {
        self.stage == Stage::Ready && !self.ended
    }

    pub(crate) fn take_outputs(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.outputs)
    }

    pub(crate) fn take_end(&mut self) -> Option<SessionEnd> {
        self.end.take()
    }

    /// What `auto` found the server to speak (once known for sure).
    pub(crate) fn take_found(&mut self) -> Option<Protocol> {
        self.found.take()
    }

    /// Whether the server's Engine.IO handshake (its open packet) arrived.
    pub(crate) fn handshaken(&self) -> bool {
        !matches!(self.stage, Stage::AwaitSocketOpen | Stage::AwaitEngineOpen)
    }

    pub(crate) fn next_deadline(&self) -> Option<u64> {
        if self.ended {
            return None;
        }
        let mut connect = (self.stage != Stage::Ready).then_some(self.connect_deadline);
        if let Detection::Waiting { until, .. } = self.detection {
            connect = connect.map(|at| at.min(until));
        }
        let beat = self.heartbeat.as_ref().and_then(Heartbeat::next_deadline);
        match (connect, beat) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    // ----- inputs -----

    pub(crate) fn on_socket_open(&mut self, _now: u64) {
        if self.ended || self.stage != Stage::AwaitSocketOpen {
            return;
        }
        self.stage = if self.protocol == Protocol::WebSocket {
            Stage::Ready
        } else {
            Stage::AwaitEngineOpen
        };
    }

    pub(crate) fn on_socket_closed(&mut self, reason: &str) {
        if self.ended {
            return;
        }
        self.ended = true;
        // A close code of the application range (4000-4999, e.g. sp-broadcaster's 4401 for
        // a plain-ws client without its token) is the server's refusal, reported as a
        // socket.io server's CONNECT_ERROR is. Closed before the namespace connected: this
        // attempt failed, an error as socket.io-client's `connect_error` (a link lost
        // later is a state change only).
        let code = reason.as_bytes();
        let error =
            if code.len() >= 4 && code[0] == b'4' && code[..4].iter().all(u8::is_ascii_digit) {
                let message = crate::text::concat(&["closed by the server: ", reason]);
                Some(ProtocolError::connect_refused(message))
            } else {
                (self.stage != Stage::Ready).then(|| {
                    ProtocolError::transport(crate::text::concat(&["could not connect: ", reason]))
                })
            };
        self.end = Some(SessionEnd {
            reason: crate::text::concat(&["transport close: ", reason]),
            error,
            server_disconnect: false,
            retry_now: false,
        });
    }

    pub(crate) fn on_time(&mut self, now: u64) {
        if self.ended {
            return;
        }
        if self.stage != Stage::Ready && now >= self.connect_deadline {
            return self.fail(ProtocolError::connect_timeout(self.connect_timeout_ms));
        }
        if matches!(self.detection, Detection::Waiting { until, .. } if now >= until) {
            self.settle(EngineVersion::V4, false, now); // nothing unasked: not 2.x, it seems
        }
        let Some(heartbeat) = self.heartbeat.as_mut() else {
            return;
        };
        match heartbeat.poll(now) {
            Beat::Idle => {}
            Beat::SendPing => self.send(engineio::ping()),
            Beat::Dead => self.fail(ProtocolError::heartbeat_timeout()),
        }
    }

    pub(crate) fn on_frame(&mut self, frame: Frame, now: u64) {
        if self.ended || self.stage == Stage::AwaitSocketOpen {
            return;
        }
        let result = if self.protocol == Protocol::WebSocket {
            self.on_plain_frame(frame)
        } else {
            engineio::decode(&frame, self.engine)
                .and_then(|packet| self.on_engine_packet(packet, now))
        };
        if let Err(error) = result {
            self.fail(error);
        }
    }

    /// Ends the session because of `error`; the socket is closed.
    pub(crate) fn fail(&mut self, error: ProtocolError) {
        let reason = error.describe();
        self.finish(SessionEnd {
            reason,
            error: Some(error),
            server_disconnect: false,
            retry_now: false,
        });
    }

    // ----- mutators -----

    /// Sends `message` (a JSON array `[name, ...args]`).
    pub(crate) fn send_event(&mut self, message: &Json) {
        if self.protocol == Protocol::WebSocket {
            let items = message.as_array().unwrap_or_default();
            let mut members = vec![(
                "event".to_owned(),
                items.first().cloned().unwrap_or(Json::Null),
            )];
            if let Some(data) = items.get(1) {
                members.push(("data".to_owned(), data.clone()));
            }
            self.send(Frame::Text(Json::Object(members).to_json()));
        } else {
            let text = socketio::encode(PacketKind::Event, &self.namespace, Some(message));
            self.send(engineio::message(&text));
        }
    }

    pub(crate) fn close_by_client(&mut self) {
        if self.is_ready() && self.protocol != Protocol::WebSocket {
            let text = socketio::encode(PacketKind::Disconnect, &self.namespace, None);
            self.send(engineio::message(&text));
        }
        if !self.ended {
            self.ended = true;
            self.outputs.push(Output::CloseSocket { id: self.id });
        }
    }

    // ----- internals -----

    fn send(&mut self, frame: Frame) {
        self.outputs.push(Output::Send { id: self.id, frame });
    }

    fn finish(&mut self, end: SessionEnd) {
        if self.ended {
            return;
        }
        self.ended = true;
        self.outputs.push(Output::CloseSocket { id: self.id });
        self.end = Some(end);
    }

    fn on_engine_packet(&mut self, packet: EnginePacket, now: u64) -> Result<(), ProtocolError> {
        match packet {
            EnginePacket::Open(open) => {
                if self.stage != Stage::AwaitEngineOpen {
                    return Err(ProtocolError::decode("unexpected second open packet"));
                }
                self.stage = Stage::AwaitNamespace;
                // `auto` asks for Engine.IO 4; servers from socket.io 4.5 announce
                // maxPayload, older ones are told apart by what they send (super::auto).
                if self.protocol == Protocol::Auto {
                    if open.max_payload.is_none() {
                        self.detection = Detection::Waiting {
                            until: now.saturating_add(GRACE_MS),
                            interval_ms: open.ping_interval_ms,
                            timeout_ms: open.ping_timeout_ms,
                        };
                        // The wait is the client's, not the server's: on top of `timeout`.
                        self.connect_deadline = self.connect_deadline.saturating_add(GRACE_MS);
                        return Ok(());
                    }
                    self.found = Some(Protocol::SocketIoV4);
                }
                self.begin(open.ping_interval_ms, open.ping_timeout_ms, now);
            }
            EnginePacket::Close => {
                self.finish(SessionEnd {
                    reason: "transport close: the server closed the session".into(),
                    error: None,
                    server_disconnect: false,
                    retry_now: false,
                });
            }
            EnginePacket::Ping(data) => {
                // Only Engine.IO 4 servers ping.
                self.settle(EngineVersion::V4, true, now);
                if let Some(hb) = self.heartbeat.as_mut() {
                    hb.on_ping(now);
                }
                self.send(engineio::pong(&data));
            }
            EnginePacket::Pong(_) => {
                if let Some(hb) = self.heartbeat.as_mut() {
                    hb.on_pong();
                }
            }
            EnginePacket::Message(text) => {
                let packet = socketio::decode(&text)?;
                // Unasked: only a 2.x server joins `/` on its own.
                self.settle(EngineVersion::V3, true, now);
                if !self.ended {
                    self.on_socketio_packet(packet)?;
                }
            }
            EnginePacket::BinaryMessage(bytes) => self.on_attachment(bytes)?,
            EnginePacket::Upgrade | EnginePacket::Noop => {}
        }
        Ok(())
    }
}
