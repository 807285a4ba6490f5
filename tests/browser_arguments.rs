//! Browser tests of arguments of the wrong type, passed as JavaScript passes them
//! (through wasm-bindgen's glue, not through the Rust API): each gets an `Error` with
//! code `invalid-options` when given, never a trap of the wasm module nor a failure at
//! each later call.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;

use browser::*;
use js_sys::{Array, Function, Promise, Reflect};
use sp_live::web::{Broadcaster, LiveList};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Nothing listens here: a connection only tries, which is all these tests need.
const NOWHERE: &str = "http://127.0.0.1:9";

/// `object[method](...args)` as JavaScript calls it: the error it throws, if any.
fn call(object: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: Function = Reflect::get(object, &method.into())
        .unwrap()
        .unchecked_into();
    f.apply(object, &args.iter().collect::<Array>())
}

/// The code of `error`, which must be an `Error` (a trap is a `WebAssembly.RuntimeError`,
/// which is one too: its code is then `None`).
fn code_of(what: &str, error: JsValue) -> Option<String> {
    assert!(error.is_instance_of::<js_sys::Error>(), "{what}: {error:?}");
    let trapped = error.is_instance_of::<js_sys::WebAssembly::RuntimeError>();
    assert!(!trapped, "{what} trapped the module: {error:?}");
    field(&error, "code")
}

/// The error `promise` rejects with (or a synchronous throw).
async fn rejection(what: &str, called: Result<JsValue, JsValue>) -> JsValue {
    let promise: Promise = match called {
        Ok(promise) => promise.unchecked_into(),
        Err(thrown) => panic!("{what} threw synchronously instead of rejecting: {thrown:?}"),
    };
    JsFuture::from(promise)
        .await
        .err()
        .unwrap_or_else(|| panic!("{what} was accepted"))
}

#[wasm_bindgen_test]
async fn a_broadcaster_url_or_event_name_that_is_no_string_is_refused() {
    let hub: JsValue = Broadcaster::connect(NOWHERE.into(), JsValue::UNDEFINED)
        .await
        .unwrap()
        .into();
    let class = Reflect::get(&hub, &"constructor".into()).unwrap();
    let url = js_sys::eval("new URL('http://127.0.0.1:9')").unwrap();
    for (what, arg) in [
        ("a URL object", url),
        ("a number", 9.into()),
        ("undefined", JsValue::UNDEFINED),
        ("null", JsValue::NULL),
    ] {
        let error = rejection(what, call(&class, "connect", &[arg])).await;
        assert_eq!(code_of(what, error).as_deref(), Some("invalid-options"));
    }
    let noop = Function::new_no_args("");
    for (what, args) in [
        ("on(42, f)", vec![42.into(), noop.clone().into()]),
        ("on(undefined, f)", vec![JsValue::UNDEFINED, noop.into()]),
        ("emit(42)", vec![42.into()]),
        ("emit({})", vec![js_sys::Object::new().into()]),
    ] {
        let method = &what[..what.find('(').unwrap()];
        let error = call(&hub, method, &args).expect_err(what);
        assert_eq!(code_of(what, error).as_deref(), Some("invalid-options"));
    }
    // The module still works.
    let again = call(&class, "connect", &[NOWHERE.into()]).unwrap();
    let again = JsFuture::from(again.unchecked_into::<Promise>())
        .await
        .unwrap();
    call(&again, "close", &[]).unwrap();
    call(&hub, "close", &[]).unwrap();
}
#[wasm_bindgen_test]
async fn a_callback_that_is_no_function_is_refused_when_given() {
    let options = js_sys::JSON::parse(
        r#"{"broadcaster":"http://127.0.0.1:9","siteUrl":"http://127.0.0.1:9/sites/x","listTitle":"L"}"#,
    )
    .unwrap();
    let list: JsValue = LiveList::open(options).await.unwrap().into();
    let hub: JsValue = Broadcaster::connect(NOWHERE.into(), JsValue::UNDEFINED)
        .await
        .unwrap()
        .into();
    for bad in [
        JsValue::UNDEFINED,
        5.into(),
        "f".into(),
        js_sys::Object::new().into(),
    ] {
        for (object, method, args) in [
            (&list, "subscribe", vec![bad.clone()]),
            (&hub, "on", vec!["list:changes".into(), bad.clone()]),
            (&hub, "onStatus", vec![bad.clone()]),
            (&hub, "onError", vec![bad.clone()]),
        ] {
            let what = format!("{method}({bad:?})");
            let error = call(object, method, &args).expect_err(&what);
            assert_eq!(code_of(&what, error).as_deref(), Some("invalid-options"));
        }
    }
    call(&list, "close", &[]).unwrap();
    call(&hub, "close", &[]).unwrap();
}
