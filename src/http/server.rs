//! The HTTP/1.1 listener in front of the router: it holds at most `max_connections` connections
//! at once, closes a connection whose client has not sent its request headers within
//! `header_read_timeout` (idle kept-alive connections included), and on shutdown stops
//! accepting, lets requests in progress finish, then returns. It knows nothing of webhooks.
//!
//! Why not `axum::serve`: it sets no timer on hyper's connections, so hyper's header timeout
//! never runs and a client sending one header byte every few seconds holds its connection (and
//! its task) for as long as it likes. GitLab and probes speak HTTP/1.1; HTTP/2 is not served.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Connection limits of the listener.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections held at once; the next client waits in the listen backlog.
    pub max_connections: usize,
    /// Time a client has to send a request's headers.
    pub header_read_timeout: Duration,
}

/// The most a connection buffers from its socket (hyper's minimum is 8 KiB).
const READ_BUFFER: usize = 64 * 1024;

/// After shutdown is signalled, how long requests in progress may take to finish (a webhook
/// request is bounded by its own timeout, well below this).
const DRAIN: Duration = Duration::from_secs(15);

/// Serves `router` on `listener` until `shutdown` is cancelled, then drains.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            () = shutdown.cancelled() => break,
            permit = slots.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: pause instead of spinning.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(router.clone());
        let stop = shutdown.clone();
        connections.spawn(async move {
            let _slot = permit;
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                // hyper's default lets each connection's read buffer grow to ~400 KiB; request
                // heads are a few KiB, and bodies are consumed as they arrive.
                .max_buf_size(READ_BUFFER);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let outcome = tokio::select! {
                outcome = conn.as_mut() => outcome,
                () = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    conn.await
                }
            };
            if let Err(e) = outcome {
                // Slow or vanished clients are routine on a public listener.
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            open = connections.len(),
            "connections still open after the shutdown grace period; closing them"
        );
    }
}
