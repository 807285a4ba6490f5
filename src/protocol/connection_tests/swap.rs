//! `auto` when the server is replaced by one of the other generation while the page stays
//! open (a broadcaster moved from socket.io 2.x to 4.x, or rolled back): found again
//! without a reload.

use super::*;

const V2_URL: &str = "ws://h/socket.io/?EIO=3&transport=websocket&token=t";
const V4_URL: &str = "ws://h/socket.io/?EIO=4&transport=websocket";

fn with_auth(url: &str) -> Harness {
    let mut o = ConnectOptions::new(url, Protocol::Auto);
    o.auth = Some(json::parse(r#"{"token":"t"}"#).unwrap());
    Harness::with(o)
}

/// The link is lost (1006); the URL of the next attempt, after the backoff.
fn lose_link(h: &mut Harness) -> String {
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    h.take();
    let urls = socket_urls(&h.advance(5_000));
    assert_eq!(urls.len(), 1, "{urls:?}");
    urls[0].clone()
}

/// A 2.x server, answering EIO=4 in its own generation, joins `/` unasked: that session
/// ends and the next attempt, at once, speaks 2.x (the auth in its URL).
fn shows_2x(h: &mut Harness) {
    let out = h.recv("40");
    assert!(error_codes(&out).is_empty(), "{out:?}");
    assert_ne!(
        h.conn.state(),
        State::Open,
        "not a second `/` on a 2.x server"
    );
    assert_eq!(socket_urls(&h.advance(0)), [V2_URL]);
    h.connect_v2();
}

#[test]
fn a_2x_server_replaced_by_a_4x_one_refusing_eio_3_and_back_is_found_without_a_reload() {
    let mut h = with_auth("http://h");
    let key = h.conn.sharing_key();
    h.open();
    h.recv(V3_OPEN);
    shows_2x(&mut h);
    assert_eq!(lose_link(&mut h), V2_URL, "remembered");
    // socket.io 4.x without `allowEIO3` refuses EIO=3 at the upgrade (HTTP 400): the
    // browser's socket closes 1006 before any handshake.
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    h.take();
    assert_eq!(socket_urls(&h.advance(5_000)), [V4_URL], "detects again");
    h.open();
    assert_eq!(sent(&h.recv(V4_OPEN)), [r#"40{"token":"t"}"#]);
    h.recv(r#"40{"sid":"x"}"#);
    assert_eq!(h.conn.state(), State::Open);
    assert_eq!(lose_link(&mut h), V4_URL, "remembered");
    // Rolled back to 2.x: it answers EIO=4 too, and shows itself.
    h.open();
    assert_eq!(sent(&h.recv(V3_OPEN)), [r#"40{"token":"t"}"#], "as 4.x");
    shows_2x(&mut h);
    assert_eq!(h.conn.sharing_key(), key, "`auto` all along");
}

#[test]
fn a_4x_server_rolled_back_to_2x_on_another_namespace_shows_itself_by_its_default_one() {
    // A 2.x server joins `/` unasked, or refuses it (its middleware wants the token in
    // the URL, and `/admin` then waits behind `/` for ever): 3.x/4.x send nothing for a
    // namespace not asked for.
    for frames in [&["40"][..], &[r#"44"Not authorized""#]] {
        let mut h = with_auth("http://h/admin");
        h.open();
        assert_eq!(sent(&h.recv(V4_OPEN)), [r#"40/admin,{"token":"t"}"#]);
        h.recv(r#"40/admin,{"sid":"x"}"#);
        assert_eq!(h.conn.state(), State::Open);
        assert_eq!(lose_link(&mut h), V4_URL);
        h.open();
        h.recv(V3_OPEN);
        let mut out = vec![];
        for frame in frames {
            out.extend(h.recv(frame));
        }
        assert!(error_codes(&out).is_empty(), "{frames:?}: {out:?}");
        assert_ne!(h.conn.state(), State::Open, "{frames:?}");
        assert_eq!(socket_urls(&h.advance(0)), [V2_URL], "{frames:?}");
        h.open();
        assert_eq!(sent(&h.recv(V3_OPEN)), ["40/admin?token=t,"], "{frames:?}");
        h.recv("40");
        h.recv("40/admin,");
        assert_eq!(h.conn.state(), State::Open, "{frames:?}");
    }
}

#[test]
fn an_outage_keeps_what_was_found_until_an_attempt_gets_no_handshake() {
    // A lost link (the handshake came): the next attempt speaks what was found, at once.
    let mut h = Harness::new(Protocol::Auto);
    h.connect_v4();
    let v4 = "ws://127.0.0.1:9/socket.io/?EIO=4&transport=websocket";
    assert_eq!(lose_link(&mut h), v4);
    h.open();
    let old = r#"0{"sid":"o","upgrades":[],"pingInterval":1000,"pingTimeout":500}"#;
    assert_eq!(sent(&h.recv(old)), ["40"], "no wait: 3.x/4.x was found");
    h.recv(r#"40{"sid":"x"}"#);
    assert_eq!(h.conn.state(), State::Open);
    // An attempt without a handshake (socket open, nothing within the connect timeout):
    // the next one waits to see again, as the first did.
    assert_eq!(lose_link(&mut h), v4);
    h.open();
    let out = h.advance(25_000);
    assert_eq!(error_codes(&out), ["protocol-connect-timeout"], "{out:?}");
    assert_eq!(socket_urls(&out), [v4]);
    h.open();
    assert!(sent(&h.recv(old)).is_empty(), "waiting");
    assert_eq!(sent(&h.advance(1_000)), ["40"]);
}
