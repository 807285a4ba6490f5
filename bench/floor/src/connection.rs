//! `protocol::Connection` behind the C ABI.

use crate::io::*;
use crate::json::{self, Json};
use crate::protocol::{ConnectOptions, Connection, Frame, Output as COut, Protocol, State};

/// Options JSON as `Broadcaster.connect`'s plus `url`; `randomization` < 0: default.
/// On success the buffer holds the hub sharing key (socket URL | namespace | protocol|auth).
///
/// # Safety
/// `ptr`/`len` from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn conn_new(
    ptr: *mut u8,
    len: usize,
    randomization: f64,
    seed: f64,
    now: f64,
) -> *mut Connection {
    let o = match parse_options(&string(ptr, len)) {
        Ok(o) => o,
        Err(e) => return e.cast(),
    };
    let protocol = match get_str(&o, "protocol") {
        Some(name) => match Protocol::parse(name) {
            Ok(p) => p,
            Err(e) => return fail("invalid-options", e.message()),
        },
        None => Protocol::Auto,
    };
    let mut options = ConnectOptions::new(get_str(&o, "url").unwrap_or(""), protocol);
    options.path = get_str(&o, "path").map(str::to_owned);
    options.namespace = get_str(&o, "namespace").map(str::to_owned);
    options.auth = o.get("auth").filter(|a| **a != Json::Null).cloned();
    if let Some(v) = get_bool(&o, "authEachAttempt") {
        options.auth_each_attempt = v; // the JavaScript driver's `auth` is a function
    }
    if let Some(v) = get_bool(&o, "reconnection") {
        options.reconnection = v;
    }
    if let Some(v) = get_u64(&o, "reconnectionAttempts") {
        options.reconnection_attempts = (v < u64::from(u32::MAX)).then_some(v as u32);
    }
    if let Some(v) = get_u64(&o, "reconnectionDelay") {
        options.reconnection_delay_ms = v;
    }
    if let Some(v) = get_u64(&o, "reconnectionDelayMax") {
        options.reconnection_delay_max_ms = v;
    }
    if randomization >= 0.0 {
        options.randomization_factor = randomization;
    }
    if let Some(v) = get_u64(&o, "timeout") {
        options.connect_timeout_ms = v.min(1_000_000_000_000_000);
    }
    if let Some(v) = get_u64(&o, "maxFrameBytes") {
        options.max_frame_bytes = v as usize;
    }
    if let Some(v) = get_bool(&o, "reconnectOnServerDisconnect") {
        options.reconnect_after_server_disconnect = v;
    }
    options.seed = seed as u64;
    match Connection::new(options, ms(now)) {
        Ok(c) => {
            out().clear();
            put_str(&c.sharing_key());
            Box::into_raw(Box::new(c))
        }
        Err(e) => fail(e.code(), e.message()),
    }
}

/// # Safety
/// `c` from `conn_new`, not freed.
#[no_mangle]
pub unsafe extern "C" fn conn_free(c: *mut Connection) {
    drop(Box::from_raw(c));
}

/// # Safety
/// As `conn_free`.
#[no_mangle]
pub unsafe extern "C" fn conn_open(c: &mut Connection, id: u32, now: f64) {
    c.handle_socket_open(id, ms(now));
}

/// # Safety
/// As `conn_new`.
#[no_mangle]
pub unsafe extern "C" fn conn_text(
    c: &mut Connection,
    id: u32,
    ptr: *mut u8,
    len: usize,
    now: f64,
) {
    c.handle_frame(id, Frame::Text(string(ptr, len)), ms(now));
}

/// # Safety
/// As `conn_new`.
#[no_mangle]
pub unsafe extern "C" fn conn_binary(
    c: &mut Connection,
    id: u32,
    ptr: *mut u8,
    len: usize,
    now: f64,
) {
    c.handle_frame(id, Frame::Binary(bytes(ptr, len)), ms(now));
}

/// `reason`: "code" or "code reason", as src/web/socket.rs builds it (in JS).
///
/// # Safety
/// As `conn_new`.
#[no_mangle]
pub unsafe extern "C" fn conn_closed(
    c: &mut Connection,
    id: u32,
    ptr: *mut u8,
    len: usize,
    now: f64,
) {
    c.handle_socket_closed(id, &string(ptr, len), ms(now));
}

#[no_mangle]
pub extern "C" fn conn_timeout(c: &mut Connection, now: f64) {
    c.handle_timeout(ms(now));
}

#[no_mangle]
pub extern "C" fn conn_network_back(c: &mut Connection, now: f64) {
    c.handle_network_back(ms(now));
}

/// The `auth` function's answer for attempt `id`: `ok` 1 with a JSON text (`null`: no
/// auth), `ok` 0 with why there is none.
///
/// # Safety
/// As `conn_new`.
#[no_mangle]
pub unsafe extern "C" fn conn_auth(
    c: &mut Connection,
    id: u32,
    ok: u32,
    ptr: *mut u8,
    len: usize,
    now: f64,
) {
    let text = string(ptr, len);
    let auth = match ok {
        1 => json::parse(&text)
            .map(|a| (a != Json::Null).then_some(a))
            .map_err(|e| e.message()),
        _ => Err(text),
    };
    c.handle_auth(id, auth, ms(now));
}

/// `args`: a JSON array text (JSON.stringify of the arguments, undefined as null).
/// Returns 0, or 1 with an error in the buffer.
///
/// # Safety
/// As `conn_new`.
#[no_mangle]
pub unsafe extern "C" fn conn_emit(
    c: &mut Connection,
    name: *mut u8,
    name_len: usize,
    args: *mut u8,
    args_len: usize,
) -> u32 {
    let name = string(name, name_len);
    match json::parse(&string(args, args_len)) {
        Ok(Json::Array(args)) => {
            c.emit(&name, args);
            0
        }
        Ok(_) => {
            fail::<()>("invalid-options", "arguments must be an array");
            1
        }
        Err(e) => {
            fail::<()>("invalid-options", &e.message());
            1
        }
    }
}

#[no_mangle]
pub extern "C" fn conn_close(c: &mut Connection) {
    c.close();
}

#[no_mangle]
pub extern "C" fn conn_state(c: &Connection) -> u32 {
    c.state() as u32
}

#[no_mangle]
pub extern "C" fn conn_poll_timeout(c: &Connection) -> f64 {
    opt_ms(c.poll_timeout())
}

fn put_state(state: State) {
    put_u8(state as u8);
}

/// Drains every output. Tags: 0 OpenSocket(id,url) 1 Send(id,kind,bytes)
/// 2 CloseSocket(id) 3 Event(name,n,`[kind,bytes]`) 4 Status(state,reason?)
/// 5 Error(code,message) 6 AuthNeeded(id).
#[no_mangle]
pub extern "C" fn conn_poll(c: &mut Connection) -> usize {
    out().clear();
    while let Some(output) = c.poll_output() {
        match output {
            COut::OpenSocket { id, url } => {
                put_u8(0);
                put_u32(id);
                put_str(&url);
            }
            COut::Send { id, frame } => {
                put_u8(1);
                put_u32(id);
                match &frame {
                    Frame::Text(t) => {
                        put_u8(0);
                        put_str(t)
                    }
                    Frame::Binary(b) => {
                        put_u8(1);
                        put_bytes(b)
                    }
                }
            }
            COut::CloseSocket { id } => {
                put_u8(2);
                put_u32(id);
            }
            COut::AuthNeeded { id } => {
                put_u8(6);
                put_u32(id);
            }
            COut::Event(event) => {
                put_u8(3);
                put_str(&event.name);
                put_u32(event.args.len() as u32);
                for arg in &event.args {
                    match arg {
                        crate::protocol::EventArg::Json(v) => {
                            put_u8(0);
                            put_str(&v.to_json());
                        }
                        crate::protocol::EventArg::Binary(b) => {
                            put_u8(1);
                            put_bytes(b);
                        }
                    }
                }
            }
            COut::Status { state, reason } => {
                put_u8(4);
                put_state(state);
                put_opt_str(reason.as_deref());
            }
            COut::Error(e) => {
                put_u8(5);
                put_str(e.code());
                put_str(e.message());
            }
        }
    }
    out().len()
}
