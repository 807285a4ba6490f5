//! The Socket.IO layer of a session: namespace CONNECT per generation, packets,
//! binary attachments and events (and a plain WebSocket's JSON frames).

use super::auto::Detection;
use super::{PendingBinary, Session, SessionEnd, Stage};
use crate::json::{self, Json};
use crate::protocol::engineio::{self, EngineVersion};
use crate::protocol::error::ProtocolError;
use crate::protocol::options::{auth_query, Protocol};
use crate::protocol::socketio::{self, Event, EventArg, Packet, PacketKind};
use crate::protocol::{Frame, Output};

impl Session {
    pub(super) fn on_plain_frame(&mut self, frame: Frame) -> Result<(), ProtocolError> {
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

    /// Protocol 5 (Engine.IO 4) always sends CONNECT with the auth object; protocol
    /// 4 servers join `/` on their own and only other namespaces are asked for.
    pub(super) fn send_namespace_connect(&mut self) {
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

    pub(super) fn on_socketio_packet(&mut self, packet: Packet) -> Result<(), ProtocolError> {
        if self.pending.is_some() {
            return Err(ProtocolError::decode(
                "packet arrived while binary attachments were due",
            ));
        }
        if packet.nsp != self.namespace {
            // Another namespace (e.g. a 2.x server's automatic `/`): skipped, and so are
            // its binary attachments. A 2.x server that refuses `/` (its middleware runs
            // for every client) never connects the namespaces behind it. 3.x/4.x send
            // nothing for a namespace not asked for: one taken for it is 2.x.
            if self.detection == Detection::GuessedV4 {
                self.found_v2_late();
            } else if packet.kind == PacketKind::ConnectError && packet.nsp == "/" {
                let message = socketio::connect_error_message(packet.data.as_ref());
                self.fail(ProtocolError::connect_refused(message));
            } else if packet.attachments > 0 {
                self.pending = Some(PendingBinary {
                    data: None,
                    expected: packet.attachments,
                    received: Vec::new(),
                    deliver: false,
                });
            }
            return Ok(());
        }
        match packet.kind {
            PacketKind::Connect if self.detection == Detection::GuessedV4 => {
                // 3.x/4.x answer CONNECT with a sid; 2.x joined `/` late (middleware).
                self.detection = Detection::Settled;
                if packet.data.as_ref().and_then(|d| d.get("sid")).is_some() {
                    self.found = Some(Protocol::SocketIoV4);
                    self.stage = Stage::Ready;
                } else {
                    self.found_v2_late();
                }
            }
            PacketKind::Connect if self.stage == Stage::AwaitNamespace => self.stage = Stage::Ready,
            PacketKind::Connect => {}
            PacketKind::Disconnect => self.finish(SessionEnd {
                reason: "io server disconnect".into(),
                error: None,
                server_disconnect: true,
                retry_now: false,
            }),
            // 3.x/4.x refuse with an object, 2.x with a string.
            PacketKind::ConnectError
                if self.detection == Detection::GuessedV4
                    && matches!(packet.data, Some(Json::String(_))) =>
            {
                self.found_v2_late()
            }
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

    pub(super) fn on_attachment(&mut self, bytes: Vec<u8>) -> Result<(), ProtocolError> {
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

    pub(super) fn deliver(
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
