//! Small bridges to JavaScript: time, timers, JSON, coded errors, option reading.

use crate::json::{self, Json};
use crate::protocol::{Event, EventArg};
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds with a fraction.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    pub(crate) fn performance_now() -> f64;
    #[wasm_bindgen(js_name = setTimeout)]
    pub(crate) fn set_timeout(callback: &js_sys::Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    pub(crate) fn clear_timeout(handle: &JsValue);
    #[wasm_bindgen(js_name = queueMicrotask)]
    pub(crate) fn queue_microtask(callback: &js_sys::Function);
    /// `console.error`, which may throw (a test runner failing on console errors, a
    /// logging hook): a throw unwinding through wasm would leave its borrows held.
    #[wasm_bindgen(catch, js_namespace = console, js_name = error)]
    pub(crate) fn console_error(message: &str, error: &JsValue) -> Result<(), JsValue>;
}

/// Milliseconds on the page's monotonic clock.
pub(crate) fn now_ms() -> u64 {
    performance_now() as u64
}

/// A JavaScript `Error` with a stable `code` property.
pub(crate) fn coded_error(code: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    let _ = Reflect::set(&error, &"code".into(), &code.into());
    error.into()
}

/// A JSON value as a JavaScript value (through `JSON.parse`, which is small and fast).
pub(crate) fn json_to_js(value: &Json) -> JsValue {
    js_sys::JSON::parse(&value.to_json()).unwrap_or(JsValue::NULL)
}

/// A JavaScript value as JSON (through `JSON.stringify`); `undefined` is `None`.
pub(crate) fn js_to_json(value: &JsValue) -> Result<Option<Json>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    // A function or a symbol: `JSON.stringify` gives `undefined`, not a string (converting
    // that would throw out of wasm with no `code`).
    let text = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| coded_error("invalid-options", "value cannot be converted to JSON"))?;
    json::parse(&text)
        .map(Some)
        .map_err(|e| coded_error("invalid-options", &e.message()))
}

/// The arguments of an event as JavaScript values: JSON as objects, binary
/// attachments as `ArrayBuffer`s (as socket.io-client delivers them).
pub(crate) fn event_args(event: &Event) -> Array {
    event
        .args
        .iter()
        .map(|arg| match arg {
            EventArg::Json(value) => json_to_js(value),
            EventArg::Binary(bytes) => Uint8Array::from(bytes.as_slice()).buffer().into(),
        })
        .collect()
}

/// Reads `options[key]`; `undefined` when missing or when `options` is no object.
pub(crate) fn get(options: &JsValue, key: &str) -> JsValue {
    if !options.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(options, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Reads an optional string option; anything else present is an error.
pub(crate) fn get_string(options: &JsValue, key: &str) -> Result<Option<String>, JsValue> {
    let value = get(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.as_string().map(Some).ok_or_else(|| {
        coded_error(
            "invalid-options",
            &crate::text::concat(&["option `", key, "` must be a string"]),
        )
    })
}

/// Reads an optional non-negative number option.
pub(crate) fn get_number(options: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    let value = get(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    match value.as_f64() {
        Some(n) if n >= 0.0 && n.is_finite() => Ok(Some(n)),
        _ => Err(coded_error(
            "invalid-options",
            &crate::text::concat(&["option `", key, "` must be a non-negative number"]),
        )),
    }
}

/// Reads an optional non-negative number option that may be `Infinity`.
pub(crate) fn get_number_or_infinity(options: &JsValue, key: &str) -> Result<Option<f64>, JsValue> {
    match get(options, key).as_f64() {
        Some(n) if n == f64::INFINITY => Ok(Some(n)),
        _ => get_number(options, key),
    }
}

/// `callback` if it is a function, else an `invalid-options` error: wasm-bindgen does not
/// check a `Function` parameter, and what is none would only fail at each call.
pub(crate) fn callback(callback: js_sys::Function) -> Result<js_sys::Function, JsValue> {
    if callback.is_function() {
        Ok(callback)
    } else {
        Err(coded_error(
            "invalid-options",
            "the callback must be a function",
        ))
    }
}

/// A string argument from JavaScript, else an `invalid-options` error with `message`.
/// Such arguments are `JsValue`s, not `String`s: wasm-bindgen's glue copies whatever it
/// is given as a string, and a number or a `URL` object then traps the module.
pub(crate) fn string_arg(value: &JsValue, message: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| coded_error("invalid-options", message))
}

/// Reads an optional boolean option.
pub(crate) fn get_bool(options: &JsValue, key: &str) -> Result<Option<bool>, JsValue> {
    let value = get(options, key);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value.as_bool().map(Some).ok_or_else(|| {
        coded_error(
            "invalid-options",
            &crate::text::concat(&["option `", key, "` must be a boolean"]),
        )
    })
}

/// A promise already resolved with the value or rejected with the error.
pub(crate) fn settled(result: Result<JsValue, JsValue>) -> js_sys::Promise {
    match result {
        Ok(value) => js_sys::Promise::resolve(&value),
        Err(error) => js_sys::Promise::reject(&error),
    }
}

/// A plain object from key/value pairs.
pub(crate) fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in entries {
        let _ = Reflect::set(&object, &(*key).into(), value);
    }
    object.into()
}

/// Calls `callback` with `args`; a throwing callback is reported, never propagated.
pub(crate) fn call_isolated(callback: &js_sys::Function, args: &Array) {
    if let Err(error) = callback.apply(&JsValue::UNDEFINED, args) {
        let _ = console_error("sp-live: a callback threw", &error);
    }
}

/// A string, or `null` for none.
pub(crate) fn optional(text: Option<&str>) -> JsValue {
    text.map_or(JsValue::NULL, JsValue::from)
}
