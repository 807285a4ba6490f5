//! `sp-broadcaster`: receives SharePoint list webhooks and re-emits them to browsers as the
//! socket.io event `list:changes` (socket.io 2.x and 3.x/4.x clients on the same path) and as
//! plain WebSocket frames. Embed it with [`serve`]; the binary is a thin CLI around it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let handle = sp_broadcaster::serve(sp_broadcaster::Config { port: 0, ..Default::default() }).await?;
//! println!("listening on {}", handle.local_addr());
//! handle.shutdown().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod accept;
pub mod batch;
pub mod client_auth;
pub mod config;
mod conn_close;
mod cut;
mod draining;
pub mod entra;
pub mod expiry;
pub mod plain_ws;
mod refused;
mod routes;
pub mod secrets;
pub mod sockets;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use socketioxide::SocketIo;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

pub use batch::Batch;
pub use config::{Cli, Config, CorsMode};

/// Batches waiting to be emitted before webhooks get `503`.
const EMIT_QUEUE: usize = 1024;
/// Batches buffered per plain-ws client before it is considered lagging.
const WS_BUFFER: usize = 256;
/// Packets buffered per socket.io client (socketioxide's default is 128) before it is
/// considered lagging and disconnected (see [`sockets::emit`]).
const SOCKETIO_BUFFER: usize = 256;
/// How long shutdown waits for connections to drain.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long after the last batch went out shutdown closes the socket.io clients (their
/// connections are dropped with whatever is still queued).
const SOCKETIO_FLUSH_GRACE: Duration = Duration::from_millis(500);

/// Counters reported by `GET /health` (and [`ServerHandle::stats`]).
#[derive(Debug, Default)]
pub struct Stats {
    /// Notification POSTs (not validation handshakes) received, accepted or not.
    pub webhook_requests: AtomicU64,
    /// Validation handshakes answered.
    pub validations: AtomicU64,
    /// Notification entries in accepted bodies.
    pub notifications_received: AtomicU64,
    /// Notification entries broadcast (counted once per entry, whatever the audience).
    pub notifications_emitted: AtomicU64,
    /// Batches broadcast.
    pub batches_emitted: AtomicU64,
    /// When the last batch was broadcast, in ms since the server started.
    pub last_emit_ms: AtomicU64,
    /// Bodies refused (400/403/413).
    pub rejected: AtomicU64,
    /// Plain WebSocket clients currently connected.
    pub ws_clients: AtomicUsize,
    /// Clients let go because they fell behind, since the start: socket.io clients whose
    /// buffer was full when an event was due, plain-ws clients closed with 1013.
    pub clients_lagged: AtomicU64,
}

/// Shared state of the axum handlers.
#[derive(Clone)]
pub struct AppState {
    /// The configuration the server runs with.
    pub cfg: Arc<Config>,
    /// The socket.io server.
    pub io: SocketIo,
    /// Counters.
    pub stats: Arc<Stats>,
    /// Queue from the webhook handler to the emitter task (keeps batch order).
    pub emit_tx: mpsc::Sender<Batch>,
    /// Fan-out to plain-ws connections: each batch's frames, built once.
    pub ws_tx: broadcast::Sender<Arc<plain_ws::Frames>>,
    /// Who may listen.
    pub gate: Arc<client_auth::Gate>,
    /// The accepted `clientState` secrets (`--client-state` and its file).
    pub client_states: Arc<secrets::Secrets>,
    /// The webhook subscriptions heard from, and when each ends.
    pub subscriptions: Arc<expiry::Subscriptions>,
    /// Becomes `true` on shutdown: no more webhooks, nor new clients, are accepted.
    pub shutdown: watch::Receiver<bool>,
    shutdown_tx: Arc<watch::Sender<bool>>,
    /// Becomes `true` once the shutdown has emitted every accepted webhook (and given
    /// socket.io clients a moment to fetch it): the listeners are closed, no more
    /// connections are accepted.
    pub closing_clients: watch::Receiver<bool>,
    closing_clients_tx: Arc<watch::Sender<bool>>,
    started: Instant,
}

/// A running server: its address, counters, and a way to stop it.
pub struct ServerHandle {
    addr: SocketAddr,
    state: AppState,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The bound address (useful with `port: 0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The live counters.
    pub fn stats(&self) -> &Stats {
        &self.state.stats
    }

    /// The socket.io server (e.g. to emit extra events when embedded).
    pub fn io(&self) -> &SocketIo {
        &self.state.io
    }

    /// Graceful shutdown: stops accepting webhooks (one still arriving is answered 503)
    /// and new clients (503, see the `draining` module), emits every webhook already accepted
    /// (SharePoint will not send those again), then stops accepting connections
    /// (long-polling clients poll until then), disconnects
    /// socket.io and plain-ws clients and waits (at most a few seconds each) for
    /// in-flight requests. The plain-ws connections are waited for
    /// too: a process that exits first drops them before their close frame (1001) is
    /// out, and browsers see 1006.
    pub async fn shutdown(self) {
        // Once `send` returns, no webhook handler is between its check of the flag and
        // its batch being queued (it holds the flag's read lock meanwhile).
        let _ = self.state.shutdown_tx.send(true);
        let stats = &self.state.stats;
        let n = |counter: &AtomicU64| counter.load(Ordering::SeqCst);
        wait_until(|| n(&stats.notifications_emitted) >= n(&stats.notifications_received)).await;
        // socketioxide's close drops what a socket has not written yet: the last batches
        // get a moment to go out (not needed when none went out lately). Connections are
        // still taken meanwhile: a long-polling client fetches them with its next polls
        // (new clients are refused).
        if stats.batches_emitted.load(Ordering::SeqCst) > 0 {
            let now = self.state.started.elapsed().as_millis() as u64;
            let since = now.saturating_sub(stats.last_emit_ms.load(Ordering::SeqCst));
            if let Some(wait) = SOCKETIO_FLUSH_GRACE.checked_sub(Duration::from_millis(since)) {
                tokio::time::sleep(wait).await;
            }
        }
        let _ = self.state.closing_clients_tx.send(true);
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.state.io.close()).await;
        wait_until(|| stats.ws_clients.load(Ordering::Relaxed) == 0).await;
        let abort = self.task.abort_handle();
        if tokio::time::timeout(SHUTDOWN_GRACE, self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }

    /// Waits until the server stops (it only stops through [`ServerHandle::shutdown`] or an
    /// I/O failure of the listener).
    pub async fn wait(&mut self) {
        let _ = (&mut self.task).await;
    }
}

/// Waits until `done` holds, looking every few milliseconds, for at most
/// [`SHUTDOWN_GRACE`].
async fn wait_until(done: impl Fn() -> bool) {
    let waited = async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, waited).await;
}

/// Binds `cfg.host:cfg.port` and starts serving in the background.
pub async fn serve(cfg: Config) -> std::io::Result<ServerHandle> {
    cfg.validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = tokio::net::TcpListener::bind((cfg.host, cfg.port)).await?;
    let addr = listener.local_addr()?;
    let cfg = Arc::new(cfg);

    let (io_layer, io) = SocketIo::builder()
        .req_path(cut::SOCKETIO_PATH)
        .ping_interval(cfg.ping_interval)
        .ping_timeout(cfg.ping_timeout)
        .max_payload(64 * 1024)
        .max_buffer_size(SOCKETIO_BUFFER)
        .build_layer();
    let entra = cfg.entra.clone().map(entra::Verifier::new).transpose();
    let entra = entra.map_err(std::io::Error::other)?;
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, e);
    let load = |what, fixed: &Vec<String>, file: &Option<std::path::PathBuf>| {
        secrets::Secrets::load(what, fixed.clone(), file.clone())
            .map(Arc::new)
            .map_err(invalid)
    };
    let tokens = load("client token", &cfg.client_tokens, &cfg.client_token_file)?;
    let client_states = load(
        "clientState secret",
        &cfg.client_states,
        &cfg.client_state_file,
    )?;
    let client_tokens = tokens.get().len();
    let gate = Arc::new(client_auth::Gate::new(tokens.clone(), entra));
    if let Some(verifier) = gate.entra() {
        verifier.prefetch();
    }
    sockets::register(&io, gate.clone(), cfg.ping_interval + cfg.ping_timeout);

    let (emit_tx, emit_rx) = mpsc::channel(EMIT_QUEUE);
    let (ws_tx, _) = broadcast::channel(WS_BUFFER);
    let (shutdown_tx, shutdown) = watch::channel(false);
    let (closing_clients_tx, closing_clients) = watch::channel(false);
    let state = AppState {
        cfg: cfg.clone(),
        io,
        stats: Arc::new(Stats::default()),
        emit_tx,
        ws_tx,
        gate,
        client_states: client_states.clone(),
        subscriptions: Arc::default(),
        shutdown,
        shutdown_tx: Arc::new(shutdown_tx),
        closing_clients,
        closing_clients_tx: Arc::new(closing_clients_tx),
        started: Instant::now(),
    };
    tokio::spawn(emitter(state.clone(), emit_rx));
    tokens.watch(cfg.secrets_reload, state.shutdown.clone());
    client_states.watch(cfg.secrets_reload, state.shutdown.clone());

    let app = routes::router(&state, io_layer);

    // Until the listeners are closed: a long-polling socket.io client needs new requests
    // (and connections) to fetch the batches emitted during the shutdown.
    let task = tokio::spawn(accept::accept_loop(
        listener,
        app,
        cfg.read_timeout,
        state.closing_clients.clone(),
    ));
    tracing::info!(
        %addr,
        webhook = %cfg.webhook_path,
        ws = %cfg.ws_path,
        client_states = client_states.get().len(),
        client_tokens,
        entra_tenant = cfg.entra.as_ref().map(|e| e.tenant.as_str()),
        cors = ?cfg.cors,
        "sp-broadcaster listening"
    );
    if client_states.is_empty() {
        tracing::warn!(
            "no clientState secret configured: every webhook body is accepted, whoever sends \
             it; set --client-state / SP_CLIENT_STATE to the subscriptions' secret"
        );
    }
    Ok(ServerHandle { addr, state, task })
}

/// Emits batches in arrival order to socket.io rooms and plain-ws clients. Batches that
/// queued up while one was being emitted go out merged into one, up to `max_body` bytes
/// of entries: a burst of webhooks costs clients a few events, not one per webhook, and
/// a lone webhook is not delayed.
async fn emitter(st: AppState, mut rx: mpsc::Receiver<Batch>) {
    let mut carried: Option<Batch> = None;
    loop {
        let mut batch = match carried.take() {
            Some(batch) => batch,
            None => match rx.recv().await {
                Some(batch) => batch,
                None => return,
            },
        };
        carried = batch::coalesce(&mut batch, &mut rx, st.cfg.max_body);
        let lagged = sockets::emit(&st.io, &batch).await;
        st.stats
            .clients_lagged
            .fetch_add(lagged as u64, Ordering::Relaxed);
        plain_ws::publish(&st, &batch);
        // Before the count that shutdown waits on (see `ServerHandle::shutdown`).
        let now = st.started.elapsed().as_millis() as u64;
        st.stats.last_emit_ms.store(now, Ordering::SeqCst);
        st.stats.batches_emitted.fetch_add(1, Ordering::SeqCst);
        st.stats
            .notifications_emitted
            .fetch_add(batch.count as u64, Ordering::SeqCst);
        tracing::debug!(
            notifications = batch.count,
            lists = batch.per_list.len(),
            "batch emitted"
        );
    }
}
