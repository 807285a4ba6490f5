//! The lists of browser_chaos.rs: the broadcasters they use and how each is opened
//! with a checking subscriber.

use super::checked::{check_event, Seen};
use super::sim::*;
use js_sys::Function;
use sp_live::web::LiveList;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// The socket.io 4 fixture broadcaster (the supervisor kills and restarts it).
pub const SIO4: &str = "http://127.0.0.1:9304";
/// The seed's socket.io 2.0.4 broadcaster, rebuilt (killed and restarted too).
pub const SIO2: &str = "http://127.0.0.1:9302";
/// The plain WebSocket broadcaster (killed and restarted too), and its webhook.
pub const WS: &str = "http://127.0.0.1:9306/ws";
pub const WS_HOOK: &str = "http://127.0.0.1:9306/api/webhook";
/// One open list and the subscriber checking it.
pub struct Watched {
    pub name: &'static str,
    pub list: Rc<RefCell<LiveList>>,
    pub seen: Rc<RefCell<Seen>>,
    /// The "by title" view: Title descending, only the items [`VIEW`] lets through.
    pub view: bool,
}

/// The filter of the "by title" list: updates set `Odd` to their edit number's parity,
/// so they move items out of the view and back; new items have none and show.
pub const VIEW: &str = "Odd ne 1";

/// A `fetch` wrapper that adds a bearer token and, as SPFx's `SPHttpClient` does,
/// `OData-Version: 4.0` to a request without one (the sim, as SharePoint, refuses
/// verbose under it), and answers `{status, headers, text}`.
pub fn text_only_fetch() -> Function {
    Function::new_with_args(
        "url, init",
        "init.headers['Authorization'] = 'Bearer from-the-wrapper'; \
         init.headers['OData-Version'] = init.headers['OData-Version'] || '4.0'; \
         return fetch(url, init).then(r => ({ status: r.status, headers: r.headers, \
         text: () => r.text() }));",
    )
}

/// The lists of a run.
pub const LISTS: [&str; 5] = [
    "shared A",
    "shared B",
    "by title",
    "paged, no batch",
    "SPFx-like",
];

/// Opens list `name` of [`LISTS`] and subscribes a checking subscriber. The two shared
/// lists have one feed through socket.io 4; "by title" is a view ([`VIEW`]) ordered by
/// Title descending through sp-broadcaster; the last reads without `$batch` or read-ahead through the
/// seed's socket.io 2.0.4 broadcaster and loads 7 items a page; "SPFx-like" reads
/// verbose JSON through a `fetch` wrapper whose responses have only `text()` (it owns
/// authentication, as SPFx's `SPHttpClient`), debounces hints by 100 ms, and hears
/// them through the plain WebSocket broadcaster.
pub async fn watch(name: &'static str, list_id: &str, resume: JsValue) -> Watched {
    let by_title = name == "by title";
    let (broadcaster, mut extra): (&str, Vec<(&str, JsValue)>) = match name {
        "shared A" | "shared B" => (SIO4, vec![]),
        "by title" => (
            BROADCASTER,
            vec![("orderBy", "Title desc".into()), ("filter", VIEW.into())],
        ),
        "paged, no batch" => (
            SIO2,
            vec![
                ("batch", false.into()),
                ("readAhead", false.into()),
                ("pageSize", 7.into()),
            ],
        ),
        _ => (
            WS,
            vec![
                ("protocol", "websocket".into()),
                ("metadata", "verbose".into()),
                ("hintDebounceMs", 100.into()),
                ("fetch", text_only_fetch().into()),
            ],
        ),
    };
    extra.push(("resume", resume));
    let options = live_list_options(broadcaster, list_id, &["Title"], &extra);
    let list = Rc::new(RefCell::new(LiveList::open(options).await.unwrap()));
    let seen = Rc::new(RefCell::new(Seen::default()));
    let (l, s) = (list.clone(), seen.clone());
    let subscriber = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let items = rows_of(&l.borrow().items());
        check_event(&mut s.borrow_mut(), &event, items, by_title);
    });
    let function: Function = subscriber.into_js_value().unchecked_into();
    list.borrow().subscribe(function).unwrap();
    Watched {
        name,
        list,
        seen,
        view: by_title,
    }
}
