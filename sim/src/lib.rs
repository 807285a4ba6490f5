//! `sp-sim`: an in-memory SharePoint Online REST simulator.
//!
//! It serves one or more sites (default `/sites/dev`) speaking SharePoint's own REST
//! API (contextinfo, lists, items, GetChanges, webhook subscriptions) plus an admin
//! API under `/_admin` for tests (faults, clock, counters, seeding). See `sim/README.md`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let (addr, sim) = sp_sim::serve(sp_sim::Config::default()).await?;
//! println!("site at {}", sim.site_url());
//! # let _ = addr; Ok(()) }
//! ```

// Handlers return early `Err(Response)` values; boxing them buys nothing here.
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod auth;
pub mod changes;
pub mod config;
pub mod faults;
pub mod filter;
pub mod middleware;
pub mod odata;
pub mod ops;
pub mod query;
pub mod routes;
pub mod schema;
pub mod store;
pub mod time;
pub mod users;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;

pub use config::{Config, Knobs};

/// State shared by all handlers and the webhook task.
pub struct Shared {
    /// The model and all run-time state.
    pub inner: Mutex<Inner>,
    /// HTTP client for handshakes and notifications (loopback only).
    pub http: reqwest::Client,
    /// Wakes the webhook delivery task early.
    pub wake: Notify,
}

pub use store::Inner;

impl Shared {
    /// Locks the state (a poisoned lock is recovered, never a panic).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Handle type used by handlers.
pub type App = Arc<Shared>;

/// A running simulator. Dropping it stops the server.
pub struct Sim {
    addr: SocketAddr,
    sites: Vec<String>,
    shared: App,
    stop: Option<oneshot::Sender<()>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Sim {
    /// Starts a simulator (see [`serve`]).
    pub async fn start(config: Config) -> std::io::Result<Sim> {
        serve(config).await.map(|(_, s)| s)
    }

    /// Bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Absolute URL of the first site, e.g. `http://127.0.0.1:PORT/sites/dev`.
    pub fn site_url(&self) -> String {
        format!(
            "{}{}",
            self.base_url(),
            self.sites.first().map(String::as_str).unwrap_or("")
        )
    }

    /// Direct access to the shared state (for in-process tests).
    pub fn shared(&self) -> &App {
        &self.shared
    }

    /// Stops the server and its webhook task.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Normalises site paths: leading slash, no trailing slash, defaults to `/sites/dev`.
fn normalise_sites(sites: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in sites {
        let t = format!("/{}", s.trim().trim_matches('/'));
        if t.len() > 1 && !out.iter().any(|o| o.eq_ignore_ascii_case(&t)) {
            out.push(t);
        }
    }
    if out.is_empty() {
        out.push("/sites/dev".into());
    }
    out
}

/// `listener` with Nagle's algorithm off on every connection: a response written in two
/// parts, or a second response within a round trip, leaves at once instead of waiting
/// for the client's delayed ACK (about 40 ms).
fn no_delay(
    listener: tokio::net::TcpListener,
) -> impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = SocketAddr> {
    axum::serve::ListenerExt::tap_io(listener, |stream| {
        if let Err(error) = stream.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {error}");
        }
    })
}

/// Binds `config.host:config.port` (port 0 = ephemeral) and serves in the background.
/// Must be called inside a tokio runtime.
pub async fn serve(config: Config) -> std::io::Result<(SocketAddr, Sim)> {
    let sites = normalise_sites(&config.sites);
    // Webhook calls only. No redirect is followed: SharePoint needs a 200 to the
    // handshake and a 2xx to a notification, so a 3xx fails (and is retried).
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let shared = Arc::new(Shared {
        inner: Mutex::new(Inner::new(&sites, config.knobs.clone())),
        http,
        wake: Notify::new(),
    });
    let listener = tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await?;
    let addr = listener.local_addr()?;
    let app = routes::router(shared.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let r = axum::serve(no_delay(listener), app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(e) = r {
            tracing::error!("server error: {e}");
        }
    });
    let hooks = tokio::spawn(webhooks::run(shared.clone()));
    tracing::info!("sp-sim listening on http://{addr} sites {sites:?}");
    Ok((
        addr,
        Sim {
            addr,
            sites,
            shared,
            stop: Some(tx),
            tasks: vec![server, hooks],
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        use axum::serve::Listener;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut listener = no_delay(listener);
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (stream, _) = listener.accept().await;
        assert!(stream.nodelay().unwrap());
    }
}
