//! Socket.IO packets, protocol 4 (socket.io 2.x) and 5 (socket.io 3.x/4.x):
//! `<type>[<attachments>-][<nsp>,][<ackId>][<json>]`, carried in Engine.IO messages.

use super::error::ProtocolError;
use crate::json::{self, Json};
use crate::text::parse_uint;

/// Socket.IO packet types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketKind {
    /// 0: namespace connect (request or confirmation).
    Connect,
    /// 1: namespace disconnect.
    Disconnect,
    /// 2: event.
    Event,
    /// 3: acknowledgement.
    Ack,
    /// 4: CONNECT_ERROR (v5) / ERROR (v4).
    ConnectError,
    /// 5: event with binary attachments.
    BinaryEvent,
    /// 6: acknowledgement with binary attachments.
    BinaryAck,
}

/// One Socket.IO packet.
#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    /// The type.
    pub kind: PacketKind,
    /// Namespace, `/` when omitted on the wire; any `?query` part is dropped.
    pub nsp: String,
    /// Acknowledgement id, if any.
    pub ack_id: Option<u64>,
    /// Number of binary attachments that follow (binary packets only).
    pub attachments: usize,
    /// The JSON payload, if any.
    pub data: Option<Json>,
}

/// One argument of a received event.
#[derive(Clone, Debug, PartialEq)]
pub enum EventArg {
    /// A JSON value. A string argument holding a JSON object or array (the seed
    /// broadcaster sends `JSON.stringify(value)`) arrives already parsed.
    Json(Json),
    /// A binary attachment (a top-level placeholder, replaced by its bytes).
    Binary(Vec<u8>),
}

/// A received event: its name and arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The event name, e.g. `list:changes`.
    pub name: String,
    /// The arguments after the name.
    pub args: Vec<EventArg>,
}

const KINDS: [PacketKind; 7] = [
    PacketKind::Connect,
    PacketKind::Disconnect,
    PacketKind::Event,
    PacketKind::Ack,
    PacketKind::ConnectError,
    PacketKind::BinaryEvent,
    PacketKind::BinaryAck,
];

/// Decodes the text of an Engine.IO message as a Socket.IO packet.
pub fn decode(text: &str) -> Result<Packet, ProtocolError> {
    let bytes = text.as_bytes();
    let kind = match bytes.first() {
        Some(d @ b'0'..=b'6') => KINDS[usize::from(d - b'0')],
        Some(_) => return Err(ProtocolError::decode("unknown Socket.IO packet type")),
        None => return Err(ProtocolError::decode("empty Socket.IO packet")),
    };
    let mut pos = 1;
    let mut attachments = 0;
    if matches!(kind, PacketKind::BinaryEvent | PacketKind::BinaryAck) {
        let start = pos;
        while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
            pos += 1;
        }
        if bytes.get(pos) != Some(&b'-') || pos == start {
            return Err(ProtocolError::decode(
                "binary packet without attachment count",
            ));
        }
        attachments = parse_uint(&text[start..pos])
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| ProtocolError::decode("attachment count out of range"))?;
        pos += 1;
    }
    let mut nsp = String::from("/");
    if bytes.get(pos) == Some(&b'/') {
        let end = crate::text::find(&text[pos..], ",").map_or(text.len(), |i| pos + i);
        let full = &text[pos..end];
        nsp = crate::text::split(full, "?")
            .next()
            .unwrap_or(full)
            .to_owned();
        pos = (end + 1).min(text.len());
    }
    let start = pos;
    while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    let ack_id = if pos > start {
        Some(
            parse_uint(&text[start..pos])
                .ok_or_else(|| ProtocolError::decode("ack id out of range"))?,
        )
    } else {
        None
    };
    let rest = &text[pos..];
    let data = if rest.is_empty() {
        None
    } else {
        Some(json::parse(rest).map_err(|e| ProtocolError::decode_json("Socket.IO payload", &e))?)
    };
    Ok(Packet {
        kind,
        nsp,
        ack_id,
        attachments,
        data,
    })
}

/// Encodes a packet (without attachments' frames) as message text.
pub fn encode(kind: PacketKind, nsp: &str, data: Option<&Json>) -> String {
    let digit = KINDS.iter().position(|k| *k == kind).unwrap_or(0);
    let mut out = crate::text::uint(digit as u64);
    if nsp != "/" && !nsp.is_empty() {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(data) = data {
        out.push_str(&data.to_json());
    }
    out
}

/// Splits an EVENT payload into name and arguments, replacing top-level binary
/// placeholders with their attachments and parsing JSON-holding strings.
pub fn into_event(
    data: Option<Json>,
    mut attachments: Vec<Vec<u8>>,
) -> Result<Event, ProtocolError> {
    let Some(Json::Array(mut items)) = data else {
        return Err(ProtocolError::decode("event payload is not an array"));
    };
    if items.is_empty() {
        return Err(ProtocolError::decode("event without a name"));
    }
    let Json::String(name) = items.remove(0) else {
        return Err(ProtocolError::decode("event name is not a string"));
    };
    let args = items
        .into_iter()
        .map(|arg| match placeholder_index(&arg) {
            Some(n) if n < attachments.len() => {
                EventArg::Binary(std::mem::take(&mut attachments[n]))
            }
            _ => EventArg::Json(parse_embedded_json(arg)),
        })
        .collect();
    Ok(Event { name, args })
}

fn placeholder_index(arg: &Json) -> Option<usize> {
    if arg.get("_placeholder").and_then(Json::as_bool) != Some(true) {
        return None;
    }
    arg.get("num")
        .and_then(Json::as_i64)
        .and_then(|n| usize::try_from(n).ok())
}

/// A string whose content is a JSON object or array is replaced by the parsed value;
/// any other value (including a string that merely starts with `[`) is kept as is.
pub fn parse_embedded_json(arg: Json) -> Json {
    if let Json::String(text) = &arg {
        let trimmed = text.trim_ascii_start();
        if trimmed.starts_with("[") || trimmed.starts_with("{") {
            if let Ok(parsed) = json::parse(text) {
                return parsed;
            }
        }
    }
    arg
}

/// The message carried by a CONNECT_ERROR packet: `"text"` (v4) or
/// `{"message": "text", ...}` (v5).
pub fn connect_error_message(data: Option<&Json>) -> String {
    match data {
        Some(Json::String(s)) => s.clone(),
        Some(value) => match value.get("message").and_then(Json::as_str) {
            Some(s) => s.to_owned(),
            None => value.to_json(),
        },
        None => "connection refused".into(),
    }
}

#[cfg(test)]
mod tests;
