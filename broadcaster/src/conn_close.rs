//! Closing an accepted connection from the server side, whoever owns it by then.
//!
//! socketioxide 0.18 gives no way to close the Engine.IO connection of a socket: the
//! Engine.IO socket (with its `close`) is private, and `Socket::disconnect` only leaves the
//! namespace (a DISCONNECT, after which a standard socket.io client stays away). So every
//! accepted TCP stream is wrapped in a [`Closable`], and its [`CloseHandle`] rides in each
//! request's extensions (socketioxide hands the first request's on in
//! `SocketRef::req_parts`; `cut` keeps those of WebSocket upgrades). With it the server
//! ends the connection of a refused socket.io 2.x client, which would keep it open for
//! ever, and of a lagging client on a WebSocket, which then reconnects.
//!
//! [`CloseHandle::close`] makes the stream read as ended, as if the client had hung up:
//! the WebSocket's reader stops, Engine.IO closes the session (its writer sends what is
//! queued, then a close frame) and the connection is dropped. [`CloseHandle::abort`] also
//! fails its writes. [`CloseHandle::is_live`] tells whether the connection is still served.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

#[derive(Default)]
struct Shared {
    closed: AtomicBool,
    aborted: AtomicBool,
    /// The stream was dropped: the connection is over.
    dropped: AtomicBool,
    reader: AtomicWaker,
    writer: AtomicWaker,
}

/// Ends the reading side of one accepted connection (see the module documentation).
#[derive(Clone)]
pub struct CloseHandle(Arc<Shared>);

impl CloseHandle {
    /// From now on the connection reads as ended (a pending read is woken). Writes go on,
    /// so whoever owns the connection can still send what it has and close it cleanly.
    pub fn close(&self) {
        self.0.closed.store(true, Ordering::SeqCst);
        self.0.reader.wake();
    }

    /// Reads end and writes fail from now on (a pending write too): the connection is
    /// dropped with whatever it had queued, as if the client had vanished. For a client
    /// that stopped reading, whose writer would otherwise wait on it for ever.
    pub fn abort(&self) {
        self.0.aborted.store(true, Ordering::SeqCst);
        self.close();
        self.0.writer.wake();
    }

    /// Whether the connection is still served (its stream not dropped yet), closed or not.
    pub fn is_live(&self) -> bool {
        !self.0.dropped.load(Ordering::SeqCst)
    }

    /// Whether `other` is a handle of the same connection.
    pub fn is(&self, other: &CloseHandle) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A stream whose reading side a [`CloseHandle`] can end.
pub struct Closable<S> {
    inner: S,
    shared: Arc<Shared>,
}

/// Wraps `inner`; returns it with the handle that closes it.
pub fn wrap<S>(inner: S) -> (Closable<S>, CloseHandle) {
    let shared = Arc::new(Shared::default());
    let handle = CloseHandle(shared.clone());
    (Closable { inner, shared }, handle)
}

impl<S> Drop for Closable<S> {
    fn drop(&mut self) {
        self.shared.dropped.store(true, Ordering::SeqCst);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Closable<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // Registered before the check: a close in between still wakes this reader.
        self.shared.reader.register(cx.waker());
        if self.shared.closed.load(Ordering::SeqCst) {
            return Poll::Ready(Ok(())); // end of stream
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S> Closable<S> {
    /// Registers the writer (before the check: an abort in between still wakes it) and
    /// fails once the connection is aborted.
    fn write_allowed(&self, cx: &Context<'_>) -> io::Result<()> {
        self.shared.writer.register(cx.waker());
        if self.shared.aborted.load(Ordering::SeqCst) {
            return Err(io::ErrorKind::ConnectionAborted.into());
        }
        Ok(())
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Closable<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write_allowed(cx)?;
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.write_allowed(cx)?;
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.write_allowed(cx)?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn close_ends_a_pending_read_and_keeps_writes() {
        let (ours, mut theirs) = tokio::io::duplex(64);
        let (mut ours, handle) = wrap(ours);
        theirs.write_all(b"ab").await.unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(ours.read(&mut buf).await.unwrap(), 2);
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 8];
            let n = ours.read(&mut buf).await.unwrap();
            ours.write_all(b"bye").await.unwrap();
            n
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        handle.close();
        assert_eq!(reader.await.unwrap(), 0, "reads as ended");
        let mut got = [0u8; 3];
        theirs.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"bye");
    }

    #[tokio::test]
    async fn abort_fails_a_write_waiting_on_a_client_that_stopped_reading() {
        let (ours, _theirs) = tokio::io::duplex(64);
        let (mut ours, handle) = wrap(ours);
        let writer = tokio::spawn(async move { ours.write_all(&[0u8; 1024]).await });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!writer.is_finished(), "the pipe holds 64 bytes");
        handle.abort();
        let error = writer.await.unwrap().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted);
    }

    #[test]
    fn a_handle_knows_when_its_connection_is_dropped() {
        let (ours, _theirs) = tokio::io::duplex(64);
        let (ours, handle) = wrap(ours);
        assert!(handle.is_live());
        handle.abort();
        assert!(handle.is_live(), "aborted, still owned");
        drop(ours);
        assert!(!handle.is_live());
    }
}
