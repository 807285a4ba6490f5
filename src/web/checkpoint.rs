//! Checkpoints: what a `LiveList` shows and the change token it is current at, for an
//! app to keep (e.g. in `sessionStorage`) and hand to `LiveList.open` as `resume` on a
//! later page load, which then shows it at once and catches up from the token with
//! GetChanges instead of loading every item again.

use super::feed_hub::FeedHub;
use super::js;
use super::live_list::invalid;
use crate::sync::ChangeFeed;
use js_sys::Array;
use wasm_bindgen::prelude::*;

/// The checkpoint format: one of another is ignored (the list loads as usual).
const FORMAT: u32 = 1;

/// `{ version, key, token, items }` of a feed's rows, or `null` before its first
/// snapshot. The rows and the token are those of the same change set.
pub(crate) fn of(hub: &FeedHub) -> JsValue {
    let view = hub.view.borrow();
    match &view.token {
        Some(token) if view.loaded => js::object(&[
            ("version", FORMAT.into()),
            ("key", hub.key.as_str().into()),
            ("token", token.into()),
            ("items", view.rows.slice(0, view.rows.length()).into()),
        ]),
        _ => JsValue::NULL,
    }
}

#[wasm_bindgen(module = "/src/web/bridge.js")]
extern "C" {
    /// The items in ID order, as the JSON texts of `{"value":[...]}` of `size` items
    /// each, or `null` when they are not JSON items.
    #[wasm_bindgen(js_name = checkpointPages)]
    pub(crate) fn pages(items: &Array, size: u32) -> Option<Array>;
}

/// Starts `feed` from `options.resume` if it is a checkpoint of the feed `key` in this
/// format whose token fits the list, and returns its items for the feed task to hand
/// over (else, or when absent, the feed loads the list as usual). Anything that is not a
/// checkpoint is refused with `invalid-options`.
pub(crate) fn resume(
    feed: &mut ChangeFeed,
    options: &JsValue,
    key: &str,
) -> Result<Option<Array>, JsValue> {
    let resume = js::get(options, "resume");
    if resume.is_undefined() || resume.is_null() {
        return Ok(None);
    }
    let get = |name| js::get(&resume, name);
    let (Some(format), Some(for_key), Some(token), Ok(items)) = (
        get("version").as_f64(),
        get("key").as_string(),
        get("token").as_string(),
        get("items").dyn_into::<Array>(),
    ) else {
        return Err(invalid(
            "`resume` must be a checkpoint from `LiveList.checkpoint()`",
        ));
    };
    let fits = format == f64::from(FORMAT)
        && for_key == key
        && feed.resume_from(&token, js_sys::Date::now() as i64);
    Ok(fits.then_some(items))
}
