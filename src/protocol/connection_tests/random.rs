//! Random interleavings of everything a connection can be told: sockets opening and
//! closing (the current one, stale ones, unknown ones), server frames good and bad,
//! time passing, emits, a close and (half of the runs) answers to `auth` requests, good,
//! bad and stale, in each protocol. Whatever the order: nothing panics, a deadline is
//! never in the past once handled (no busy loop), at most one socket is open at a time,
//! a socket opens only for the attempt whose `auth` was answered, events flow only while
//! open, and after `close` nothing opens again.

use super::*;
use crate::sync::SplitMix64;

const FRAMES: [&str; 12] = [
    V3_OPEN,
    V4_OPEN,
    "40",
    r#"40{"sid":"x"}"#,
    r#"42["list:changes","[]"]"#,
    r#"451-["bin",{"_placeholder":true,"num":0}]"#,
    r#"44{"message":"nope"}"#,
    "41",
    "2",
    "3",
    "1",
    r#"{"value":[{"resource":"x"}]}"#,
];

/// Whether run `run` asks for `auth` before each attempt.
fn options_ask(run: i32) -> bool {
    run % 2 == 1
}

#[test]
fn random_inputs_keep_the_connection_sound() {
    let mut rng = SplitMix64::new(41);
    for protocol in [
        Protocol::SocketIoV2,
        Protocol::SocketIoV4,
        Protocol::Auto,
        Protocol::WebSocket,
    ] {
        let mut answered_opens = 0;
        for run in 0..200 {
            let mut options = ConnectOptions::new("http://127.0.0.1:9", protocol);
            options.randomization_factor = 0.0;
            options.auth_each_attempt = options_ask(run);
            // The attempt asking for `auth`, and the last one answered with an object.
            let (mut asking, mut answered): (Option<SocketId>, Option<SocketId>) = (None, None);
            let mut conn = Connection::new(options, 0).unwrap();
            let (mut now, mut closed) = (0u64, false);
            // Sockets asked for and not yet closed by either side.
            let mut open: Vec<SocketId> = Vec::new();
            let mut newest: SocketId = 0;
            let mut log: Vec<String> = Vec::new();
            // The first socket, asked for on creation.
            while let Some(out) = conn.poll_output() {
                match out {
                    Output::OpenSocket { id, .. } => {
                        open.push(id);
                        newest = id;
                    }
                    Output::AuthNeeded { id } => asking = Some(id),
                    _ => {}
                }
            }
            for _ in 0..60 {
                // Pick a socket id: mostly the newest, sometimes a stale or unknown one.
                let id = match rng.up_to(5) {
                    0 => newest.saturating_sub(1),
                    1 => newest + 7,
                    _ => newest,
                };
                let action = rng.up_to(11);
                log.push(format!("{action}@{id}"));
                match action {
                    0 => conn.handle_socket_open(id, now),
                    1 => {
                        conn.handle_socket_closed(id, "transport close", now);
                        open.retain(|s| *s != id);
                    }
                    2 => conn.emit("ping", vec![json::Json::from(1)]),
                    3 if rng.chance(0.1) => {
                        conn.close();
                        closed = true;
                    }
                    10 => conn.handle_network_back(now),
                    11 => {
                        let id = asking.filter(|_| rng.chance(0.8)).unwrap_or(id);
                        let auth = match rng.up_to(2) {
                            0 => Err("no".to_owned()),
                            1 => Ok(Some(json::Json::from("not an object"))),
                            _ => Ok(Some(json::parse(r#"{"t":1}"#).unwrap())),
                        };
                        if auth
                            .as_ref()
                            .is_ok_and(|a| a.as_ref().is_some_and(|a| a.as_str().is_none()))
                        {
                            answered = Some(id);
                        }
                        conn.handle_auth(id, auth, now);
                    }
                    4 | 5 => {
                        now += rng.up_to(3_000);
                        if let Some(at) = conn.poll_timeout().filter(|at| *at <= now) {
                            conn.handle_timeout(now.max(at));
                        }
                    }
                    _ => {
                        let frame = FRAMES[rng.up_to(FRAMES.len() as u64 - 1) as usize];
                        conn.handle_frame(id, Frame::Text(frame.into()), now);
                    }
                }
                while let Some(out) = conn.poll_output() {
                    match out {
                        Output::AuthNeeded { id } => {
                            assert!(!closed, "{protocol:?}: asked after close: {log:?}");
                            assert!(id > newest, "{protocol:?}: a new attempt asks");
                            asking = Some(id);
                        }
                        Output::OpenSocket { id, .. } => {
                            assert!(
                                !closed,
                                "{protocol:?}: a socket opened after close: {log:?}"
                            );
                            if options_ask(run) {
                                assert_eq!(
                                    (asking, answered),
                                    (Some(id), Some(id)),
                                    "{protocol:?}: opened without its answer: {log:?}"
                                );
                                asking = None;
                                answered_opens += 1;
                            }
                            assert!(open.is_empty(), "{protocol:?}: {id} while {open:?} open");
                            open.push(id);
                            newest = id;
                        }
                        Output::CloseSocket { id } => open.retain(|s| *s != id),
                        Output::Event(_) => {
                            assert_eq!(conn.state(), State::Open, "{protocol:?}: an event");
                        }
                        _ => {}
                    }
                }
                if let Some(at) = conn.poll_timeout() {
                    // Handling a deadline moves it on (or the connection would spin).
                    if at <= now {
                        conn.handle_timeout(now);
                        while conn.poll_output().is_some() {}
                        if let Some(next) = conn.poll_timeout() {
                            assert!(next > now || next > at, "{protocol:?}: deadline {at} again");
                        }
                    }
                }
            }
        }
        assert!(
            answered_opens > 20,
            "{protocol:?}: {answered_opens} opens after an answer"
        );
    }
}
