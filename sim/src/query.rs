//! Query string handling: decoding, OData options, `$skiptoken` paging.

use percent_encoding::percent_decode_str;

/// Decoded query parameters in order (`+` read as a space).
#[derive(Clone, Debug, Default)]
pub struct Query(pub Vec<(String, String)>);

/// Percent-decodes a URL component, reading `+` as a space.
pub fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> Query {
        let mut v = Vec::new();
        for part in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, val) = part.split_once('=').unwrap_or((part, ""));
            v.push((decode(k), decode(val)));
        }
        Query(v)
    }

    /// The value of a parameter, name matched case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `$select` as a list of field names (empty = all; `*` = all).
    pub fn select(&self) -> Vec<String> {
        let mut fields = self.list("$select");
        fields.retain(|f| f != "*");
        fields
    }

    /// A comma-separated parameter (`$select`, `$expand`) as its trimmed, non-empty parts.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|s| {
                s.split(',')
                    .map(|f| f.trim().to_string())
                    .filter(|f| !f.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The `p_ID` of `$skiptoken=Paged=TRUE&p_ID=N`, encoded or not.
    pub fn skip_id(&self) -> Option<Result<u32, String>> {
        if let Some(t) = self.get("$skiptoken") {
            let inner = decode(t);
            for part in inner.split('&') {
                if let Some((k, v)) = part.split_once('=') {
                    if k.eq_ignore_ascii_case("p_ID") {
                        return Some(v.trim().parse().map_err(|_| format!("bad p_ID '{v}'")));
                    }
                }
            }
            if let Some(v) = self.get("p_ID") {
                return Some(v.trim().parse().map_err(|_| format!("bad p_ID '{v}'")));
            }
            return Some(Err(format!("bad $skiptoken '{t}'")));
        }
        None
    }
}

/// Encodes a query component the way SharePoint's next links do.
pub fn encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%5F", "_")
        .replace("%2D", "-")
        .replace("%2E", ".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skiptoken_forms() {
        let q = Query::parse(Some("%24skiptoken=Paged%3DTRUE%26p_ID%3D100&%24top=10"));
        assert_eq!(q.skip_id(), Some(Ok(100)));
        assert_eq!(q.get("$TOP"), Some("10"));
        let q = Query::parse(Some("$skiptoken=Paged=TRUE&p_ID=5"));
        assert_eq!(q.skip_id(), Some(Ok(5)));
        let q = Query::parse(Some("$filter=(ID+eq+1)%20or%20(ID eq 2)&$select=Id,Title"));
        assert_eq!(q.get("$filter"), Some("(ID eq 1) or (ID eq 2)"));
        assert_eq!(q.select(), vec!["Id", "Title"]);
        assert!(matches!(
            Query::parse(Some("$skiptoken=zzz")).skip_id(),
            Some(Err(_))
        ));
    }
}
