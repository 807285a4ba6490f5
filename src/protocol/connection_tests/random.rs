//! Random interleavings of everything a connection can be told: sockets opening and
//! closing (the current one, stale ones, unknown ones), server frames good and bad,
//! time passing, emits and a close, in each protocol. Whatever the order: nothing
//! panics, a deadline is never in the past once handled (no busy loop), at most one
//! socket is open at a time, events flow only while open, and after `close` nothing
//! opens again.

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

#[test]
fn random_inputs_keep_the_connection_sound() {
    let mut rng = SplitMix64::new(41);
    for protocol in [
        Protocol::SocketIoV2,
        Protocol::SocketIoV4,
        Protocol::Auto,
        Protocol::WebSocket,
    ] {
        for _ in 0..200 {
            let mut options = ConnectOptions::new("http://127.0.0.1:9", protocol);
            options.randomization_factor = 0.0;
            let mut conn = Connection::new(options, 0).unwrap();
            let (mut now, mut closed) = (0u64, false);
            // Sockets asked for and not yet closed by either side.
            let mut open: Vec<SocketId> = Vec::new();
            let mut newest: SocketId = 0;
            let mut log: Vec<String> = Vec::new();
            // The first socket, asked for on creation.
            while let Some(out) = conn.poll_output() {
                if let Output::OpenSocket { id, .. } = out {
                    open.push(id);
                    newest = id;
                }
            }
            for _ in 0..60 {
                // Pick a socket id: mostly the newest, sometimes a stale or unknown one.
                let id = match rng.up_to(5) {
                    0 => newest.saturating_sub(1),
                    1 => newest + 7,
                    _ => newest,
                };
                let action = rng.up_to(10);
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
                        Output::OpenSocket { id, .. } => {
                            assert!(
                                !closed,
                                "{protocol:?}: a socket opened after close: {log:?}"
                            );
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
    }
}
