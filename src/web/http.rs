//! Performs the change feed's HTTP requests with `fetch`: the page's own, or a
//! caller-supplied `fetch`-compatible function (how SPFx's `SPHttpClient` plugs in),
//! optionally adding a bearer token from a string or an async provider.

use super::js::{self, coded_error};
use crate::sync::{HttpRequest, HttpResponse};
use crate::text;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &JsValue) -> Promise;
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
        let headers = js_sys::Object::new();
        for (name, value) in &request.headers {
            let _ = Reflect::set(&headers, &name.into(), &value.into());
        }
        if let Some(token) = self.bearer_token().await? {
            let _ = Reflect::set(
                &headers,
                &"Authorization".into(),
                &text::concat(&["Bearer ", &token]).into(),
            );
        }
        let mut init = vec![
            ("method", JsValue::from(request.method)),
            ("headers", headers.into()),
        ];
        if let Some(body) = &request.body {
            init.push(("body", body.into()));
        }
        let init = js::object(&init);
        let promise = match &self.fetch {
            Some(fetch) => fetch
                .call2(&JsValue::UNDEFINED, &request.url.as_str().into(), &init)
                .map_err(describe)?,
            None => global_fetch(&request.url, &init).into(),
        };
        let response = JsFuture::from(Promise::resolve(&promise))
            .await
            .map_err(describe)?;
        let status = Reflect::get(&response, &"status".into())
            .ok()
            .and_then(|s| s.as_f64())
            .unwrap_or(0.0) as u16;
        let retry_after_secs =
            header(&response, "Retry-After").and_then(|v| text::parse_uint(v.trim()));
        let text = call_method(&response, "text")?;
        let body = JsFuture::from(Promise::resolve(&text))
            .await
            .map_err(describe)?
            .as_string()
            .unwrap_or_default();
        Ok(HttpResponse {
            status,
            retry_after_secs,
            body,
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

/// `response.headers.get(name)`, if there is such a header.
fn header(response: &JsValue, name: &str) -> Option<String> {
    let headers = Reflect::get(response, &"headers".into()).ok()?;
    let get: Function = Reflect::get(&headers, &"get".into())
        .ok()?
        .dyn_into()
        .ok()?;
    get.call1(&headers, &name.into()).ok()?.as_string()
}

fn call_method(target: &JsValue, name: &str) -> Result<JsValue, String> {
    let method: Function = Reflect::get(target, &name.into())
        .ok()
        .and_then(|m| m.dyn_into().ok())
        .ok_or_else(|| text::concat(&["the response has no ", name, "() method"]))?;
    method.call0(target).map_err(describe)
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
