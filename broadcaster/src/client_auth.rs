//! Who may listen. With `--client-token` set, a socket.io or plain-ws client must present
//! one of the tokens: socket.io 3/4 clients as `auth: { token }` (the CONNECT payload),
//! socket.io 2.x and plain-ws clients as `?token=` in the URL's query (where socket.io-client
//! 2.x's `query` option and sp-live put `auth` for them); either is accepted from any
//! client. Several tokens let one be rotated without a gap: add the new, move the clients
//! (sp-live asks an `auth` function before every attempt), then drop the old.

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::Uri;
use serde_json::Value;

use crate::webhook::one_of_secrets;

/// The reason a refused client is given (socket.io CONNECT_ERROR message, plain-ws close).
pub const REFUSED: &str = "Not authorized";

/// Close code of a plain-ws connection refused for its token (application range).
pub const CLOSE_NOT_AUTHORIZED: u16 = 4401;

/// Whether a client may listen: no tokens configured, or it gave one of them (checked in
/// constant time against every token, with no early exit).
pub fn admitted(tokens: &[String], auth: Option<&Value>, uri: &Uri) -> bool {
    if tokens.is_empty() {
        return true;
    }
    let from_auth = auth
        .and_then(|a| a.get("token"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let from_query = || {
        Query::<HashMap<String, String>>::try_from_uri(uri)
            .ok()
            .and_then(|Query(mut q)| q.remove("token"))
    };
    from_auth
        .or_else(from_query)
        .is_some_and(|given| one_of_secrets(&given, tokens))
}

/// A refusal, as socket.io's connect middleware reports it.
#[derive(Debug)]
pub struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(REFUSED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn uri(query: &str) -> Uri {
        format!("/socket.io/?EIO=3&transport=websocket{query}")
            .parse()
            .unwrap()
    }

    #[test]
    fn tokens_come_from_auth_or_the_query_and_must_match_one() {
        let tokens = ["t1".to_owned(), "t 2&".to_owned()];
        assert!(admitted(&[], None, &uri("")), "no tokens: everyone");
        assert!(admitted(&tokens, Some(&json!({"token": "t1"})), &uri("")));
        assert!(admitted(&tokens, None, &uri("&token=t%202%26")), "decoded");
        assert!(admitted(&tokens, Some(&json!({})), &uri("&token=t1")));
        assert!(!admitted(&tokens, None, &uri("")));
        assert!(!admitted(&tokens, Some(&json!({"token": "t"})), &uri("")));
        assert!(!admitted(&tokens, Some(&json!({"token": 1})), &uri("")));
        assert!(!admitted(&tokens, Some(&json!("t1")), &uri("")));
        assert!(!admitted(&tokens, None, &uri("&token=t1x")));
        assert!(
            !admitted(&tokens, None, &uri("&Token=t1")),
            "the name is exact"
        );
    }
}
