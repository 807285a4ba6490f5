//! Entra ID helpers of the broadcaster tests: tokens signed with the test keys of
//! `tests/fixtures/entra`, and a JWKS server for `--entra-keys-url`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sp_broadcaster::entra::EntraConfig;
use sp_broadcaster::Config;

use super::{sio_attempt, Ws};

pub const TENANT: &str = "0b7f6d55-3c2a-4f1e-9d8c-7a6b5c4d3e2f";
pub const OTHER_TENANT: &str = "f0e1d2c3-b4a5-4697-8877-665544332211";
pub const APP_URI: &str = "api://sp-live-tests";
pub const CLIENT_ID: &str = "5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a";
pub const TRUSTED: (&str, &str) = ("trusted.pem", "test-trusted");
pub const STRANGER: (&str, &str) = ("stranger.pem", "test-stranger");

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/entra/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims of a v1 token for the app (as SPFx's `aadTokenProvider` gets for `api://...`).
pub fn v1_claims() -> Value {
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
pub fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        match v {
            Value::Null => claims.as_object_mut().unwrap().remove(k),
            v => claims.as_object_mut().unwrap().insert(k.clone(), v.clone()),
        };
    }
    claims
}

/// A token signed with the test key `key.0`, naming key id `key.1`.
pub fn mint(key: (&str, &str), claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(key.1.into());
    let pem = fixture(key.0);
    let signer = EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &signer).unwrap()
}

/// A JWKS server: serves `doc` (503 while it is empty) and counts the fetches.
pub struct KeyServer {
    pub addr: SocketAddr,
    pub doc: Arc<Mutex<String>>,
    pub fetches: Arc<AtomicUsize>,
    /// How long each answer waits, in milliseconds.
    pub delay_ms: Arc<AtomicU64>,
}

impl KeyServer {
    pub async fn start(doc: &str) -> Self {
        type St = (Arc<Mutex<String>>, Arc<AtomicUsize>, Arc<AtomicU64>);
        let doc = Arc::new(Mutex::new(doc.to_owned()));
        let fetches = Arc::new(AtomicUsize::new(0));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let app = axum::Router::new()
            .route(
                "/keys",
                axum::routing::get(|State((doc, fetches, delay)): State<St>| async move {
                    fetches.fetch_add(1, Ordering::SeqCst);
                    let delay = delay.load(Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                    let doc = doc.lock().unwrap().clone();
                    match doc.is_empty() {
                        true => Err(StatusCode::SERVICE_UNAVAILABLE),
                        false => Ok(doc),
                    }
                }),
            )
            .with_state((doc.clone(), fetches.clone(), delay_ms.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self {
            addr,
            doc,
            fetches,
            delay_ms,
        }
    }

    /// A server admitting tokens for the app from [`TENANT`] checked with these keys.
    pub fn config(&self, refetch_interval: Duration) -> Config {
        Config {
            entra: Some(EntraConfig {
                keys_url: format!("http://{}/keys", self.addr),
                refetch_interval,
                ..EntraConfig::new(TENANT, vec![APP_URI.into(), CLIENT_ID.into()])
            }),
            ..Config::default()
        }
    }

    pub fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }

    pub async fn wait_fetches(&self, n: usize) {
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
pub async fn sio4_with(addr: SocketAddr, token: &str) -> Result<Ws, String> {
    let connect = format!("40{}", json!({ "token": token }));
    let (ws, answer) = sio_attempt(addr, 4, "", &connect).await;
    match answer.starts_with("40") {
        true => Ok(ws),
        false => Err(answer),
    }
}
