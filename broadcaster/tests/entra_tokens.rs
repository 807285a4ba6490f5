//! `--entra-tenant` / `--entra-audience`: an Entra ID access token for the app, signed by one
//! of the tenant's published keys, admits a client as a client token does. The keys come
//! from a local JWKS server (`--entra-keys-url`) and the tokens are signed with the test
//! keys in `tests/fixtures/entra`.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use common::*;
use futures_util::StreamExt;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sp_broadcaster::entra::{EntraConfig, DEFAULT_REFETCH_INTERVAL};
use sp_broadcaster::Config;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

const TENANT: &str = "0b7f6d55-3c2a-4f1e-9d8c-7a6b5c4d3e2f";
const OTHER_TENANT: &str = "f0e1d2c3-b4a5-4697-8877-665544332211";
const APP_URI: &str = "api://sp-live-tests";
const CLIENT_ID: &str = "5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a";
const TRUSTED: (&str, &str) = ("trusted.pem", "test-trusted");
const STRANGER: (&str, &str) = ("stranger.pem", "test-stranger");

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/entra/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims of a v1 token for the app (as SPFx's `aadTokenProvider` gets for `api://...`).
fn v1_claims() -> Value {
    json!({
        "aud": APP_URI,
        "iss": format!("https://sts.windows.net/{TENANT}/"),
        "tid": TENANT,
        "oid": "00000000-0000-0000-0000-00000000000a",
        "scp": "user_impersonation",
        "nbf": now() - 10,
        "exp": now() + 3600,
    })
}

/// `claims` with `changes` merged in (a `null` removes the claim).
fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        match v {
            Value::Null => claims.as_object_mut().unwrap().remove(k),
            v => claims.as_object_mut().unwrap().insert(k.clone(), v.clone()),
        };
    }
    claims
}

/// A token signed with the test key `key.0`, naming key id `key.1`.
fn mint(key: (&str, &str), claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.1.into());
    let pem = fixture(key.0);
    let signer = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &signer).unwrap()
}

/// A JWKS server: serves `doc` (503 while it is empty) and counts the fetches.
struct KeyServer {
    addr: SocketAddr,
    doc: Arc<Mutex<String>>,
    fetches: Arc<AtomicUsize>,
}

impl KeyServer {
    async fn start(doc: &str) -> Self {
        type St = (Arc<Mutex<String>>, Arc<AtomicUsize>);
        let doc = Arc::new(Mutex::new(doc.to_owned()));
        let fetches = Arc::new(AtomicUsize::new(0));
        let app = axum::Router::new()
            .route(
                "/keys",
                axum::routing::get(|State((doc, fetches)): State<St>| async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    let doc = doc.lock().unwrap().clone();
                    match doc.is_empty() {
                        true => Err(StatusCode::SERVICE_UNAVAILABLE),
                        false => Ok(doc),
                    }
                }),
            )
            .with_state((doc.clone(), fetches.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, doc, fetches }
    }

    fn config(&self, refetch_interval: Duration) -> Config {
        Config {
            entra: Some(EntraConfig {
                tenant: TENANT.into(),
                audiences: vec![APP_URI.into(), CLIENT_ID.into()],
                keys_url: format!("http://{}/keys", self.addr),
                refetch_interval,
            }),
            ..Config::default()
        }
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    async fn wait_fetches(&self, n: usize) {
        for _ in 0..250 {
            if self.fetches() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("{} key fetches, not {n}", self.fetches());
    }
}

/// A socket.io 4 client giving `token` in its CONNECT payload: the socket if admitted.
async fn sio4_with(addr: SocketAddr, token: &str) -> Result<Ws, String> {
    let connect = format!("40{}", json!({ "token": token }));
    let (ws, answer) = sio_attempt(addr, 4, "", &connect).await;
    match answer.starts_with("40") {
        true => Ok(ws),
        false => Err(answer),
    }
}

#[tokio::test]
async fn entra_tokens_for_the_app_admit_socket_io_and_plain_ws_clients() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let cfg = Config {
        client_tokens: vec!["t1".into()],
        ..keys.config(DEFAULT_REFETCH_INTERVAL)
    };
    let h = start(cfg).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await; // fetched at start

    let v1 = mint(TRUSTED, &v1_claims());
    let v2 = mint(
        TRUSTED,
        &with(
            v1_claims(),
            json!({"aud": CLIENT_ID, "iss": format!("https://login.microsoftonline.com/{TENANT}/v2.0")}),
        ),
    );
    let mut admitted = vec![sio4_with(a, &v1).await.expect("a v1 token in auth")];
    let (ws, answer) = sio_attempt(a, 3, &format!("&token={v2}"), "").await;
    assert!(
        answer.starts_with("40"),
        "a v2 token in a 2.x query: {answer}"
    );
    admitted.push(ws);
    admitted.push(sio4_with(a, "t1").await.expect("client tokens still admit"));
    let mut plain = ws_connect(a, &format!("/ws?token={v1}")).await;
    wait_sockets(a, 4).await; // three socket.io, one plain ws

    let entries = [entry(L1, None)];
    assert_eq!(post_webhook(a, &body(&entries)).await.status, 202);
    for ws in &mut admitted {
        let event = next_packet(ws, SIO_WAIT).await.expect("the event");
        assert_eq!(list_changes(&event), forwarded(&entries));
    }
    let frame = ws_next_text(&mut plain, SIO_WAIT).await.expect("the event");
    let v: Value = serde_json::from_str(&frame).unwrap();
    assert_eq!(v["data"], json!(forwarded(&entries)));
    assert_eq!(keys.fetches(), 1, "the keys were fetched once");
    h.shutdown().await;
}

#[tokio::test]
async fn tokens_that_do_not_pass_are_refused_and_hear_nothing() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let h = start(keys.config(DEFAULT_REFETCH_INTERVAL)).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    let hs256 = jsonwebtoken::encode(
        &Header {
            kid: Some(TRUSTED.1.into()),
            ..Header::new(Algorithm::HS256)
        },
        &v1_claims(),
        &EncodingKey::from_secret(fixture("jwks.json").as_bytes()),
    )
    .unwrap();
    let other_issuer = format!("https://sts.windows.net/{OTHER_TENANT}/");
    let bad = [
        (
            "expired",
            mint(TRUSTED, &with(v1_claims(), json!({"exp": now() - 120}))),
        ),
        (
            "not yet valid",
            mint(TRUSTED, &with(v1_claims(), json!({"nbf": now() + 600}))),
        ),
        (
            "no expiry",
            mint(TRUSTED, &with(v1_claims(), json!({"exp": null}))),
        ),
        (
            "another app",
            mint(TRUSTED, &with(v1_claims(), json!({"aud": "api://other"}))),
        ),
        (
            "another tenant",
            mint(TRUSTED, &with(v1_claims(), json!({"iss": other_issuer}))),
        ),
        (
            "a forged signature",
            mint((STRANGER.0, TRUSTED.1), &v1_claims()),
        ),
        ("an unknown key", mint(STRANGER, &v1_claims())),
        ("HS256", hs256),
        ("a JWT-shaped string", "a.b.c".into()),
        ("a wrong client token", "t1".into()),
    ];
    let mut refused = vec![];
    for (what, token) in &bad {
        let connect = format!("40{}", json!({ "token": token }));
        let (ws, answer) = sio_attempt(a, 4, "", &connect).await;
        assert!(
            answer.starts_with("44") && answer.contains("Not authorized"),
            "{what}: {answer}"
        );
        refused.push(ws);
    }
    for (what, token) in &bad[..2] {
        let mut ws = ws_connect(a, &format!("/ws?token={token}")).await;
        match tokio::time::timeout(SIO_WAIT, ws.next())
            .await
            .expect("a close")
        {
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!(frame.code, CloseCode::from(4401), "{what}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    // Unknown key ids make the server look for new keys at most once a refetch interval
    // (a minute), and the keys were fetched at the start.
    for _ in 0..5 {
        assert!(sio4_with(a, &mint(STRANGER, &v1_claims())).await.is_err());
    }
    assert_eq!(keys.fetches(), 1, "no fetch per made-up key id");

    assert_eq!(post_webhook(a, &body(&[entry(L1, None)])).await.status, 202);
    for ws in &mut refused {
        let next = next_packet(ws, Duration::from_millis(300)).await;
        assert!(next.is_none(), "a refused client heard {next:?}");
    }
    h.shutdown().await;
}

#[tokio::test]
async fn a_key_rolled_over_is_fetched_when_a_token_names_it() {
    let keys = KeyServer::start(&fixture("jwks.json")).await;
    let h = start(keys.config(Duration::from_millis(200))).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    tokio::time::sleep(Duration::from_millis(250)).await; // a refetch interval
    let new_key_token = mint(STRANGER, &v1_claims());
    assert!(
        sio4_with(a, &new_key_token).await.is_err(),
        "not published yet"
    );
    assert_eq!(keys.fetches(), 2);

    // Entra ID publishes the new key beside the old one before signing with it.
    *keys.doc.lock().unwrap() = fixture("jwks-rotated.json");
    tokio::time::sleep(Duration::from_millis(250)).await;
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
    tokio::time::sleep(Duration::from_millis(250)).await;
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
    let h = start(keys.config(Duration::from_millis(200))).await;
    let a = h.local_addr();
    keys.wait_fetches(1).await;
    tokio::time::sleep(Duration::from_millis(250)).await; // a refetch interval
    let token = mint(TRUSTED, &v1_claims());
    assert!(sio4_with(a, &token).await.is_err(), "no keys yet");
    *keys.doc.lock().unwrap() = "not json".into();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(
        sio4_with(a, &token).await.is_err(),
        "a document that is no JWKS"
    );
    *keys.doc.lock().unwrap() = fixture("jwks.json");
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(sio4_with(a, &token).await.is_ok(), "the keys are back");
    assert_eq!(keys.fetches(), 4);
    h.shutdown().await;
}

#[tokio::test]
async fn a_server_with_a_bad_entra_configuration_does_not_start() {
    let keys = KeyServer::start("").await;
    for (change, expected) in [
        (json!({"tenant": "contoso.onmicrosoft.com"}), "GUID"),
        (json!({"audiences": []}), "--entra-audience"),
    ] {
        let mut cfg = keys.config(DEFAULT_REFETCH_INTERVAL);
        let entra = cfg.entra.as_mut().unwrap();
        if let Some(t) = change.get("tenant") {
            entra.tenant = t.as_str().unwrap().into();
        }
        if change.get("audiences").is_some() {
            entra.audiences.clear();
        }
        let error = sp_broadcaster::serve(cfg).await.err().expect("refused");
        assert!(error.to_string().contains(expected), "{error}");
    }
}
