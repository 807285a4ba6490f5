//! `--entra-keys-url`: how sp-broadcaster fetches the tenant's signing keys. At start;
//! again when a token names a key not seen yet, at most once a refetch interval and one
//! fetch at a time; in the background when they are old; each fetch replacing them; in a
//! task of its own, so that a client hanging up cannot cancel it.

mod common;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::entra::*;
use common::*;
use serde_json::json;
use tokio::io::AsyncWriteExt;

/// The refetch interval of these tests, and a wait past it.
const INTERVAL: Duration = Duration::from_millis(300);
const PAST_INTERVAL: Duration = Duration::from_millis(400);

#[tokio::test]
async fn a_key_rolled_over_is_fetched_when_a_token_names_it() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let h = start(keys.config(INTERVAL)).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    tokio::time::sleep(PAST_INTERVAL).await;
    let new_key_token = mint(STRANGER, &v1_claims());
    assert!(
        sio4_with(a, &new_key_token).await.is_err(),
        "not published yet"
    );
    assert_eq!(keys.fetches(), 2);

    // Entra ID publishes the new key beside the old one before signing with it.
    *keys.doc.lock().unwrap() = fixture("jwks-rotated.json");
    tokio::time::sleep(PAST_INTERVAL).await;
    assert!(sio4_with(a, &new_key_token).await.is_ok(), "the new key");
    assert!(
        sio4_with(a, &mint(TRUSTED, &v1_claims())).await.is_ok(),
        "the old key"
    );
    assert_eq!(keys.fetches(), 3);

    // A key dropped from the document (rolled over, or revoked) checks no token once the
    // keys are fetched again.
    *keys.doc.lock().unwrap() = fixture("jwks.json");
    assert!(
        sio4_with(a, &new_key_token).await.is_ok(),
        "not fetched yet"
    );
    tokio::time::sleep(PAST_INTERVAL).await;
    let unknown = mint((STRANGER.0, "test-unknown"), &v1_claims());
    assert!(sio4_with(a, &unknown).await.is_err());
    assert_eq!(keys.fetches(), 4);
    assert!(sio4_with(a, &new_key_token).await.is_err(), "dropped");
    assert!(sio4_with(a, &mint(TRUSTED, &v1_claims())).await.is_ok());
    h.shutdown().await;
}

#[tokio::test]
async fn clients_are_refused_while_the_keys_are_out_of_reach_and_admitted_after() {
    let keys = KeyServer::start("").await; // 503
    let h = start(keys.config(INTERVAL)).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    tokio::time::sleep(PAST_INTERVAL).await;
    let token = mint(TRUSTED, &v1_claims());
    assert!(sio4_with(a, &token).await.is_err(), "no keys yet");
    *keys.doc.lock().unwrap() = "not json".into();
    tokio::time::sleep(PAST_INTERVAL).await;
    assert!(
        sio4_with(a, &token).await.is_err(),
        "a document that is no JWKS"
    );
    let entra = &health(a).await["entra"];
    assert_eq!(
        (&entra["keys"], &entra["keys_age_secs"]),
        (&json!(0), &json!(null))
    );
    *keys.doc.lock().unwrap() = fixture("jwks.json");
    tokio::time::sleep(PAST_INTERVAL).await;
    assert!(sio4_with(a, &token).await.is_ok(), "the keys are back");
    let entra = &health(a).await["entra"];
    assert_eq!(
        (&entra["keys"], &entra["keys_age_secs"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(keys.fetches(), 4);
    h.shutdown().await;
}

/// A plain-ws client whose token names an unknown key, and which hangs up while the fetch
/// it caused is under way, does not cancel that fetch: the keys it brings are kept.
#[tokio::test]
async fn a_client_that_hangs_up_does_not_cancel_the_fetch_it_caused() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let h = start(keys.config(INTERVAL)).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    tokio::time::sleep(PAST_INTERVAL).await;
    *keys.doc.lock().unwrap() = fixture("jwks-rotated.json");
    keys.delay_ms.store(600, Ordering::SeqCst);
    let new_key_token = mint(STRANGER, &v1_claims());
    let mut raw = tokio::net::TcpStream::connect(a).await.unwrap();
    let request = format!(
        "GET /ws?token={new_key_token} HTTP/1.1\r\nHost: {a}\r\nConnection: Upgrade\r\n\
         Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    raw.write_all(request.as_bytes()).await.unwrap();
    keys.wait_fetches(2).await;
    drop(raw); // hangs up while the key server takes its time
    tokio::time::sleep(Duration::from_millis(900)).await;
    keys.delay_ms.store(0, Ordering::SeqCst);
    assert!(
        sio4_with(a, &new_key_token).await.is_ok(),
        "the fetch finished"
    );
    assert_eq!(keys.fetches(), 2);
    h.shutdown().await;
}

/// Clients whose tokens name the same new key at once cause one fetch and all get in,
/// also when that fetch takes longer than the refetch interval.
#[tokio::test]
async fn many_tokens_naming_a_new_key_at_once_cause_one_fetch() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let h = start(keys.config(INTERVAL)).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    tokio::time::sleep(PAST_INTERVAL).await;
    *keys.doc.lock().unwrap() = fixture("jwks-rotated.json");
    keys.delay_ms.store(700, Ordering::SeqCst);
    let token = mint(STRANGER, &v1_claims());
    let clients = (0..10).map(|_| sio4_with(a, &token));
    let admitted = futures_util::future::join_all(clients).await;
    assert!(admitted.iter().all(Result::is_ok), "all admitted");
    assert_eq!(keys.fetches(), 2, "one fetch");
    h.shutdown().await;
}

/// Keys older than their maximum age are fetched again in the background: a client whose
/// key is known does not wait for it, and the new keys serve once they are in.
#[tokio::test]
async fn old_keys_are_refreshed_in_the_background() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let mut cfg = keys.config(INTERVAL);
    let max_age = Duration::from_millis(1500);
    cfg.entra.as_mut().unwrap().keys_max_age = max_age;
    let h = start(cfg).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    tokio::time::sleep(max_age + Duration::from_millis(100)).await;
    *keys.doc.lock().unwrap() = fixture("jwks-rotated.json");
    keys.delay_ms.store(1500, Ordering::SeqCst);
    let asked = Instant::now();
    assert!(sio4_with(a, &mint(TRUSTED, &v1_claims())).await.is_ok());
    let waited = asked.elapsed();
    assert!(waited < Duration::from_millis(1000), "waited {waited:?}");
    keys.wait_fetches(2).await;
    // A token of the new key waits for the refresh under way, and starts no other.
    let new_key = sio4_with(a, &mint(STRANGER, &v1_claims())).await;
    assert!(new_key.is_ok(), "the new keys");
    assert_eq!(keys.fetches(), 2);
    h.shutdown().await;
}

/// Keys that could not be fetched again for too long (the key endpoint out of reach, or
/// blocked) are dropped: a key the tenant has stopped publishing, revoked say, does not
/// admit tokens for ever. `/health` shows no keys (and their age); once the keys can be
/// fetched again, tokens are admitted again.
#[tokio::test]
async fn keys_that_cannot_be_refreshed_expire() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let mut cfg = keys.config(INTERVAL);
    let entra = cfg.entra.as_mut().unwrap();
    entra.keys_max_age = Duration::from_millis(500);
    entra.keys_expire_after = Duration::from_millis(3000);
    let h = start(cfg).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    keys.doc.lock().unwrap().clear(); // 503 from now on
    tokio::time::sleep(Duration::from_millis(800)).await;
    let token = mint(TRUSTED, &v1_claims());
    assert!(sio4_with(a, &token).await.is_ok(), "old keys still serve");
    keys.wait_fetches(2).await; // that refresh failed
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sio4_with(a, &token).await.is_err(), "the keys expired");
    let entra = &health(a).await["entra"];
    assert_eq!(entra["keys"], json!(0), "{entra}");
    assert!(entra["keys_age_secs"].as_u64() >= Some(2), "{entra}");
    *keys.doc.lock().unwrap() = fixture("jwks.json");
    tokio::time::sleep(PAST_INTERVAL).await;
    assert!(sio4_with(a, &token).await.is_ok(), "the keys are back");
    assert_eq!(health(a).await["entra"]["keys"], json!(1));
    h.shutdown().await;
}
