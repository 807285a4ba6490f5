//! Checkpoints: what a `LiveList` shows and the change token it is current at, for an
//! app to keep (e.g. in `sessionStorage`) and hand to `LiveList.open` as `resume` on a
//! later page load, which then shows it at once and catches up from the token with
//! GetChanges instead of loading every item again.

use super::feed_hub::FeedHub;
use super::js;
use super::live_list::invalid;
use crate::sharepoint::parse_items;
use crate::sync::ChangeFeed;
use crate::text;
use js_sys::Array;
use wasm_bindgen::JsValue;

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

/// Starts `feed` from `options.resume` if it is a checkpoint of the feed `key` in this
/// format (else, or when absent, the feed loads the list as usual). Anything that is not
/// a checkpoint is refused with `invalid-options`.
pub(crate) fn resume(feed: &mut ChangeFeed, options: &JsValue, key: &str) -> Result<(), JsValue> {
    let resume = js::get(options, "resume");
    if resume.is_undefined() || resume.is_null() {
        return Ok(());
    }
    let bad = || invalid("`resume` must be a checkpoint from `LiveList.checkpoint()`");
    let get = |name| js::get(&resume, name);
    let (Some(format), Some(for_key), Some(token), items) = (
        get("version").as_f64(),
        get("key").as_string(),
        get("token").as_string(),
        get("items"),
    ) else {
        return Err(bad());
    };
    let items = Array::is_array(&items)
        .then(|| js_sys::JSON::stringify(&items).ok())
        .flatten()
        .ok_or_else(bad)?;
    let page = parse_items(&text::concat(&["{\"value\":", &String::from(items), "}"]));
    let page = page.map_err(|_| bad())?;
    if format == f64::from(FORMAT) && for_key == key {
        feed.resume_from(&token, page.items);
    }
    Ok(())
}
