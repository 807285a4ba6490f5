//! Accepting and serving TCP connections: like `axum::serve` (HTTP/1.1 with WebSocket
//! upgrades), plus Nagle off, a time limit on request headers, a closing handle
//! (`conn_close`) in each request's extensions, and a graceful stop.

use std::time::Duration;

use axum::Router;
use tokio::sync::watch;

use crate::conn_close;

/// Serves `app` on `listener` until `stop` turns `true`, then lets in-flight requests
/// finish. Like `axum::serve` (HTTP/1.1, WebSocket upgrades, Nagle off), plus a limit on
/// how long a client may take to send a request's headers: a connection that trickles
/// them in (slow loris) is closed after `header_timeout`.
pub(crate) async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    // Every connection task holds a receiver; shutdown waits until all are dropped.
    let (open_tx, open_rx) = watch::channel(());
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = async { let _ = stop.wait_for(|v| *v).await; } => break,
        };
        no_delay(&stream);
        // Lets the socket.io side close a refused 2.x client's connection (`sockets`).
        let (stream, closer) = conn_close::wrap(stream);
        let service =
            app.clone()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(closer.clone());
                    req.map(axum::body::Body::new)
                });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let conn = http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stop = stop.clone();
        let open = open_rx.clone();
        tokio::spawn(async move {
            let mut conn = std::pin::pin!(conn);
            let result = tokio::select! {
                result = conn.as_mut() => result,
                () = async { let _ = stop.wait_for(|v| *v).await; } => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(error) = result {
                tracing::trace!(%error, "connection ended with an error");
            }
            drop(open);
        });
    }
    drop(listener);
    drop(open_rx);
    open_tx.closed().await;
}

/// Turns Nagle's algorithm off on an accepted connection: a frame or response that follows
/// another within a round trip leaves at once instead of waiting for the peer's delayed
/// ACK (about 40 ms).
fn no_delay(stream: &tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::warn!(%error, "could not set TCP_NODELAY");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _client = tokio::net::TcpStream::connect(addr).await.unwrap();
        let (stream, _) = listener.accept().await.unwrap();
        no_delay(&stream);
        assert!(stream.nodelay().unwrap());
    }
}
