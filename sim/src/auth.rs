//! Form digests (contextinfo) and the check applied to non-GET requests.

use axum::http::HeaderMap;
use rand::Rng;

use crate::store::{Digest, Inner};
use crate::time;

/// Issues a digest for a site; returns `(value, timeout seconds)`.
pub fn issue(inner: &mut Inner, site: usize) -> (String, i64) {
    let now = inner.now_ms();
    let timeout = inner.knobs.digest_timeout_seconds;
    let mut rng = rand::thread_rng();
    let hex: String = (0..64)
        .map(|_| format!("{:02X}", rng.gen::<u8>()))
        .collect();
    let value = format!("0x{hex},{}", time::digest_date(now));
    inner.digests.insert(
        value.clone(),
        Digest {
            site,
            expires_ms: now.saturating_add(timeout.saturating_mul(1000)),
        },
    );
    (value, timeout)
}

/// Whether a request may write: a bearer token, or a live digest of this site.
pub fn authorized(inner: &Inner, site: usize, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().len() > 7 && v.trim()[..7].eq_ignore_ascii_case("bearer "));
    if bearer {
        return true;
    }
    let Some(d) = headers.get("x-requestdigest").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let now = inner.now_ms();
    inner
        .digests
        .get(d.trim())
        .is_some_and(|d| d.site == site && d.expires_ms > now)
}

/// Who a write is by: the user a bearer token `user:N` names (N a site user, see
/// [`crate::users`]), else the dev user (a digest or any other token).
pub fn writer(headers: &HeaderMap) -> i64 {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().get(7..))
        .and_then(|token| token.trim().strip_prefix("user:"))
        .and_then(|n| n.parse().ok())
        .filter(|n| crate::users::user(*n).is_some())
        .unwrap_or(crate::users::DEV_USER)
}
