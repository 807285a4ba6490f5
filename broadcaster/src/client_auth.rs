//! Who may listen. With `--client-token` or `--entra-tenant` set, a socket.io or plain-ws
//! client must present a token: socket.io 3/4 clients as `auth: { token }` (the CONNECT
//! payload), socket.io 2.x and plain-ws clients as `?token=` in the URL's query (where
//! socket.io-client 2.x's `query` option and sp-live put `auth` for them); either is
//! accepted from any client. It is admitted when it is one of the client tokens, or an
//! Entra ID access token for the configured app and tenant ([`crate::entra`]). Several
//! client tokens let one be rotated without a gap: add the new, move the clients (sp-live
//! asks an `auth` function before every attempt), then drop the old; with
//! `--client-token-file`, without a restart ([`crate::secrets`]).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::Query;
use axum::http::Uri;
use serde_json::Value;

use crate::entra::{TokenRefused, Verifier};
use crate::secrets::Secrets;

/// The reason a refused client is given (socket.io CONNECT_ERROR message, plain-ws close).
pub const REFUSED: &str = "Not authorized";

/// Close code of a plain-ws connection refused for its token (application range).
pub const CLOSE_NOT_AUTHORIZED: u16 = 4401;

/// The token a client gave: `auth.token` (a string), else the query's `token`.
pub fn presented(auth: Option<&Value>, uri: &Uri) -> Option<String> {
    let from_auth = auth
        .and_then(|a| a.get("token"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    from_auth.or_else(|| {
        Query::<HashMap<String, String>>::try_from_uri(uri)
            .ok()
            .and_then(|Query(mut q)| q.remove("token"))
    })
}

/// The admission check of socket.io and plain-ws clients.
pub struct Gate {
    tokens: Arc<Secrets>,
    entra: Option<Verifier>,
}

impl Gate {
    /// Admits clients with one of `tokens` or, with `entra`, a valid Entra ID token;
    /// everyone when both are empty.
    pub fn new(tokens: Arc<Secrets>, entra: Option<Verifier>) -> Self {
        Self { tokens, entra }
    }

    /// The Entra ID verifier, if tokens of a tenant are accepted.
    pub fn entra(&self) -> Option<&Verifier> {
        self.entra.as_ref()
    }

    /// Whether a client that gave `auth` (socket.io 3/4's CONNECT payload) and connected to
    /// `uri` may listen; the reason (for the log, never for the client) when not.
    pub async fn admits(&self, auth: Option<&Value>, uri: &Uri) -> Result<(), Refused> {
        if self.tokens.is_empty() && self.entra.is_none() {
            return Ok(());
        }
        let Some(given) = presented(auth, uri) else {
            return Err(Refused::NoToken);
        };
        // Constant time against every client token, with no early exit.
        if self.tokens.matches(&given) {
            return Ok(());
        }
        match &self.entra {
            // A JWT has two dots; anything else is a wrong client token.
            Some(verifier) if given.bytes().filter(|&c| c == b'.').count() == 2 => {
                let claims = verifier.verify(&given).await.map_err(Refused::Entra)?;
                tracing::debug!(oid = ?claims.oid, "Entra ID token accepted");
                Ok(())
            }
            _ => Err(Refused::WrongToken),
        }
    }
}

/// A refusal, as socket.io's connect middleware reports it (its `Display` is what the
/// client hears: [`REFUSED`]); `reason` says why, for the server's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The client gave no token.
    NoToken,
    /// Not one of the client tokens (nor a JWT, when Entra ID tokens are accepted).
    WrongToken,
    /// An Entra ID token that did not pass.
    Entra(TokenRefused),
    /// Not checked: the session's earlier CONNECTs were refused too often.
    TooManyAttempts,
}

impl Refused {
    /// Why, for the server's log (never the token itself).
    pub fn reason(&self) -> String {
        match self {
            Self::NoToken => "no token".into(),
            Self::WrongToken => "not a client token".into(),
            Self::Entra(why) => format!("Entra ID token refused: {why}"),
            Self::TooManyAttempts => "too many refused CONNECTs in its session".into(),
        }
    }
}

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

    fn admitted(tokens: &[String], auth: Option<&Value>, uri: &Uri) -> bool {
        let gate = Gate::new(Arc::new(Secrets::fixed("token", tokens.to_vec())), None);
        let admits = gate.admits(auth, uri);
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(admits)
            .is_ok()
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
