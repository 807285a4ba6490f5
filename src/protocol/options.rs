//! Connection options and the WebSocket URL they produce.

use super::engineio::EngineVersion;
use super::error::ProtocolError;
use crate::json::Json;

/// Which wire protocol to speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// socket.io 2.x: Engine.IO 3, Socket.IO protocol 4.
    SocketIoV2,
    /// socket.io 3.x/4.x: Engine.IO 4, Socket.IO protocol 5.
    SocketIoV4,
    /// A plain WebSocket; each text frame is one JSON message.
    WebSocket,
    /// socket.io of either generation, detected from the server's handshake.
    Auto,
}

impl Protocol {
    /// Parses `"socket.io-v2"`, `"socket.io-v4"` (also `"socket.io-v3"`),
    /// `"websocket"` or `"auto"`.
    pub fn parse(name: &str) -> Result<Self, ProtocolError> {
        Ok(match name {
            "socket.io-v2" => Protocol::SocketIoV2,
            "socket.io-v3" | "socket.io-v4" => Protocol::SocketIoV4,
            "websocket" => Protocol::WebSocket,
            "auto" => Protocol::Auto,
            other => {
                return Err(ProtocolError::config(crate::text::concat(&[
                    "unknown protocol \"",
                    other,
                    "\": use \"auto\", \"socket.io-v2\", \"socket.io-v4\" or \"websocket\"",
                ])))
            }
        })
    }

    /// The Engine.IO version requested in the URL (`auto` asks for 4; a 2.x server
    /// answers with a version 3 handshake anyway).
    pub(crate) fn requested_engine(self) -> EngineVersion {
        match self {
            Protocol::SocketIoV2 => EngineVersion::V3,
            _ => EngineVersion::V4,
        }
    }
}

/// Everything a [`Connection`](super::Connection) needs to know.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// `http(s)://` or `ws(s)://` URL of the server. For socket.io a path in the URL
    /// names the namespace, as with socket.io-client's `io(url)`.
    pub url: String,
    /// Wire protocol.
    pub protocol: Protocol,
    /// The Engine.IO path (default `/socket.io/`); for `websocket`, appended to a URL
    /// that has no path of its own.
    pub path: Option<String>,
    /// Namespace (default: the URL's path, else `/`).
    pub namespace: Option<String>,
    /// Credentials for the broadcaster: the CONNECT payload for socket.io 3/4, query
    /// parameters for socket.io 2.x and plain WebSockets.
    pub auth: Option<Json>,
    /// Ask for `auth` before every attempt ([`Output::AuthNeeded`](super::Output),
    /// answered by [`Connection::handle_auth`](super::Connection::handle_auth)), as
    /// socket.io-client calls an `auth` function: credentials that expire are fresh
    /// on each reconnection. `auth` is then whatever the last answer gave (default false).
    pub auth_each_attempt: bool,
    /// Reconnect after a lost link (default true).
    pub reconnection: bool,
    /// Give up after this many failed attempts (default: never).
    pub reconnection_attempts: Option<u32>,
    /// First reconnection delay (default 1000 ms).
    pub reconnection_delay_ms: u64,
    /// Largest reconnection delay (default 5000 ms).
    pub reconnection_delay_max_ms: u64,
    /// Jitter factor (default 0.5).
    pub randomization_factor: f64,
    /// Time allowed from opening the socket to a connected namespace (default 20 s).
    pub connect_timeout_ms: u64,
    /// Frames larger than this are refused (default 1,000,000 bytes).
    pub max_frame_bytes: usize,
    /// Reconnect even after the server sent DISCONNECT (socket.io-client does not;
    /// default false).
    pub reconnect_after_server_disconnect: bool,
    /// Seed for the reconnection jitter.
    pub seed: u64,
}

impl ConnectOptions {
    /// Defaults matching socket.io-client for `url` and `protocol`.
    pub fn new(url: impl Into<String>, protocol: Protocol) -> Self {
        Self {
            url: url.into(),
            protocol,
            path: None,
            namespace: None,
            auth: None,
            auth_each_attempt: false,
            reconnection: true,
            reconnection_attempts: None,
            reconnection_delay_ms: 1000,
            reconnection_delay_max_ms: 5000,
            randomization_factor: 0.5,
            connect_timeout_ms: 20_000,
            max_frame_bytes: 1_000_000,
            reconnect_after_server_disconnect: false,
            seed: 0x5eed,
        }
    }
}

/// A parsed target: the WebSocket URL to open and the namespace to join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub socket_url: String,
    pub namespace: String,
    /// Where it listens, whatever the spelling (`http://H:1` and `ws://h:1/` are one
    /// place) and without `auth`: the WebSocket URL's scheme, host, path and the URL's
    /// own query, then the namespace.
    pub place: String,
}

/// Builds the WebSocket URL and namespace for `options`.
pub(crate) fn target(options: &ConnectOptions) -> Result<Target, ProtocolError> {
    let url = options.url.trim_ascii();
    let (scheme, rest) = crate::text::split_once(url, "://").ok_or_else(|| {
        ProtocolError::config(crate::text::concat(&[
            "\"",
            url,
            "\" is not an absolute URL",
        ]))
    })?;
    let ws_scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => {
            return Err(ProtocolError::config(crate::text::concat(&[
                "unsupported URL scheme \"",
                scheme,
                "\"",
            ])))
        }
    };
    let rest = crate::text::split(rest, "#").next().unwrap_or(rest);
    let (before_query, query) = crate::text::split_once(rest, "?").unwrap_or((rest, ""));
    let (authority, url_path) = match crate::text::find(before_query, "/") {
        Some(i) => before_query.split_at(i),
        None => (before_query, ""),
    };
    if authority.is_empty() || authority.bytes().any(|b| b.is_ascii_whitespace()) {
        return Err(ProtocolError::config(crate::text::concat(&[
            "\"",
            url,
            "\" has no host",
        ])));
    }
    // socket.io sends `auth` as an object (2.x: its members as query parameters).
    if options
        .auth
        .as_ref()
        .is_some_and(|a| !matches!(a, Json::Object(_)))
    {
        return Err(ProtocolError::config(
            "`auth` must be an object, or a function that gives one",
        ));
    }
    if options
        .namespace
        .as_ref()
        .is_some_and(|n| !n.starts_with('/'))
    {
        return Err(ProtocolError::config(
            "`namespace` must start with \"/\" (e.g. \"/admin\")",
        ));
    }
    let mut params: Vec<String> = crate::text::split(query, "&")
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    let auth_as_query =
        options.protocol != Protocol::SocketIoV4 && options.protocol != Protocol::Auto;
    if let (true, Some(auth)) = (auth_as_query, &options.auth) {
        params.extend(auth_query(auth));
    }
    let (path, namespace) = if options.protocol == Protocol::WebSocket {
        let path = match (url_path, options.path.as_deref()) {
            ("", Some(p)) if !p.is_empty() => {
                crate::text::concat(&["/", crate::text::trim_start_byte(p, b'/')])
            }
            _ => url_path.to_owned(),
        };
        (path, "/".to_owned())
    } else {
        let namespace = match (&options.namespace, url_path) {
            (Some(n), _) => n.clone(),
            (None, "" | "/") => "/".to_owned(),
            (None, p) => crate::text::trim_end_byte(p, b'/').to_owned(),
        };
        params.insert(
            0,
            crate::text::concat(&[
                "EIO=",
                options.protocol.requested_engine().query_value(),
                "&transport=websocket",
            ]),
        );
        // As socket.io-client: one trailing slash, which Node engine.io servers require.
        let path = options.path.as_deref().unwrap_or("/socket.io");
        let path = crate::text::trim_end_byte(crate::text::trim_start_byte(path, b'/'), b'/');
        let path = match path {
            "" => "/".to_owned(),
            _ => crate::text::concat(&["/", path, "/"]),
        };
        (path, namespace)
    };
    let mut socket_url = crate::text::concat(&[ws_scheme, "://", authority, &path]);
    // The scheme's default port is no port (`http://h:80` is `http://h`).
    let default_port = if ws_scheme == "ws" { ":80" } else { ":443" };
    let host = authority.strip_suffix(default_port).unwrap_or(authority);
    let place = crate::text::concat(&[
        ws_scheme,
        "://",
        &host.to_ascii_lowercase(),
        if path.is_empty() { "/" } else { &path },
        "?",
        query,
        " ",
        &namespace,
    ]);
    for (i, param) in params.iter().enumerate() {
        socket_url.push(if i == 0 { '?' } else { '&' });
        socket_url.push_str(param);
    }
    Ok(Target {
        socket_url,
        namespace,
        place,
    })
}

/// An auth object as `key=value` query parameters (strings as they are, other values as
/// JSON), the way socket.io-client 2.x sends its `query` option; nothing for a non-object.
pub(crate) fn auth_query(auth: &Json) -> Vec<String> {
    let Json::Object(members) = auth else {
        return Vec::new();
    };
    let pair = |(key, value): &(String, Json)| {
        let text = value
            .as_str()
            .map_or_else(|| value.to_json(), str::to_owned);
        crate::text::concat(&[
            encode_component(key).as_str(),
            "=",
            &encode_component(&text),
        ])
    };
    members.iter().map(pair).collect()
}

/// Percent-encodes like JavaScript's `encodeURIComponent`.
pub(crate) fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            )
        {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(byte & 15)]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn t(url: &str, protocol: Protocol) -> Target {
        target(&ConnectOptions::new(url, protocol)).unwrap()
    }

    #[test]
    fn builds_socket_io_urls() {
        assert_eq!(
            t("http://127.0.0.1:9302", Protocol::SocketIoV2).socket_url,
            "ws://127.0.0.1:9302/socket.io/?EIO=3&transport=websocket"
        );
        let v4 = t("https://b.example.net/admin?x=1", Protocol::SocketIoV4);
        assert_eq!(
            v4.socket_url,
            "wss://b.example.net/socket.io/?EIO=4&transport=websocket&x=1"
        );
        assert_eq!(v4.namespace, "/admin");
        assert_eq!(t("ws://h:1/", Protocol::Auto).namespace, "/");
    }

    #[test]
    fn auth_rides_in_the_query_for_v2_and_plain_websockets() {
        let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV2);
        o.auth = Some(json::parse(r#"{"token":"a b&c","n":1}"#).unwrap());
        assert_eq!(
            target(&o).unwrap().socket_url,
            "ws://h/socket.io/?EIO=3&transport=websocket&token=a%20b%26c&n=1"
        );
        o.protocol = Protocol::SocketIoV4;
        assert_eq!(
            target(&o).unwrap().socket_url,
            "ws://h/socket.io/?EIO=4&transport=websocket"
        );
    }

    #[test]
    fn plain_websocket_urls() {
        assert_eq!(
            t("http://h:9306/ws", Protocol::WebSocket).socket_url,
            "ws://h:9306/ws"
        );
        let mut o = ConnectOptions::new("https://h", Protocol::WebSocket);
        o.path = Some("/ws".into());
        assert_eq!(target(&o).unwrap().socket_url, "wss://h/ws");
        o.path = Some("ws".into());
        assert_eq!(
            target(&o).unwrap().socket_url,
            "wss://h/ws",
            "not part of the host"
        );
    }

    #[test]
    fn a_socket_io_path_gets_one_leading_and_one_trailing_slash() {
        // Node engine.io servers only answer URLs under `path + "/"`.
        for (path, url) in [
            ("/sio", "ws://h/sio/?EIO=3&transport=websocket"),
            ("sio/", "ws://h/sio/?EIO=3&transport=websocket"),
            ("/a/b//", "ws://h/a/b/?EIO=3&transport=websocket"),
            ("/", "ws://h/?EIO=3&transport=websocket"),
        ] {
            let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV2);
            o.path = Some(path.into());
            assert_eq!(target(&o).unwrap().socket_url, url, "{path}");
        }
    }

    #[test]
    fn rejects_bad_urls_and_protocols() {
        for bad in ["", "127.0.0.1:9302", "ftp://h", "http://", "http:// h"] {
            assert_eq!(
                target(&ConnectOptions::new(bad, Protocol::Auto))
                    .unwrap_err()
                    .code(),
                "protocol-config",
                "{bad}"
            );
        }
        assert!(Protocol::parse("socket.io-v5").is_err());
        let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV4);
        o.auth = Some(json::parse(r#""token""#).unwrap());
        assert_eq!(target(&o).unwrap_err().code(), "protocol-config", "auth");
        o.auth = None;
        o.namespace = Some("admin".into());
        assert_eq!(
            target(&o).unwrap_err().code(),
            "protocol-config",
            "namespace"
        );
        assert_eq!(Protocol::parse("auto").unwrap(), Protocol::Auto);
    }
}
