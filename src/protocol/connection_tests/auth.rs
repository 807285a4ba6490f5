//! Credentials asked for before every attempt (`auth_each_attempt`, an `auth`
//! function in JavaScript): where the answer goes, and what a failed or missing one does;
//! and a server closing a WebSocket with an application code (its refusal).

use super::*;

fn asking(protocol: Protocol) -> Harness {
    let mut o = ConnectOptions::new("http://h", protocol);
    o.auth_each_attempt = true;
    o.reconnection_delay_ms = 100;
    o.reconnection_delay_max_ms = 100;
    o.connect_timeout_ms = 1000;
    Harness::with(o)
}

/// The attempts asked for (their ids), in order.
fn asked(outputs: &[Output]) -> Vec<SocketId> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::AuthNeeded { id } => Some(*id),
            _ => None,
        })
        .collect()
}

fn token(t: &str) -> Result<Option<Json>, String> {
    Ok(Some(
        json::parse(&["{\"token\":\"", t, "\"}"].concat()).unwrap(),
    ))
}

#[test]
fn each_attempt_asks_first_and_a_v4_connect_carries_that_answer() {
    let mut h = asking(Protocol::SocketIoV4);
    assert_eq!(asked(&h.log), [1], "the first attempt asks");
    assert!(
        socket_urls(&h.log).is_empty(),
        "no socket before the answer"
    );
    assert_eq!(
        h.conn.poll_timeout(),
        Some(1000),
        "the answer has the connect timeout"
    );
    h.conn.handle_auth(1, token("one"), h.now);
    assert_eq!(socket_urls(&h.take()).len(), 1);
    h.open();
    assert_eq!(sent(&h.recv(V4_OPEN)), [r#"40{"token":"one"}"#]);
    h.recv(r#"40{"sid":"x"}"#);
    assert_eq!(h.conn.state(), State::Open);

    // The link drops: the reconnection asks again and sends the new answer.
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    h.take();
    assert_eq!(asked(&h.advance(100)), [2]);
    h.conn.handle_auth(2, token("two"), h.now);
    h.take();
    h.open();
    assert_eq!(sent(&h.recv(V4_OPEN)), [r#"40{"token":"two"}"#]);
}

#[test]
fn a_v2_or_plain_websocket_url_carries_each_answer_in_its_query() {
    for protocol in [Protocol::SocketIoV2, Protocol::WebSocket] {
        let mut h = asking(protocol);
        h.conn.handle_auth(1, token("one"), h.now);
        let first = socket_urls(&h.take());
        assert!(first[0].contains("token=one"), "{first:?}");
        h.conn.handle_socket_closed(h.socket, "1006", h.now);
        h.take();
        h.advance(100);
        h.conn.handle_auth(2, token("two"), h.now);
        let second = socket_urls(&h.take());
        assert!(second[0].contains("token=two"), "{second:?}");
        assert!(!second[0].contains("token=one"), "{second:?}");
    }
}

#[test]
fn auto_asks_again_for_the_2x_retry_whose_url_carries_the_auth() {
    let mut h = asking(Protocol::Auto);
    h.conn.handle_auth(1, token("one"), h.now);
    h.take();
    h.open();
    h.recv(V3_OPEN);
    h.recv("40"); // a 2.x server on `/`: the auth belongs in its URL
    assert_eq!(
        asked(&h.advance(0)),
        [2],
        "the same attempt again, asking again"
    );
    h.conn.handle_auth(2, token("two"), h.now);
    let url = &socket_urls(&h.take())[0];
    assert!(url.contains("EIO=3") && url.contains("token=two"), "{url}");
}

#[test]
fn no_answer_an_error_or_a_non_object_fails_the_attempt_and_the_next_one_asks_again() {
    let mut h = asking(Protocol::SocketIoV4);
    // A throw or a rejection.
    h.conn
        .handle_auth(1, Err("token service down".into()), h.now);
    let out = h.take();
    assert_eq!(error_codes(&out), ["protocol-auth"]);
    assert!(socket_urls(&out).is_empty());
    assert_eq!(h.conn.state(), State::Connecting);
    // Not an object.
    assert_eq!(asked(&h.advance(100)), [2]);
    h.conn
        .handle_auth(2, Ok(Some(json::parse(r#""t""#).unwrap())), h.now);
    assert_eq!(error_codes(&h.take()), ["protocol-auth"]);
    // No answer within the connect timeout.
    assert_eq!(asked(&h.advance(100)), [3]);
    let out = h.advance(1000);
    assert_eq!(error_codes(&out), ["protocol-auth"]);
    assert!(
        asked(&out).is_empty(),
        "the next attempt waits out its delay"
    );
    assert_eq!(asked(&h.advance(100)), [4]);
    // A late answer for an attempt given up is ignored; the current one's counts.
    h.conn.handle_auth(3, token("late"), h.now);
    assert!(h.take().is_empty());
    h.conn.handle_auth(4, Ok(None), h.now);
    assert_eq!(
        socket_urls(&h.take()).len(),
        1,
        "no auth at all is an answer"
    );
    h.open();
    assert_eq!(sent(&h.recv(V4_OPEN)), ["40"]);
}

#[test]
fn failed_answers_count_as_attempts_and_close_and_reconnection_off_stop_asking() {
    let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV4);
    o.auth_each_attempt = true;
    o.reconnection_attempts = Some(1);
    let mut h = Harness::with(o);
    h.conn.handle_auth(1, Err("no".into()), h.now);
    h.take();
    let out = h.advance(10_000);
    assert_eq!(asked(&out), [2]);
    h.conn.handle_auth(2, Err("no".into()), h.now);
    h.take();
    assert_eq!(
        h.conn.state(),
        State::Closed,
        "gave up after one reconnection"
    );
    assert_eq!(h.conn.poll_timeout(), None);

    let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV4);
    o.auth_each_attempt = true;
    o.reconnection = false;
    let mut h = Harness::with(o);
    h.conn.handle_auth(1, Err("no".into()), h.now);
    h.take();
    assert_eq!(h.conn.state(), State::Closed);

    let mut h = asking(Protocol::SocketIoV4);
    h.conn.close();
    h.take();
    h.conn.handle_auth(1, token("t"), h.now);
    assert!(h.take().is_empty(), "closed while asking: nothing opens");
    assert_eq!(h.conn.poll_timeout(), None);
}

#[test]
fn asking_connections_share_with_each_other_not_with_fixed_or_no_auth() {
    let key = |each: bool, auth: Option<&str>| {
        let mut o = ConnectOptions::new("http://h", Protocol::SocketIoV4);
        o.auth_each_attempt = each;
        o.auth = auth.map(|a| json::parse(a).unwrap());
        Connection::new(o, 0).unwrap().sharing_key()
    };
    assert_eq!(key(true, None), key(true, None));
    assert_ne!(key(true, None), key(false, None));
    assert_ne!(key(true, None), key(false, Some(r#"{"t":1}"#)));
}

#[test]
fn a_close_with_an_application_code_is_the_servers_refusal() {
    // sp-broadcaster closes a plain-ws client without its token with 4401.
    let mut h = Harness::new(Protocol::WebSocket);
    h.open();
    assert_eq!(h.conn.state(), State::Open);
    h.conn
        .handle_socket_closed(h.socket, "4401 Not authorized", h.now);
    let out = h.take();
    assert_eq!(error_codes(&out), ["protocol-connect-refused"]);
    let Some(Output::Error(e)) = out.iter().find(|o| matches!(o, Output::Error(_))) else {
        unreachable!()
    };
    assert_eq!(e.message(), "closed by the server: 4401 Not authorized");
    assert_eq!(h.conn.state(), State::Reconnecting, "and tries again");
    // Other codes after the link was up are a state change only; before, a transport error.
    h.advance(5_000);
    h.open();
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    assert!(error_codes(&h.take()).is_empty());
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.conn.handle_socket_closed(h.socket, "1006", h.now);
    assert_eq!(error_codes(&h.take()), ["protocol-transport"]);
    let mut h = Harness::new(Protocol::SocketIoV4);
    h.conn.handle_socket_closed(h.socket, "4000", h.now);
    assert_eq!(error_codes(&h.take()), ["protocol-connect-refused"]);
}
