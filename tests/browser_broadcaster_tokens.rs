//! Browser tests of live lists against sp-broadcaster checking who listens (started by
//! tests/scripts/with-servers.sh): with `--client-token` on 9401, and admitting Entra ID
//! tokens of a test tenant on 9402 (the supervisor on 9300 serves the tenant's keys and
//! mints its tokens: tests/fixtures/lib/entra.js). In each, a live list whose `auth`
//! function first gives a token the server refuses reports the refusal, is asked again,
//! and then hears hints.

#![cfg(target_arch = "wasm32")]

#[path = "support/browser.rs"]
mod browser;
#[path = "support/sim.rs"]
mod sim;

use browser::*;
use sim::*;
use sp_live::web::LiveList;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// For each `(protocol, broadcaster URL)`: a live list on `server` whose `auth` function
/// has `body` (it counts its calls in `spAuth.calls` and should give a refused token on
/// the first) is refused with `protocol-connect-refused` "Not authorized", asked again,
/// live, and hears a hint.
async fn refused_then_admitted(server: &str, attempts: &[(&str, String)], body: &str) {
    admin("POST", "reset", None).await;
    for (protocol, broadcaster) in attempts {
        let list_id = fresh_list(&format!("Tokens {server} {protocol}"), 2).await;
        subscribe_webhook(&list_id, &format!("{server}/api/webhook")).await;
        set_auth_state("", 0);
        let ask = js_sys::Function::new_with_args("cb", body);
        let extra = [("protocol", (*protocol).into()), ("auth", ask.into())];
        let options = live_list_options(broadcaster, &list_id, &["Title"], &extra);
        let mut list = LiveList::open(options).await.unwrap();
        let events = Recorder::new();
        let _sub = list.subscribe(events.function.clone()).unwrap();
        // A plain WebSocket is open (and the list may show `live`) before the server
        // closes it: wait for the second attempt first.
        wait_until("asked again after the refusal", 10_000, || {
            auth_calls() >= 2
        })
        .await;
        wait_until("live", 10_000, || list.status() == "live").await;
        let refused: Vec<String> = (0..events.len())
            .map(|i| events.arg(i))
            .filter(|e| field(e, "type").as_deref() == Some("error"))
            .filter_map(|e| {
                let error = js_sys::Reflect::get(&e, &"error".into()).ok()?;
                Some(format!(
                    "{} {}",
                    field(&error, "code")?,
                    field(&error, "message")?
                ))
            })
            .collect();
        assert!(
            refused
                .iter()
                .any(|m| m.starts_with("protocol-connect-refused ") && m.contains("Not authorized")),
            "{server} {protocol}: the refusal is reported: {refused:?}"
        );
        hears_a_hint(&list, &list_id).await;
        list.close();
    }
}

/// sp-broadcaster with `--client-token browser-token`: over socket.io (the CONNECT
/// payload) and a plain WebSocket (`?token=`).
#[wasm_bindgen_test]
async fn sp_broadcaster_with_client_tokens_refuses_then_admits_an_auth_function() {
    let _serial = serial().await;
    trap_page_errors();
    let server = "http://127.0.0.1:9401";
    let attempts = [
        ("socket.io-v4", server.to_owned()),
        ("websocket", format!("{server}/ws")),
    ];
    let body = concat!(
        "spAuth.calls++;",
        "const token = spAuth.calls === 1 ? 'wrong-token' : 'browser-token';",
        "return Promise.resolve({ token });",
    );
    refused_then_admitted(server, &attempts, body).await;
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}

/// sp-broadcaster with `--entra-tenant`: an `auth` function fetching an Entra ID access
/// token, as an SPFx web part gets one from `aadTokenProviderFactory`. The first is
/// expired; the next, fresh, gets in: over socket.io 4 (CONNECT payload), socket.io 2.x
/// and a plain WebSocket (the JWT in the URL's query).
#[wasm_bindgen_test]
async fn sp_broadcaster_with_entra_tokens_refuses_an_expired_one_then_admits_a_fresh_one() {
    let _serial = serial().await;
    trap_page_errors();
    let server = "http://127.0.0.1:9402";
    let attempts = [
        ("socket.io-v4", server.to_owned()),
        ("socket.io-v2", server.to_owned()),
        ("websocket", format!("{server}/ws")),
    ];
    let body = concat!(
        "spAuth.calls++;",
        "const expiresIn = spAuth.calls === 1 ? -600 : 3600;",
        "return fetch(`http://127.0.0.1:9300/entra/token?expiresIn=${expiresIn}`)",
        ".then((r) => r.text()).then((token) => ({ token }));",
    );
    refused_then_admitted(server, &attempts, body).await;
    assert_eq!(page_errors(), Vec::<String>::new(), "no uncaught errors");
}
