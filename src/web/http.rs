//! Performs the change feed's HTTP requests with `fetch`: the page's own, or a
//! caller-supplied `fetch`-compatible function (how SPFx's `SPHttpClient` plugs in),
//! optionally adding a bearer token from a string or an async provider.

use super::js::{self, coded_error};
use crate::sync::{HttpRequest, HttpResponse};
use crate::text;
use js_sys::{Array, Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/src/web/bridge.js")]
extern "C" {
    /// `fetch` (the caller's or the page's), then the body: `[status, Retry-After, body]`.
    fn send(
        fetch: Option<&Function>,
        url: &str,
        method: &str,
        headers: &str,
        body: Option<&str>,
    ) -> Promise;
}

/// How requests leave the page.
pub(crate) struct Transport {
    /// A caller-supplied `fetch(url, init) -> Promise<Response-like>`.
    pub fetch: Option<Function>,
    /// A bearer token (string) or a provider function returning one (or a Promise).
    pub access_token: Option<JsValue>,
}

impl Transport {
    /// Performs `request`; `Err` is a network-level failure for people to read.
    pub(crate) async fn perform(&self, request: &HttpRequest) -> Result<HttpResponse, String> {
        let bearer = self
            .bearer_token()
            .await?
            .map(|token| text::concat(&["Bearer ", &token]));
        let named = request
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()));
        let mut headers = String::new();
        for (name, value) in named.chain(bearer.as_deref().map(|b| ("Authorization", b))) {
            if name.contains('\n') || value.contains('\n') {
                return Err(text::concat(&["the ", name, " header has a line break"]));
            }
            for part in [name, value] {
                headers.push_str(part);
                headers.push('\n');
            }
        }
        let response = send(
            self.fetch.as_ref(),
            &request.url,
            request.method,
            &headers,
            request.body.as_deref(),
        );
        let response: Array = JsFuture::from(response)
            .await
            .map_err(describe)?
            .unchecked_into();
        Ok(HttpResponse {
            status: response.get(0).as_f64().unwrap_or(0.0) as u16,
            retry_after_secs: response
                .get(1)
                .as_string()
                .and_then(|v| text::parse_uint(v.trim())),
            body: response.get(2).as_string().unwrap_or_default(),
        })
    }

    async fn bearer_token(&self) -> Result<Option<String>, String> {
        let Some(source) = &self.access_token else {
            return Ok(None);
        };
        let value = match source.dyn_ref::<Function>() {
            Some(provider) => {
                let result = provider.call0(&JsValue::UNDEFINED).map_err(describe)?;
                JsFuture::from(Promise::resolve(&result))
                    .await
                    .map_err(describe)?
            }
            None => source.clone(),
        };
        value
            .as_string()
            .map(Some)
            .ok_or_else(|| "the accessToken provider did not return a string".to_owned())
    }
}

/// A thrown value as text (an `Error`'s message, a string, or its JSON).
fn describe(error: JsValue) -> String {
    if let Some(e) = error.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    error.as_string().unwrap_or_else(|| {
        js_sys::JSON::stringify(&error)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| "unknown error".into())
    })
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
