//! Engine.IO framing, versions 3 (socket.io 2.x) and 4 (socket.io 3.x/4.x), over a
//! WebSocket: one packet per frame, `<type digit><data>`.

use super::error::ProtocolError;
use super::Frame;
use crate::json::{self, Json};

/// The Engine.IO protocol revision spoken on a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineVersion {
    /// EIO=3 (socket.io 2.x): the client sends pings; binary frames carry a type byte.
    V3,
    /// EIO=4 (socket.io 3.x/4.x): the server sends pings; binary frames are raw.
    V4,
}

impl EngineVersion {
    /// The value of the `EIO` query parameter.
    pub fn query_value(self) -> &'static str {
        match self {
            EngineVersion::V3 => "3",
            EngineVersion::V4 => "4",
        }
    }
}

/// The server's handshake (`0{...}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenInfo {
    /// Engine.IO session id.
    pub sid: String,
    /// Heartbeat interval in milliseconds.
    pub ping_interval_ms: u64,
    /// Heartbeat timeout in milliseconds.
    pub ping_timeout_ms: u64,
    /// Largest payload the server accepts; only Engine.IO 4 servers send it, which
    /// is how `auto` tells a 3.x/4.x server from a 2.x one.
    pub max_payload: Option<u64>,
}

/// One decoded Engine.IO packet.
#[derive(Clone, Debug, PartialEq)]
pub enum EnginePacket {
    /// Handshake.
    Open(OpenInfo),
    /// The server closes the session.
    Close,
    /// Heartbeat ping with optional probe data.
    Ping(String),
    /// Heartbeat pong with optional probe data.
    Pong(String),
    /// A text message (a Socket.IO packet, for socket.io servers).
    Message(String),
    /// A binary message (a Socket.IO attachment).
    BinaryMessage(Vec<u8>),
    /// Transport upgrade (not used over a WebSocket-only session; ignored).
    Upgrade,
    /// No operation.
    Noop,
}

/// Decodes one WebSocket frame as an Engine.IO packet.
pub fn decode(frame: &Frame, version: EngineVersion) -> Result<EnginePacket, ProtocolError> {
    match frame {
        Frame::Binary(bytes) => match version {
            EngineVersion::V4 => Ok(EnginePacket::BinaryMessage(bytes.clone())),
            EngineVersion::V3 => match bytes.split_first() {
                Some((4, rest)) => Ok(EnginePacket::BinaryMessage(rest.to_vec())),
                _ => Err(ProtocolError::decode("binary frame without message type 4")),
            },
        },
        Frame::Text(text) => decode_text(text),
    }
}

fn decode_text(text: &str) -> Result<EnginePacket, ProtocolError> {
    let kind = *text
        .as_bytes()
        .first()
        .ok_or(ProtocolError::decode("empty frame"))?;
    // Every known type is one ASCII byte; after any other the rest goes unread.
    let data = text.get(1..).unwrap_or_default();
    Ok(match kind {
        b'0' => EnginePacket::Open(parse_open(data)?),
        b'1' => EnginePacket::Close,
        b'2' => EnginePacket::Ping(data.to_owned()),
        b'3' => EnginePacket::Pong(data.to_owned()),
        b'4' => EnginePacket::Message(data.to_owned()),
        b'5' => EnginePacket::Upgrade,
        b'6' => EnginePacket::Noop,
        b'b' => {
            return Err(ProtocolError::decode(
                "base64 binary packets are not used over WebSocket",
            ))
        }
        _ => return Err(ProtocolError::decode("unknown Engine.IO packet type")),
    })
}

fn parse_open(data: &str) -> Result<OpenInfo, ProtocolError> {
    let value = json::parse(data).map_err(|e| ProtocolError::decode_json("open packet", &e))?;
    let sid = value
        .get("sid")
        .and_then(Json::as_str)
        .ok_or(ProtocolError::decode("open packet without sid"))?
        .to_owned();
    let number = |key: &str| {
        value
            .get(key)
            .and_then(Json::as_i64)
            .and_then(|n| u64::try_from(n).ok())
    };
    Ok(OpenInfo {
        sid,
        ping_interval_ms: number("pingInterval").unwrap_or(25_000),
        ping_timeout_ms: number("pingTimeout").unwrap_or(20_000),
        max_payload: number("maxPayload"),
    })
}

/// Encodes a text message packet (`4` + data).
pub fn message(data: &str) -> Frame {
    let mut text = String::with_capacity(data.len() + 1);
    text.push('4');
    text.push_str(data);
    Frame::Text(text)
}

/// Encodes a binary message for the given version.
pub fn binary_message(bytes: &[u8], version: EngineVersion) -> Frame {
    match version {
        EngineVersion::V4 => Frame::Binary(bytes.to_vec()),
        EngineVersion::V3 => {
            let mut out = Vec::with_capacity(bytes.len() + 1);
            out.push(4);
            out.extend_from_slice(bytes);
            Frame::Binary(out)
        }
    }
}

/// A heartbeat ping (`2`).
pub fn ping() -> Frame {
    Frame::Text("2".into())
}

/// A heartbeat pong (`3`), echoing the ping's data.
pub fn pong(data: &str) -> Frame {
    Frame::Text(crate::text::concat(&["3", data]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_v3_and_v4_open_packets() {
        let v3 = r#"0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":60000}"#;
        let v4 = r#"0{"sid":"b","upgrades":[],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000}"#;
        let EnginePacket::Open(open) = decode(&Frame::Text(v3.into()), EngineVersion::V4).unwrap()
        else {
            panic!("not an open packet")
        };
        assert_eq!(
            (
                open.ping_interval_ms,
                open.ping_timeout_ms,
                open.max_payload
            ),
            (25000, 60000, None)
        );
        let EnginePacket::Open(open) = decode(&Frame::Text(v4.into()), EngineVersion::V4).unwrap()
        else {
            panic!("not an open packet")
        };
        assert_eq!(open.sid, "b");
        assert_eq!(open.max_payload, Some(1_000_000));
    }

    #[test]
    fn decodes_every_packet_type() {
        let d = |s: &str| decode(&Frame::Text(s.into()), EngineVersion::V4).unwrap();
        assert_eq!(d("1"), EnginePacket::Close);
        assert_eq!(d("2"), EnginePacket::Ping(String::new()));
        assert_eq!(d("3probe"), EnginePacket::Pong("probe".into()));
        assert_eq!(d("42[\"a\"]"), EnginePacket::Message("2[\"a\"]".into()));
        assert_eq!(d("5"), EnginePacket::Upgrade);
        assert_eq!(d("6"), EnginePacket::Noop);
    }

    #[test]
    fn binary_frames_follow_the_version() {
        let v3 = Frame::Binary(vec![4, 1, 2]);
        assert_eq!(
            decode(&v3, EngineVersion::V3).unwrap(),
            EnginePacket::BinaryMessage(vec![1, 2])
        );
        assert_eq!(
            decode(&v3, EngineVersion::V4).unwrap(),
            EnginePacket::BinaryMessage(vec![4, 1, 2])
        );
        assert!(decode(&Frame::Binary(vec![]), EngineVersion::V3).is_err());
        assert_eq!(
            binary_message(&[9], EngineVersion::V3),
            Frame::Binary(vec![4, 9])
        );
        assert_eq!(
            binary_message(&[9], EngineVersion::V4),
            Frame::Binary(vec![9])
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "x",
            "9",
            "0{",
            "0{\"pingInterval\":1}",
            "bAQID",
            "xyz{{not-a-packet",
        ] {
            assert!(
                decode(&Frame::Text(bad.into()), EngineVersion::V4).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn encodes() {
        assert_eq!(message("2[\"x\"]"), Frame::Text("42[\"x\"]".into()));
        assert_eq!(ping(), Frame::Text("2".into()));
        assert_eq!(pong("probe"), Frame::Text("3probe".into()));
    }
}
