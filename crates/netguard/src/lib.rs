//! The limits every listener of Custodian puts on its connections, so that
//! idle or slow clients cannot hold the process's file descriptors:
//!
//! - **a cap**: at most `max_connections` open at once; one more is closed
//!   as soon as it is accepted (and counted), instead of queueing;
//! - **first bytes**: a client must send `first_len` bytes (the HTTP/2
//!   preface, or the start of an HTTP/1 request) within `first_bytes` of
//!   connecting;
//! - **idle**: a connection on which no byte moved either way for `idle` is
//!   closed. A healthy gRPC client that holds a connection open answers the
//!   server's HTTP/2 keepalive pings, which count as traffic; a silent
//!   socket does not.
//!
//! Used by the gRPC listener (`custodian serve`) and the DPO console.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// The limits of one listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub first_bytes: Duration,
    pub first_len: usize,
    pub idle: Duration,
}

/// A connection within its listener's limits: it holds its place under the
/// cap until dropped, and fails with `TimedOut` when a limit is passed.
pub struct Guarded<S> {
    inner: S,
    _place: OwnedSemaphorePermit,
    limits: Limits,
    read: usize,
    deadline: Pin<Box<Sleep>>,
    listener: &'static str,
}

impl<S> Guarded<S> {
    fn new(inner: S, place: OwnedSemaphorePermit, limits: Limits, listener: &'static str) -> Self {
        Guarded {
            inner,
            _place: place,
            limits,
            read: 0,
            deadline: Box::pin(tokio::time::sleep(limits.first_bytes)),
            listener,
        }
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    fn moved(&mut self, n: usize, reading: bool) {
        if n == 0 {
            return;
        }
        if reading {
            self.read = self.read.saturating_add(n);
        }
        // Until the first bytes are in, only they move the deadline.
        if self.read >= self.limits.first_len {
            self.deadline
                .as_mut()
                .reset(Instant::now() + self.limits.idle);
        }
    }

    /// After a write: bytes written move the deadline; a write that waits
    /// (a client that reads nothing stalls it) is idle too.
    fn wrote(
        &mut self,
        cx: &mut Context<'_>,
        r: Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>> {
        match r {
            Poll::Ready(Ok(n)) => {
                self.moved(n, false);
                Poll::Ready(Ok(n))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        if self.deadline.as_mut().poll(cx).is_ready() {
            let why = if self.read < self.limits.first_len {
                "first_bytes"
            } else {
                "idle"
            };
            metrics::counter!("custodian_connections_timed_out_total", "listener" => self.listener, "limit" => why)
                .increment(1);
            tracing::debug!(
                listener = self.listener,
                limit = why,
                "connection closed: timed out"
            );
            return true;
        }
        false
    }
}

fn timed_out() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "connection timed out (idle or too slow)",
    )
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let n = buf.filled().len() - before;
                self.moved(n, true);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if self.expired(cx) {
                    Poll::Ready(Err(timed_out()))
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        self.wrote(cx, r)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(cx, r)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

impl tonic::transport::server::Connected for Guarded<TcpStream> {
    type ConnectInfo = tonic::transport::server::TcpConnectInfo;
    fn connect_info(&self) -> Self::ConnectInfo {
        self.inner.connect_info()
    }
}

/// A listener's accept loop under its cap.
pub struct Acceptor {
    listener: TcpListener,
    places: Arc<Semaphore>,
    limits: Limits,
    name: &'static str,
}

impl Acceptor {
    /// `name` labels the listener in logs and metrics (`grpc`, `console`).
    pub fn new(listener: TcpListener, limits: Limits, name: &'static str) -> Acceptor {
        Acceptor {
            listener,
            places: Arc::new(Semaphore::new(limits.max_connections.max(1))),
            limits,
            name,
        }
    }

    /// The next connection within the cap (with TCP_NODELAY), and its
    /// client's address; connections over the cap are closed and counted.
    pub async fn accept(&self) -> io::Result<(Guarded<TcpStream>, std::net::SocketAddr)> {
        loop {
            let (stream, addr) = self.listener.accept().await?;
            match self.places.clone().try_acquire_owned() {
                Ok(place) => {
                    let _ = stream.set_nodelay(true);
                    return Ok((Guarded::new(stream, place, self.limits, self.name), addr));
                }
                Err(_) => {
                    metrics::counter!("custodian_connections_refused_total", "listener" => self.name)
                        .increment(1);
                    tracing::warn!(
                        listener = self.name,
                        cap = self.limits.max_connections,
                        "connection refused: the listener is at its connection cap"
                    );
                    drop(stream);
                }
            }
        }
    }

    /// The accepted connections as a stream (for tonic's
    /// `serve_with_incoming`). An accept error (out of descriptors) is
    /// logged and retried after a pause, never the end of the listener.
    pub fn into_stream(self) -> impl Stream<Item = io::Result<Guarded<TcpStream>>> + Send {
        futures::stream::unfold(self, |a| async move {
            loop {
                match a.accept().await {
                    Ok((s, _)) => return Some((Ok(s), a)),
                    Err(e) => {
                        tracing::warn!(listener = a.name, error = %e, "accept failed; retrying");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        })
    }
}
