//! Fault injection: throttling/unavailability answers and added latency.

use serde::{Deserialize, Serialize};

/// One rule: the next `remaining` matching requests answer `status`, with `Retry-After`
/// unless it is `None` (SharePoint's answers do not always carry one).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Rule id.
    pub id: u64,
    /// 429 or 503 (any 4xx/5xx is accepted).
    pub status: u16,
    /// Matching requests still to fault.
    pub remaining: u32,
    /// `Retry-After` seconds; `None`: no such header.
    pub retry_after: Option<u32>,
    /// Endpoint kind (e.g. `getchanges`) or a case-insensitive path substring; `None` = all.
    #[serde(rename = "match")]
    pub matches: Option<String>,
}

/// Added latency for matching requests.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Latency {
    /// Milliseconds added before the request is handled.
    pub ms: u64,
    /// Endpoint kind or path substring; `None` = all.
    #[serde(rename = "match")]
    pub matches: Option<String>,
}

/// All fault state.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Active rules, first match wins.
    pub rules: Vec<FaultRule>,
    /// Added latency.
    pub latency: Latency,
    /// Next rule id.
    pub next_id: u64,
    /// How many responses were faulted so far.
    pub injected: u64,
}

/// Whether a rule's matcher applies to a request of this kind and path.
pub fn matches(m: &Option<String>, kind: &str, path: &str) -> bool {
    match m.as_deref().map(str::trim) {
        None | Some("") | Some("*") => true,
        Some(s) => {
            s.eq_ignore_ascii_case(kind)
                || path.to_ascii_lowercase().contains(&s.to_ascii_lowercase())
        }
    }
}

impl Faults {
    /// Adds a rule; returns it.
    pub fn add(
        &mut self,
        status: u16,
        count: u32,
        retry_after: Option<u32>,
        matches: Option<String>,
    ) -> FaultRule {
        self.next_id += 1;
        let r = FaultRule {
            id: self.next_id,
            status,
            remaining: count,
            retry_after,
            matches,
        };
        self.rules.push(r.clone());
        r
    }

    /// Consumes one use of the first matching rule: `(status, retry_after)`.
    pub fn take(&mut self, kind: &str, path: &str) -> Option<(u16, Option<u32>)> {
        let r = self
            .rules
            .iter_mut()
            .find(|r| r.remaining > 0 && matches(&r.matches, kind, path))?;
        r.remaining -= 1;
        let out = (r.status, r.retry_after);
        self.rules.retain(|r| r.remaining > 0);
        self.injected += 1;
        Some(out)
    }

    /// Latency to add to this request, ms.
    pub fn latency_for(&self, kind: &str, path: &str) -> u64 {
        if self.latency.ms > 0 && matches(&self.latency.matches, kind, path) {
            self.latency.ms
        } else {
            0
        }
    }
}
