//! A connection told anything in any order: frames of any bytes (and well-formed ones,
//! to get past the handshakes), sockets opening and closing, current, stale or unknown,
//! time passing, `auth` answers, emits and a close, in each protocol. Nothing panics,
//! a deadline once handled moves on, at most one socket is open at a time, events flow
//! only while open, and nothing opens after `close`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sp_live::json::{self, Json};
use sp_live::protocol::{ConnectOptions, Connection, Frame, Output, Protocol, SocketId, State};

const FRAMES: [&str; 14] = [
    r#"0{"sid":"s3","upgrades":[],"pingInterval":1000,"pingTimeout":500}"#,
    r#"0{"sid":"s4","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000}"#,
    "40",
    r#"40{"sid":"x"}"#,
    r#"42["list:changes","[{\"resource\":\"x\"}]"]"#,
    r#"451-["bin",{"_placeholder":true,"num":0}]"#,
    r#"44{"message":"nope"}"#,
    "41",
    "2",
    "3",
    "1",
    r#"{"value":[{"resource":"x"}]}"#,
    r#"42/ns,["e",1]"#,
    "6",
];

const PROTOCOLS: [Protocol; 4] = [
    Protocol::SocketIoV2,
    Protocol::SocketIoV4,
    Protocol::Auto,
    Protocol::WebSocket,
];

fuzz_target!(|data: &[u8]| {
    let Some((&setup, mut script)) = data.split_first() else {
        return;
    };
    let mut options = ConnectOptions::new("http://127.0.0.1:9/", PROTOCOLS[usize::from(setup % 4)]);
    options.randomization_factor = 0.0;
    options.auth_each_attempt = setup & 4 != 0;
    let mut conn = Connection::new(options, 0).unwrap();
    let (mut now, mut closed) = (0u64, false);
    let mut open: Vec<SocketId> = Vec::new();
    let mut newest: SocketId = 0;
    drain(&mut conn, &mut open, &mut newest, closed);
    while let Some((&op, rest)) = script.split_first() {
        script = rest;
        let mut take = |n: usize| {
            let n = n.min(script.len());
            let (taken, rest) = script.split_at(n);
            script = rest;
            taken
        };
        let id = match op >> 5 {
            0 => newest.wrapping_sub(1),
            1 => newest + 7,
            _ => newest,
        };
        match op % 10 {
            0 => conn.handle_socket_open(id, now),
            1 => {
                let n = take(1).first().copied().unwrap_or(0);
                let text = String::from_utf8_lossy(take(usize::from(n))).into_owned();
                conn.handle_frame(id, Frame::Text(text), now);
            }
            2 => {
                let n = take(1).first().copied().unwrap_or(0);
                conn.handle_frame(id, Frame::Binary(take(usize::from(n)).to_vec()), now);
            }
            3 => {
                let by = take(1).first().copied().unwrap_or(0);
                now += u64::from(by) * 40;
                if let Some(at) = conn.poll_timeout().filter(|at| *at <= now) {
                    conn.handle_timeout(now.max(at));
                }
            }
            4 => {
                conn.handle_socket_closed(id, "transport close", now);
                open.retain(|s| *s != id);
            }
            5 => conn.emit(
                "subscribe",
                vec![json::parse(r#"{"lists":["x"]}"#).unwrap()],
            ),
            6 => {
                let auth = match op >> 6 {
                    0 => Err("no".to_owned()),
                    1 => Ok(Some(Json::from("not an object"))),
                    2 => Ok(None),
                    _ => Ok(Some(json::parse(r#"{"t":1}"#).unwrap())),
                };
                conn.handle_auth(id, auth, now);
            }
            7 if op > 200 => {
                conn.close();
                closed = true;
            }
            8 => conn.handle_network_back(now),
            _ => {
                let frame = FRAMES[usize::from(op / 10) % FRAMES.len()];
                conn.handle_frame(id, Frame::Text(frame.into()), now);
            }
        }
        drain(&mut conn, &mut open, &mut newest, closed);
        if let Some(at) = conn.poll_timeout().filter(|at| *at <= now) {
            conn.handle_timeout(now);
            drain(&mut conn, &mut open, &mut newest, closed);
            if let Some(next) = conn.poll_timeout() {
                assert!(next > now || next > at, "deadline {at} again at {now}");
            }
        }
    }
});

fn drain(conn: &mut Connection, open: &mut Vec<SocketId>, newest: &mut SocketId, closed: bool) {
    while let Some(out) = conn.poll_output() {
        match out {
            Output::OpenSocket { id, .. } => {
                assert!(!closed, "a socket opened after close");
                assert!(open.is_empty(), "{id} opened while {open:?} open");
                open.push(id);
                *newest = id;
            }
            Output::AuthNeeded { .. } => assert!(!closed, "asked for auth after close"),
            Output::CloseSocket { id } => open.retain(|s| *s != id),
            Output::Event(_) => assert_eq!(conn.state(), State::Open, "an event while not open"),
            _ => {}
        }
    }
}
