//! The HTTP serve loop: accepts connections up to a cap and serves each with hyper's
//! HTTP/1.1, under the edge's timeouts, so that slow or idle clients cannot hold the
//! server's file descriptors.
//!
//! - The cap is a semaphore: a permit is taken before `accept`, so once the cap is
//!   reached new connections wait in the kernel's listen backlog instead of using up
//!   descriptors. Accept errors (out of descriptors, say) back off instead of spinning.
//! - Each connection has a watchdog that closes it when [`activity`] says it is late: its
//!   headers took longer than the header-read timeout, or it stayed idle between
//!   requests longer than the idle timeout. hyper's own header timer is not used: it also
//!   runs while a keep-alive connection is idle, which would make both timeouts one.
//! - Graceful shutdown stops accepting, lets each connection finish its request in
//!   flight (idle ones close at once), and returns when every connection has closed.

mod activity;

use crate::config_edge::EdgeSettings;
use activity::{Activity, ConnTimeouts, RequestGuard};
use axum::body::Body;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot, watch};
use tower::{Service, ServiceExt};

/// How long to wait before accepting again after `failures` accept errors in a row:
/// 10 ms doubling up to one second, so running out of descriptors neither spins a core
/// nor leaves the server deaf for long once connections close.
pub fn accept_backoff(failures: u32) -> Duration {
    let ms = 10u64.saturating_mul(1u64 << failures.saturating_sub(1).min(7));
    Duration::from_millis(ms.min(1_000))
}

/// Errors of one failed connection attempt, not of the listener: accept again at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// Serves `app` on `listener` until `shutdown` fires, then finishes the requests in flight.
pub async fn serve<S>(listener: TcpListener, app: S, edge: &EdgeSettings, mut shutdown: oneshot::Receiver<()>)
where
    S: Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let timeouts = ConnTimeouts { header_read: edge.header_read_timeout, idle: edge.idle_timeout };
    let cap = edge.max_connections.clamp(1, u32::MAX as usize);
    let permits = Arc::new(Semaphore::new(cap));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut failures = 0u32;
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, peer)) => {
                failures = 0;
                tokio::spawn(serve_connection(stream, peer, app.clone(), timeouts, stop_rx.clone(), permit));
            }
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                failures = failures.saturating_add(1);
                let wait = accept_backoff(failures);
                tracing::error!(error = %e, retry_in_ms = wait.as_millis() as u64, "cannot accept connections");
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = &mut shutdown => break,
                }
            }
        }
    }
    drop(listener);
    stop_tx.send_replace(true);
    // Every connection holds a permit until it closes: having them all back means done.
    let _ = permits.acquire_many(u32::try_from(cap).unwrap_or(u32::MAX)).await;
}

async fn serve_connection<S>(
    stream: TcpStream,
    peer: SocketAddr,
    app: S,
    timeouts: ConnTimeouts,
    mut stopping: watch::Receiver<bool>,
    _permit: OwnedSemaphorePermit,
) where
    S: Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let _ = stream.set_nodelay(true);
    let activity = Activity::new();
    let io = TokioIo::new(NotedReads { inner: stream, activity: activity.clone() });
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let app = app.clone();
        let guard = requests.begin_request();
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        async move {
            let Ok(resp) = app.oneshot(req).await;
            Ok::<_, Infallible>(resp.map(|body| TrackedBody { body, _guard: guard }))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().header_read_timeout(None).serve_connection(io, service);
    tokio::pin!(conn);
    let mut shutting_down = false;
    loop {
        let deadline = activity.deadline(timeouts);
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            _ = sleep_until(deadline) => {
                if activity.deadline(timeouts).is_some_and(|d| d <= tokio::time::Instant::now()) {
                    tracing::debug!(%peer, "closing a connection that was idle or too slow to send its request");
                    return;
                }
            }
            _ = activity.changed() => {}
            _ = stopping.changed(), if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

/// The client socket, telling the connection's [`Activity`] when bytes arrive.
struct NotedReads {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for NotedReads {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.on_read();
        }
        polled
    }
}

impl AsyncWrite for NotedReads {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A response body that keeps its request counted as in flight until hyper has sent it
/// in full (or dropped it), so a long answer is never taken for an idle connection.
struct TrackedBody {
    body: Body,
    _guard: RequestGuard,
}

impl http_body::Body for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_errors_back_off_up_to_a_second() {
        for (failures, ms) in [(1, 10), (2, 20), (3, 40), (7, 640), (8, 1_000), (9, 1_000), (u32::MAX, 1_000)] {
            assert_eq!(accept_backoff(failures), Duration::from_millis(ms), "after {failures} failures");
        }
    }
}
