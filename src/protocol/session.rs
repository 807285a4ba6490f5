//! One WebSocket session: the Engine.IO handshake, the namespace connect in the
//! right protocol generation, heartbeats, binary reassembly and event decoding.
//! A session ends once; the [`Connection`](super::Connection) decides what next.

use super::connection::{Output, SocketId};
use super::engineio::{self, EnginePacket, EngineVersion};
use super::error::ProtocolError;
use super::heartbeat::{Beat, Heartbeat};
use super::options::{auth_query, ConnectOptions, Protocol, Target};
use super::socketio::{self, Event, EventArg, Packet, PacketKind};
use super::Frame;
use crate::json::{self, Json};

/// How a session ended.
#[derive(Debug)]
pub(crate) struct SessionEnd {
    /// For the status line, e.g. `transport close: 1006`.
    pub reason: String,
    /// A failure to report as an error event.
    pub error: Option<ProtocolError>,
    /// The server sent DISCONNECT ("io server disconnect").
    pub server_disconnect: bool,
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
    pending: Option<PendingBinary>,
    outputs: Vec<Output>,
    end: Option<SessionEnd>,
    ended: bool,
}

impl Session {
    pub(crate) fn new(id: SocketId, options: &ConnectOptions, target: &Target, now: u64) -> Self {
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

    pub(crate) fn next_deadline(&self) -> Option<u64> {
        if self.ended {
            return None;
        }
        let connect = (self.stage != Stage::Ready).then_some(self.connect_deadline);
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
        // Closed before the namespace connected: this attempt failed, an error as
        // socket.io-client's `connect_error` (a link lost later is a state change only).
        let error = (self.stage != Stage::Ready).then(|| {
            ProtocolError::transport(crate::text::concat(&["could not connect: ", reason]))
        });
        self.end = Some(SessionEnd {
            reason: crate::text::concat(&["transport close: ", reason]),
            error,
            server_disconnect: false,
        });
    }

    pub(crate) fn on_time(&mut self, now: u64) {
        if self.ended {
            return;
        }
        if self.stage != Stage::Ready && now >= self.connect_deadline {
            return self.fail(ProtocolError::connect_timeout(self.connect_timeout_ms));
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

    fn on_plain_frame(&mut self, frame: Frame) -> Result<(), ProtocolError> {
        let event = match frame {
            Frame::Binary(bytes) => Event {
                name: "message".into(),
                args: vec![EventArg::Binary(bytes)],
            },
            Frame::Text(text) => {
                let value = json::parse(&text)
                    .map_err(|e| ProtocolError::decode_json("WebSocket message", &e))?;
                match value.get("event").and_then(Json::as_str) {
                    Some(name) => Event {
                        name: name.to_owned(),
                        args: value
                            .get("data")
                            .map(|data| EventArg::Json(socketio::parse_embedded_json(data.clone())))
                            .into_iter()
                            .collect(),
                    },
                    None => Event {
                        name: "message".into(),
                        args: vec![EventArg::Json(value)],
                    },
                }
            }
        };
        self.outputs.push(Output::Event(event));
        Ok(())
    }

    fn on_engine_packet(&mut self, packet: EnginePacket, now: u64) -> Result<(), ProtocolError> {
        match packet {
            EnginePacket::Open(open) => {
                if self.stage != Stage::AwaitEngineOpen {
                    return Err(ProtocolError::decode("unexpected second open packet"));
                }
                // `auto` asks for Engine.IO 4; only 4.x servers announce maxPayload.
                if self.protocol == Protocol::Auto {
                    self.engine = if open.max_payload.is_some() {
                        EngineVersion::V4
                    } else {
                        EngineVersion::V3
                    };
                }
                self.heartbeat = Some(Heartbeat::start(
                    self.engine,
                    open.ping_interval_ms,
                    open.ping_timeout_ms,
                    now,
                ));
                self.stage = Stage::AwaitNamespace;
                self.send_namespace_connect();
            }
            EnginePacket::Close => {
                self.finish(SessionEnd {
                    reason: "transport close: the server closed the session".into(),
                    error: None,
                    server_disconnect: false,
                });
            }
            EnginePacket::Ping(data) => {
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
            EnginePacket::Message(text) => self.on_socketio_packet(socketio::decode(&text)?)?,
            EnginePacket::BinaryMessage(bytes) => self.on_attachment(bytes)?,
            EnginePacket::Upgrade | EnginePacket::Noop => {}
        }
        Ok(())
    }

    /// Protocol 5 (Engine.IO 4) always sends CONNECT with the auth object; protocol
    /// 4 servers join `/` on their own and only other namespaces are asked for.
    fn send_namespace_connect(&mut self) {
        let text = if self.engine == EngineVersion::V4 {
            socketio::encode(PacketKind::Connect, &self.namespace, self.auth.as_ref())
        } else if self.namespace != "/" {
            let mut nsp = self.namespace.clone();
            let query = self.auth.as_ref().map(auth_query).unwrap_or_default();
            for (i, param) in query.iter().enumerate() {
                nsp.push(if i == 0 { '?' } else { '&' });
                nsp.push_str(param);
            }
            socketio::encode(PacketKind::Connect, &nsp, None)
        } else {
            return;
        };
        self.send(engineio::message(&text));
    }

    fn on_socketio_packet(&mut self, packet: Packet) -> Result<(), ProtocolError> {
        if self.pending.is_some() {
            return Err(ProtocolError::decode(
                "packet arrived while binary attachments were due",
            ));
        }
        if packet.nsp != self.namespace {
            return Ok(()); // another namespace (e.g. a 2.x server's automatic `/`)
        }
        match packet.kind {
            PacketKind::Connect if self.stage == Stage::AwaitNamespace => self.stage = Stage::Ready,
            PacketKind::Connect => {}
            PacketKind::Disconnect => self.finish(SessionEnd {
                reason: "io server disconnect".into(),
                error: None,
                server_disconnect: true,
            }),
            PacketKind::ConnectError => {
                let message = socketio::connect_error_message(packet.data.as_ref());
                self.fail(ProtocolError::connect_refused(message));
            }
            PacketKind::Event => self.deliver(packet.data, Vec::new())?,
            PacketKind::Ack => {}
            PacketKind::BinaryEvent | PacketKind::BinaryAck => {
                let deliver = packet.kind == PacketKind::BinaryEvent;
                if packet.attachments == 0 {
                    if deliver {
                        self.deliver(packet.data, Vec::new())?;
                    }
                } else {
                    self.pending = Some(PendingBinary {
                        data: packet.data,
                        expected: packet.attachments,
                        received: Vec::new(),
                        deliver,
                    });
                }
            }
        }
        Ok(())
    }

    fn on_attachment(&mut self, bytes: Vec<u8>) -> Result<(), ProtocolError> {
        let pending = self
            .pending
            .as_mut()
            .ok_or(ProtocolError::decode("unexpected binary frame"))?;
        pending.received.push(bytes);
        if pending.received.len() < pending.expected {
            return Ok(());
        }
        let Some(done) = self.pending.take() else {
            return Ok(());
        };
        if done.deliver {
            self.deliver(done.data, done.received)?;
        }
        Ok(())
    }

    fn deliver(
        &mut self,
        data: Option<Json>,
        attachments: Vec<Vec<u8>>,
    ) -> Result<(), ProtocolError> {
        if self.stage != Stage::Ready {
            return Err(ProtocolError::decode(
                "event before the namespace was connected",
            ));
        }
        let event = socketio::into_event(data, attachments)?;
        self.outputs.push(Output::Event(event));
        Ok(())
    }
}
