//! Where a connection listens ([`Connection::place`]), which a live list's feed is
//! shared by: one place however the broadcaster's URL is spelt, without `auth`.

use super::*;

fn place(url: &str, protocol: Protocol, auth: Option<&str>) -> String {
    let mut o = ConnectOptions::new(url, protocol);
    o.auth = auth.map(|a| json::parse(a).unwrap());
    Connection::new(o, 0).unwrap().place().to_owned()
}

#[test]
fn one_place_however_its_url_is_spelt_and_without_auth() {
    for protocol in [Protocol::SocketIoV2, Protocol::WebSocket] {
        let base = place("http://h:1/", protocol, None);
        for same in ["http://h:1", " HTTP://H:1/ ", "ws://h:1/#x"] {
            assert_eq!(place(same, protocol, None), base, "{same}");
        }
        assert_eq!(place("http://h:1", protocol, Some(r#"{"t":"s"}"#)), base);
        for other in ["https://h:1/", "http://h:2/", "http://h:1/?code=1"] {
            assert_ne!(place(other, protocol, None), base, "{other}");
        }
        assert_ne!(place("http://h:1/a", protocol, None), base);
    }
    assert_eq!(
        place("http://h:1/admin/", Protocol::SocketIoV4, None),
        place("http://h:1/admin", Protocol::SocketIoV4, None)
    );
}

#[test]
fn a_default_port_is_the_same_place_as_none() {
    let same = [
        ("http://h:80", "http://h"),
        ("ws://H:80/", "ws://h"),
        ("https://h:443/", "wss://h"),
        ("http://[::1]:80", "http://[::1]"),
        ("http://u@h:80", "http://u@h"),
    ];
    let other = [
        ("http://h:443", "http://h"),
        ("https://h:80", "https://h"),
        ("http://h:8080", "http://h:80"),
        ("http://h:180", "http://h:1"),
    ];
    for (pairs, equal) in [(&same[..], true), (&other[..], false)] {
        for (a, b) in pairs {
            let (a, b) = (
                place(a, Protocol::Auto, None),
                place(b, Protocol::Auto, None),
            );
            assert_eq!(a == b, equal, "{a} {b}");
        }
    }
}
