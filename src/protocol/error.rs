//! The protocol layer's failures, each with a stable code that JavaScript sees.

use crate::json::JsonError;
use crate::text;
use std::fmt;

/// A protocol failure: what happened, under a stable machine-readable code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolError {
    /// Stable code, e.g. `"protocol-decode"`; see [`ProtocolError::code`].
    code: &'static str,
    /// Human-readable detail.
    message: String,
}

impl ProtocolError {
    /// A frame that is not valid Engine.IO / Socket.IO / JSON.
    pub fn decode(message: impl Into<String>) -> Self {
        Self {
            code: "protocol-decode",
            message: message.into(),
        }
    }

    /// Invalid JSON inside a packet.
    pub fn decode_json(what: &str, error: &JsonError) -> Self {
        Self::decode(text::concat(&[what, ": ", &error.message()]))
    }

    /// A frame larger than the configured limit.
    pub fn too_large(size: usize, limit: usize) -> Self {
        Self {
            code: "protocol-frame-too-large",
            message: text::concat(&[
                "frame of ",
                &text::uint(size as u64),
                " bytes exceeds the limit of ",
                &text::uint(limit as u64),
                " bytes",
            ]),
        }
    }

    /// The server refused the namespace connection (CONNECT_ERROR).
    pub fn connect_refused(message: impl Into<String>) -> Self {
        Self {
            code: "protocol-connect-refused",
            message: message.into(),
        }
    }

    /// No heartbeat within the agreed interval.
    pub fn heartbeat_timeout() -> Self {
        Self {
            code: "protocol-heartbeat-timeout",
            message: "no heartbeat from the server in time".into(),
        }
    }

    /// The handshake did not complete within the connect timeout.
    pub fn connect_timeout(ms: u64) -> Self {
        Self {
            code: "protocol-connect-timeout",
            message: text::concat(&["not connected within ", &text::uint(ms), " ms"]),
        }
    }

    /// The WebSocket closed or failed.
    pub fn transport(message: impl Into<String>) -> Self {
        Self {
            code: "protocol-transport",
            message: message.into(),
        }
    }

    /// The caller's `auth` function threw, rejected, gave no object or did not answer
    /// in time ([`ConnectOptions::auth_each_attempt`](super::ConnectOptions)).
    pub fn auth(message: impl Into<String>) -> Self {
        Self {
            code: "protocol-auth",
            message: message.into(),
        }
    }

    /// Invalid configuration (bad URL, unknown protocol name).
    pub fn config(message: impl Into<String>) -> Self {
        Self {
            code: "protocol-config",
            message: message.into(),
        }
    }

    /// The stable code: `protocol-decode`, `protocol-frame-too-large`,
    /// `protocol-connect-refused`, `protocol-heartbeat-timeout`,
    /// `protocol-connect-timeout`, `protocol-transport`, `protocol-auth` or
    /// `protocol-config`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The human-readable detail.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl ProtocolError {
    /// `code: message`, what `Display` shows.
    pub fn describe(&self) -> String {
        text::concat(&[self.code, ": ", &self.message])
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::error::Error for ProtocolError {}
