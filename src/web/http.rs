//! Performs the change feed's HTTP requests with `fetch`: the page's own, or a
//! caller-supplied `fetch`-compatible function (how SPFx's `SPHttpClient` plugs in),
//! optionally adding a bearer token from a string or an async provider.
//!
//! `bridge.js` does the JavaScript side of a request (token, `fetch`, body) and answers
//! through one callback owned by [`Requests`]: no promise, closure or task per request,
//! and `fetch` is called while the feed's outputs are performed, not a task later. The
//! body is copied into wasm memory by the browser's UTF-8 encoder ([`body_text`]).

use super::js::{self, coded_error};
use crate::sync::{HttpRequest, HttpResponse};
use crate::text;
use js_sys::{Function, JsString, Reflect};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/bridge.js")]
extern "C" {
    /// Starts a request; `done(id, status, retryAfter, body, error)` is called once
    /// (after parts `items_from..items_to` of a 2xx body are parsed and kept for
    /// `changesEvent`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn send(
        done: &Function,
        id: f64,
        fetch: Option<&Function>,
        token: &JsValue,
        url: &str,
        method: &str,
        headers: &str,
        body: Option<&str>,
        items_from: u16,
        items_to: u16,
    );
    #[wasm_bindgen(js_name = dropParts)]
    pub(super) fn drop_parts(done: &Function);
    #[wasm_bindgen(js_name = encodeBody)]
    fn encode_body(memory: &JsValue, text: &JsValue, from: u32, ptr: u32, cap: u32) -> u32;
    #[wasm_bindgen(js_name = encodedUnits)]
    fn encoded_units() -> u32;
}

/// A response body (a JavaScript string) as a Rust string, copied into wasm memory by
/// the browser's UTF-8 encoder in at most two passes: the first with room for one byte
/// per UTF-16 unit (all of an ASCII body), the second with room for three per unit left,
/// which any rest fits.
fn body_text(text: &JsValue) -> String {
    let units = text.unchecked_ref::<JsString>().length() as usize;
    let memory = wasm_bindgen::memory();
    let mut bytes: Vec<u8> = Vec::with_capacity(units);
    let mut read = 0;
    for pass in 0..2 {
        if pass == 1 {
            bytes.reserve(3 * (units - read));
        }
        let end = bytes.as_mut_ptr() as usize + bytes.len();
        let spare = bytes.capacity() - bytes.len();
        let written = encode_body(&memory, text, read as u32, end as u32, spare as u32);
        // SAFETY: `encodeBody` wrote `written` <= `spare` bytes right after the length.
        unsafe { bytes.set_len(bytes.len() + (written as usize).min(spare)) };
        read = (encoded_units() as usize).min(units);
        if read == units {
            break;
        }
    }
    // SAFETY: `TextEncoder.encodeInto` writes UTF-8, whole characters only (the Encoding
    // Standard), as wasm-bindgen's own string passing trusts it to.
    unsafe { String::from_utf8_unchecked(bytes) }
}

/// How requests leave the page.
#[derive(Clone)]
pub(crate) struct Transport {
    /// A caller-supplied `fetch(url, init) -> Promise<Response-like>`.
    pub fetch: Option<Function>,
    /// A bearer token (string) or a provider function returning one (or a Promise).
    pub access_token: Option<JsValue>,
}

/// The signature of the response callback: id, status, Retry-After, body, error. (The
/// `auth` answers of [`super::auth`] come through the same shape: one closure signature,
/// with its glue, less in the package.)
pub(crate) type Done = dyn FnMut(f64, f64, Option<String>, JsValue, Option<String>);

/// Starts requests and hands each outcome to `on_response` (`Err` is a network-level
/// failure for people to read). Responses arriving after this is dropped are ignored.
/// Each request leaves through the transport it is given (a shared feed's newest
/// open list's: [`super::feed_hub::FeedHub::transport`]).
pub(crate) struct Requests {
    on_response: Rc<dyn Fn(u64, Result<HttpResponse, String>)>,
    done: Closure<Done>,
}

impl Requests {
    /// Requests answered to `on_response` (never synchronously).
    pub(crate) fn new(on_response: impl Fn(u64, Result<HttpResponse, String>) + 'static) -> Self {
        let on_response: Rc<dyn Fn(u64, Result<HttpResponse, String>)> = Rc::new(on_response);
        let answer = on_response.clone();
        let done = Closure::<Done>::new(
            move |id: f64, status: f64, retry_after: Option<String>, body, error| {
                let result = match error {
                    Some(error) => Err(error),
                    None => Ok(HttpResponse {
                        status: status as u16,
                        retry_after_secs: retry_after
                            .and_then(|v| text::parse_uint(v.trim_ascii())),
                        body: body_text(&body),
                    }),
                };
                answer(id as u64, result);
            },
        );
        Self { on_response, done }
    }

    /// Starts `request` over `transport`; a header that cannot be sent is answered at once as an error.
    pub(crate) fn start(&self, request: &HttpRequest, transport: &Transport) {
        let mut headers = String::new();
        for (name, value) in &request.headers {
            if text::contains(name, "\n") || text::contains(value, "\n") {
                let message = text::concat(&["the ", name, " header has a line break"]);
                (self.on_response)(request.id, Err(message));
                return;
            }
            for part in [name, value] {
                headers.push_str(part);
                headers.push('\n');
            }
        }
        send(
            self.callback(),
            request.id as f64,
            transport.fetch.as_ref(),
            transport
                .access_token
                .as_ref()
                .unwrap_or(&JsValue::UNDEFINED),
            &request.url,
            request.method,
            &headers,
            request.body.as_deref(),
            request.item_parts.start,
            request.item_parts.end,
        );
    }

    /// The function responses come through: what `bridge.js` keeps their parsed item
    /// parts under.
    pub(crate) fn callback(&self) -> &Function {
        self.done.as_ref().unchecked_ref()
    }

    /// Lets go of the item parts parsed so far (no item the feed holds comes from them:
    /// it is between rounds).
    pub(crate) fn drop_parsed(&self) {
        drop_parts(self.callback());
    }
}

/// A coded error for a feed failure, with `request` and `status` when known.
pub(crate) fn feed_error(error: &crate::sync::FeedError) -> JsValue {
    let value = coded_error(error.code, &error.message);
    if let Some((method, url)) = &error.request {
        let request = js::object(&[("method", method.into()), ("url", url.into())]);
        let _ = Reflect::set(&value, &"request".into(), &request);
    }
    if let Some(status) = error.status {
        let _ = Reflect::set(&value, &"status".into(), &status.into());
    }
    value
}

#[cfg(test)]
mod tests {
    use super::body_text;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn bodies_arrive_as_the_same_text() {
        let long = "x".repeat(10_000);
        let texts = [
            String::new(),
            "{}".into(),
            "é".into(),
            "😀".into(),
            "a é 😀 € b".into(),
            format!("{long}é"),
            format!("é{long}"),
            format!("{long}😀😀😀"),
            format!("€{long}€{long}€"),
        ];
        for text in texts {
            assert_eq!(body_text(&JsValue::from_str(&text)), text);
        }
    }

    #[wasm_bindgen_test]
    fn lone_surrogates_become_replacement_characters() {
        // A JavaScript string may hold unpaired surrogates; the encoder writes U+FFFD.
        let text = js_sys::JSON::parse(r#""a\ud800b\udc00""#).unwrap();
        assert_eq!(body_text(&text), "a\u{FFFD}b\u{FFFD}");
    }
}
