//! Webhook notifications as a broadcaster passes them on: which lists changed.
//!
//! A `list:changes` event carries the `value` array of SharePoint's webhook body (the seed
//! broadcaster sends it as a JSON string, which the Socket.IO layer parses), or one entry,
//! and each entry names its list in `resource`. An event that cannot be read that way (a
//! string too deep or too broken to parse, say, when a broadcaster merged a junk body with
//! a real one) may be any list's: it is reported as such, so that no list misses it.

use crate::json::Json;
use crate::protocol::EventArg;

/// What a `list:changes` event says changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NotifiedLists {
    /// The `resource` of each entry, each list once (compared ignoring case), in order.
    pub lists: Vec<String>,
    /// The event has no argument, some argument is no entry or array of entries, or some
    /// entry has no `resource` string: that part may be about any list.
    pub unreadable: bool,
}

/// Reads the arguments of a `list:changes` event (binary attachments are no entries).
pub fn notified_lists(args: &[EventArg]) -> NotifiedLists {
    let mut out = NotifiedLists {
        unreadable: args.is_empty(),
        ..NotifiedLists::default()
    };
    for arg in args {
        let EventArg::Json(arg) = arg else {
            out.unreadable = true;
            continue;
        };
        let entries = match arg {
            Json::Array(entries) => entries.as_slice(),
            Json::Object(_) => std::slice::from_ref(arg),
            _ => {
                out.unreadable = true;
                continue;
            }
        };
        for entry in entries {
            let Some(resource) = entry.get("resource").and_then(Json::as_str) else {
                out.unreadable = true;
                continue;
            };
            if !out.lists.iter().any(|l| l.eq_ignore_ascii_case(resource)) {
                out.lists.push(resource.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;
    use crate::protocol::socketio::parse_embedded_json;

    const A: &str = "5c1ad7e3-13c4-4f2b-9d0e-1b1f3e6a7c01";
    const B: &str = "482e418a-0900-414b-8902-02248c2e44e8";

    fn entry(list: &str) -> String {
        format!(r#"{{"subscriptionId":"s","resource":"{list}","siteUrl":"/sites/dev"}}"#)
    }

    /// The event argument as the seed broadcaster sends it: `JSON.stringify(body.value)`.
    fn seed_arg(entries: &[String]) -> Json {
        parse_embedded_json(Json::from(format!("[{}]", entries.join(",")).as_str()))
    }

    /// The lists an event of these arguments names.
    fn read(args: &[&Json]) -> NotifiedLists {
        let args: Vec<EventArg> = args.iter().map(|a| EventArg::Json((*a).clone())).collect();
        notified_lists(&args)
    }

    fn lists(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn entries_name_their_lists_once_each() {
        let arg = seed_arg(&[entry(A), entry(B), entry(&A.to_uppercase())]);
        let got = read(&[&arg]);
        assert_eq!(got.lists, lists(&[A, B]));
        assert!(!got.unreadable);
        // One entry as an object, and an empty array: nothing unreadable.
        let one = parse(&entry(B)).unwrap();
        let none = parse("[]").unwrap();
        let got = read(&[&one, &none]);
        assert_eq!(
            got,
            NotifiedLists {
                lists: lists(&[B]),
                unreadable: false
            }
        );
    }

    /// A real entry merged with one nested deeper than the JSON reader takes: the string
    /// stays unparsed, and the event is unreadable (it was read as naming no list, and
    /// the real entry's list waited for the next hint or the safety poll).
    #[test]
    fn an_event_too_deep_to_read_is_unreadable_not_empty() {
        let deep = format!(r#"{{"resource":{}1{}}}"#, "[".repeat(200), "]".repeat(200));
        let arg = seed_arg(&[deep, entry(A)]);
        assert!(matches!(arg, Json::String(_)), "the reader refused it");
        let got = read(&[&arg]);
        assert_eq!(
            got,
            NotifiedLists {
                lists: vec![],
                unreadable: true
            }
        );
    }

    #[test]
    fn other_shapes_are_unreadable_and_keep_the_lists_they_name() {
        let cases = [
            r#""not json""#,
            "5",
            "null",
            r#"[{"subscriptionId":"s"}]"#,
            r#"[{"resource":7}]"#,
            r#"{"value":[{"resource":"x"}]}"#,
        ];
        for case in cases {
            let arg = parse(case).unwrap();
            assert!(read(&[&arg]).unreadable, "{case}");
        }
        // A bare `list:changes`, with no argument, may be about any list too.
        assert!(notified_lists(&[]).unreadable);
        let mixed = seed_arg(&[entry(A), r#"{"resource":null}"#.into()]);
        let got = read(&[&mixed]);
        assert_eq!(
            got,
            NotifiedLists {
                lists: lists(&[A]),
                unreadable: true
            }
        );
    }
}
