//! `Broadcaster`: the JavaScript handle on a shared broadcaster connection.

use super::driver::Message;
use super::hub::{Hub, Topic};
use super::js::{self, coded_error};
use super::unsubscribe::{self, Target};
use crate::protocol::{ConnectOptions, Connection, Protocol};
use js_sys::{Function, Promise};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_BROADCASTER: &str = r#"
/** Wire protocol of a broadcaster: "auto" detects socket.io 2.x or 3/4 from the server's
 * handshake; "socket.io-v3" is "socket.io-v4" (socket.io 3 and 4 speak one protocol). */
export type Protocol = "auto" | "socket.io-v2" | "socket.io-v3" | "socket.io-v4" | "websocket";
/** Options of `Broadcaster.connect`. */
export interface BroadcasterOptions {
  protocol?: Protocol;
  /** Engine.IO path (default "/socket.io/"). */
  path?: string;
  /** Socket.IO namespace (default: the URL's path, else "/"). */
  namespace?: string;
  /** CONNECT payload (socket.io 3/4) or query parameters (socket.io 2.x, websocket); or a
   * function asked before every connection attempt, as socket.io-client's, for
   * credentials that expire: it calls `cb(auth)` or returns the auth or a Promise of it. */
  auth?: BroadcasterAuth | AuthProvider;
  /** Reconnect after a lost link (default true). */
  reconnection?: boolean;
  /** Reconnections tried before giving up (default: never give up). */
  reconnectionAttempts?: number;
  /** First reconnection delay in ms, doubled each time (default 1000). */
  reconnectionDelay?: number;
  /** Longest reconnection delay in ms (default 5000); after refusals by the server, a
   * minute if that is longer. */
  reconnectionDelayMax?: number;
  /** Jitter of each delay, 0 to 1 (default 0.5). */
  randomizationFactor?: number;
  /** Connect timeout in ms (default 20000). */
  timeout?: number;
  /** Largest frame accepted, in bytes (default 1,000,000): a bigger one is an error, and
   * the link is opened again. */
  maxFrameBytes?: number;
  /** Reconnect after the server disconnects the socket (socket.io's DISCONNECT). Default:
   * false for `Broadcaster.connect`, as socket.io-client; true for `LiveList.open`. A
   * connection shared on the page does once any of its holders asks for it. */
  reconnectOnServerDisconnect?: boolean;
}
/** What `auth` sends: values are strings, numbers or booleans. */
export type BroadcasterAuth = Record<string, string | number | boolean>;
/** Gives one connection attempt's `auth` (a throw, a rejection or no answer within
 * `timeout` fails the attempt with `protocol-auth`; the next one asks again). */
export type AuthProvider = (
  cb: (auth: BroadcasterAuth | null) => void,
) => void | BroadcasterAuth | null | Promise<BroadcasterAuth | null | void>;
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";
export interface ConnectionStatus { state: ConnectionState; reason: string | null; }
/** The stable codes of sp-live's errors. */
export type SpLiveErrorCode =
  | "invalid-options" | "closed" | "init"
  | "protocol-config" | "protocol-decode" | "protocol-frame-too-large" | "protocol-connect-refused"
  | "protocol-heartbeat-timeout" | "protocol-connect-timeout" | "protocol-transport" | "protocol-auth"
  | "sp-http" | "sp-parse" | "sp-throttled" | "sp-token-expired" | "sp-token-invalid"
  | "sp-auth" | "sp-network" | "sp-timeout";
/** Every error sp-live reports is an `Error` with a stable `code`. */
export interface SpLiveError extends Error { code: SpLiveErrorCode; }
/** A value that survives JSON: what `emit` can send. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
/** Calling it removes the listener; safe to call more than once. */
export type Unsubscribe = () => void;
export class Broadcaster {
  private constructor();
  /** wasm-bindgen's: closes the handle and frees it; nothing may be called on it after
   * (`close()` is enough: a closed handle holds next to nothing). */
  free(): void;
  /** Connects (or joins the page's connection to `url`), resolving at once with status
   * `connecting`: `onStatus` tells when it is `open`. Calls `init()` with its defaults first
   * if it has not been (a failure to load the wasm rejects with code `init`). */
  static connect(url: string, options?: BroadcasterOptions): Promise<Broadcaster>;
  /** Calls `callback` with each `event`'s arguments (parsed JSON: check their shape, a
   * server decides it). Throws an `SpLiveError` `closed` after `close()`, as `emit` does. */
  on(event: string, callback: (...args: unknown[]) => void): Unsubscribe;
  onStatus(callback: (status: ConnectionStatus) => void): Unsubscribe;
  onError(callback: (error: SpLiveError) => void): Unsubscribe;
  readonly status: ConnectionStatus;
  emit(event: string, ...args: JsonValue[]): void;
  /** Lets go of the connection (closed with its last holder). Until then the handle lives
   * even if the page keeps no reference to it: close what you open. */
  close(): void;
}
"#;

/// A connection to a broadcaster (socket.io 2.x, 3.x/4.x or a plain WebSocket).
/// Every handle for the same URL, path, protocol and auth shares one WebSocket (every
/// `auth` function counts as the same auth).
#[wasm_bindgen(skip_typescript)]
pub struct Broadcaster {
    hub: Option<Rc<Hub>>,
    id: u32,
}

impl Broadcaster {
    /// `Broadcaster.connect` for Rust callers (the browser tests).
    pub async fn connect(url: String, options: JsValue) -> Result<Broadcaster, JsValue> {
        Self::connect_now(url, &options)
    }

    fn connect_now(url: String, options: &JsValue) -> Result<Broadcaster, JsValue> {
        let (hub, id) = acquire_hub(url, options)?;
        Ok(Broadcaster { hub: Some(hub), id })
    }
}

#[wasm_bindgen]
impl Broadcaster {
    /// Connects (or joins the page's existing connection) to `url`.
    /// Options: `protocol` (`"auto"` | `"socket.io-v2"` | `"socket.io-v4"`, also
    /// `"socket.io-v3"` | `"websocket"`), `path`, `namespace`, `auth`, `reconnection`,
    /// `reconnectionAttempts`, `reconnectionDelay`, `reconnectionDelayMax`,
    /// `randomizationFactor`, `timeout`, `maxFrameBytes`,
    /// `reconnectOnServerDisconnect`. Rejects with an `Error` whose `code` is
    /// `invalid-options` or `protocol-config`.
    #[wasm_bindgen(js_name = connect, skip_typescript)]
    pub fn connect_js(url: JsValue, options: JsValue) -> Promise {
        // A settled promise, not an `async fn`: nothing here waits.
        let url = js::string_arg(&url, "the broadcaster URL must be a string");
        js::settled(
            url.and_then(|url| Self::connect_now(url, &options))
                .map(JsValue::from),
        )
    }

    /// Calls `callback(...args)` for every `event` (a string); returns a function that
    /// unsubscribes (safe to call more than once, or after `close`).
    #[wasm_bindgen(skip_typescript)]
    pub fn on(&self, event: JsValue, callback: Function) -> Result<Function, JsValue> {
        let event = js::string_arg(&event, "the event name must be a string")?;
        Ok(self.listen(Topic::Event(event), callback)?.1)
    }

    /// Calls `callback({state, reason})` now (asynchronously) and on every change
    /// of state: `connecting`, `open`, `reconnecting`, `closed`.
    #[wasm_bindgen(js_name = onStatus, skip_typescript)]
    pub fn on_status(&self, callback: Function) -> Result<Function, JsValue> {
        let (_, off) = self.listen(Topic::Status, callback)?;
        self.hub()?.request_status_replay();
        Ok(off)
    }

    /// Calls `callback(error)` for each failure (an `Error` with a `code`); the
    /// connection recovers on its own.
    #[wasm_bindgen(js_name = onError, skip_typescript)]
    pub fn on_error(&self, callback: Function) -> Result<Function, JsValue> {
        Ok(self.listen(Topic::Error, callback)?.1)
    }

    /// The current status, `{state, reason}`.
    #[wasm_bindgen(getter, skip_typescript)]
    pub fn status(&self) -> JsValue {
        match &self.hub {
            Some(hub) => hub.status_object(),
            None => js::object(&[
                ("state", "closed".into()),
                ("reason", "client close".into()),
            ]),
        }
    }

    /// Sends an event (a string) with optional JSON-serialisable arguments (kept
    /// until connected).
    #[wasm_bindgen(variadic, skip_typescript)]
    pub fn emit(&self, event: JsValue, args: Vec<JsValue>) -> Result<(), JsValue> {
        let hub = self.hub()?;
        let event = js::string_arg(&event, "the event name must be a string")?;
        let args = args
            .iter()
            .map(|a| js::js_to_json(a).map(|v| v.unwrap_or(crate::json::Json::Null)))
            .collect::<Result<Vec<_>, _>>()?;
        hub.mailbox.post(Message::Emit(event, args));
        Ok(())
    }

    /// Lets go of this handle and its listeners; the connection closes when no
    /// handle is left. Idempotent.
    #[wasm_bindgen(skip_typescript)]
    pub fn close(&mut self) {
        if let Some(hub) = self.hub.take() {
            hub.release(self.id);
        }
    }
}

impl Broadcaster {
    fn hub(&self) -> Result<&Rc<Hub>, JsValue> {
        self.hub
            .as_ref()
            .ok_or_else(|| coded_error("closed", "this Broadcaster was closed"))
    }

    /// Registers a listener; returns its id and its unsubscribe function.
    fn listen(&self, topic: Topic, callback: Function) -> Result<(u32, Function), JsValue> {
        let hub = self.hub()?;
        let id = hub.add_listener(self.id, topic, js::callback(callback)?);
        let off = unsubscribe::function(id, Target::Listener(Rc::downgrade(hub)));
        Ok((id, off))
    }
}

impl Drop for Broadcaster {
    fn drop(&mut self) {
        self.close();
    }
}

/// Validates broadcaster options and joins (or opens) the page's connection for
/// them; returns the hub and a handle id to release it with.
pub(crate) fn acquire_hub(url: String, options: &JsValue) -> Result<(Rc<Hub>, u32), JsValue> {
    Ok(Hub::acquire(connection_for(url, options, false)?, true))
}

/// A connection for broadcaster options, validated and not yet driven (dropping it
/// does nothing): for [`Hub::acquire`]. `for_list`: a LiveList's, which reconnects
/// after the server's DISCONNECT unless `reconnectOnServerDisconnect` is `false` (a
/// list without webhooks is not live; socket.io-client's default is not to).
pub(crate) fn connection_for(
    url: String,
    options: &JsValue,
    for_list: bool,
) -> Result<NewConnection, JsValue> {
    let (options, auth) = read_options(url, options, for_list)?;
    let connection =
        Connection::new(options, js::now_ms()).map_err(|e| coded_error(e.code(), e.message()))?;
    Ok(NewConnection { connection, auth })
}

/// A connection validated and not yet driven, with the `auth` function its attempts
/// ask, if `auth` is one.
pub(crate) struct NewConnection {
    pub(crate) connection: Connection,
    pub(crate) auth: Option<Function>,
}

fn read_options(
    url: String,
    o: &JsValue,
    for_list: bool,
) -> Result<(ConnectOptions, Option<Function>), JsValue> {
    let protocol = match js::get_string(o, "protocol")? {
        Some(name) => {
            Protocol::parse(&name).map_err(|e| coded_error("invalid-options", e.message()))?
        }
        None => Protocol::Auto,
    };
    let mut options = ConnectOptions::new(url, protocol);
    options.reconnect_after_server_disconnect = for_list;
    options.path = js::get_string(o, "path")?;
    options.namespace = js::get_string(o, "namespace")?;
    let auth = js::get(o, "auth");
    let auth = if auth.is_function() {
        options.auth_each_attempt = true;
        Some(auth.unchecked_into())
    } else {
        options.auth = js::js_to_json(&auth)?;
        None
    };
    if let Some(v) = js::get_bool(o, "reconnection")? {
        options.reconnection = v;
    }
    if let Some(v) = js::get_number_or_infinity(o, "reconnectionAttempts")? {
        options.reconnection_attempts = (v < f64::from(u32::MAX)).then_some(v as u32);
    }
    if let Some(v) = js::get_number(o, "reconnectionDelay")? {
        options.reconnection_delay_ms = v as u64;
    }
    if let Some(v) = js::get_number(o, "reconnectionDelayMax")? {
        options.reconnection_delay_max_ms = v as u64;
    }
    if let Some(v) = js::get_number(o, "randomizationFactor")? {
        options.randomization_factor = v;
    }
    if let Some(v) = js::get_number_or_infinity(o, "timeout")? {
        options.connect_timeout_ms = v.min(1e15) as u64;
    }
    if let Some(v) = js::get_number(o, "maxFrameBytes")? {
        options.max_frame_bytes = v as usize;
    }
    if let Some(v) = js::get_bool(o, "reconnectOnServerDisconnect")? {
        options.reconnect_after_server_disconnect = v;
    }
    options.seed = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    Ok((options, auth))
}
