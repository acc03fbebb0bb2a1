//! Hostile and heavy HTTP clients for the tests and the benchmark that check how `steward
//! serve` holds up: raw-TCP uploads that keep sending after the server answered, clients that
//! send their headers or bodies a byte at a time, bodies built to be expensive to decode, and
//! the process's memory read from `/proc`. Loopback only; every wait is bounded.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub use crate::process::Memory;

/// Reads `VmRSS` and `VmHWM` of `pid`; zeros when the process is gone.
pub fn memory(pid: u32) -> Memory {
    crate::process::memory(pid).unwrap_or_default()
}

/// KiB as MiB.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// An Issue Hook body of about `size` bytes, nearly all of it distinct tiny label objects
/// (`{"id":N,"title":"lN"}`), for project `project` (which need not be served).
pub fn label_heavy_body(size: usize, project: u64) -> Vec<u8> {
    let head = format!(
        r#"{{"object_kind":"issue","event_type":"issue","user":{{"id":4242,"username":"heavy"}},"project":{{"id":{project}}},"object_attributes":{{"id":1,"iid":1,"project_id":{project},"action":"update","created_at":"2026-11-25T12:00:00Z","updated_at":"2026-11-25T12:00:00Z"}},"labels":["#
    );
    let mut body = Vec::with_capacity(size + 64);
    body.extend_from_slice(head.as_bytes());
    let mut n = 0u64;
    while body.len() + 40 < size {
        if n > 0 {
            body.push(b',');
        }
        body.extend_from_slice(format!(r#"{{"id":{n},"title":"l{n}"}}"#).as_bytes());
        n += 1;
    }
    body.extend_from_slice(b"]}");
    body
}

/// A request head with `Content-Length: length` and the given headers.
pub fn head(addr: SocketAddr, headers: &[(&str, &str)], length: usize) -> String {
    let mut h = format!(
        "POST /webhooks/gitlab HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n"
    );
    for (k, v) in headers {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h
}

/// Reads the status code of the response on `read`, if one comes within `within`.
async fn read_status(read: &mut (impl AsyncReadExt + Unpin), within: Duration) -> Option<u16> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        let n = tokio::time::timeout(left, read.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace().nth(1)?.parse().ok()
}

/// Sends the whole request (head, then `body` as fast as the server takes it) while reading
/// the answer; the status, or `None` when the connection broke before one came.
pub async fn upload(
    addr: SocketAddr,
    headers: &[(&str, &str)],
    body: bytes::Bytes,
    within: Duration,
) -> Option<u16> {
    let stream = TcpStream::connect(addr).await.ok()?;
    let (mut read, mut write) = stream.into_split();
    let head = head(addr, headers, body.len());
    let writer = tokio::spawn(async move {
        if write.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for chunk in body.chunks(64 * 1024) {
            if write.write_all(chunk).await.is_err() {
                return;
            }
        }
        let _ = write.flush().await;
        // Dropping the write half would half-close the connection, which the server takes
        // as the client going away: hold it until the answer is read (the task is aborted).
        std::future::pending::<()>().await;
        drop(write);
    });
    let status = read_status(&mut read, within).await;
    writer.abort();
    status
}

/// A POST answered in full: its status and how long it took.
pub async fn post(
    addr: SocketAddr,
    headers: &[(&str, &str)],
    body: &[u8],
    within: Duration,
) -> (Option<u16>, Duration) {
    let started = Instant::now();
    let status = upload(addr, headers, bytes::Bytes::copy_from_slice(body), within).await;
    (status, started.elapsed())
}

/// Sends a request head one byte every `every`; returns how long the server kept the
/// connection open (`None`: still open after `give_up`).
pub async fn slow_headers(
    addr: SocketAddr,
    every: Duration,
    give_up: Duration,
) -> Option<Duration> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).await.ok()?;
    let head = head(addr, &[("X-Gitlab-Token", "whatever")], 2);
    let mut probe = [0u8; 64];
    for byte in head.as_bytes().iter().cycle() {
        if started.elapsed() > give_up {
            return None;
        }
        if stream.write_all(&[*byte]).await.is_err() {
            return Some(started.elapsed());
        }
        // Closed by the server: a read returns 0 (or an error) instead of waiting.
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(every, stream.read(&mut probe)).await {
            return Some(started.elapsed());
        }
    }
    None
}

/// A connection that has sent its head (declaring `length` bytes) and the first body byte,
/// and sends the rest slowly with [`SlowBody::trickle`].
pub struct SlowBody {
    stream: TcpStream,
}

impl SlowBody {
    /// Opens it.
    pub async fn open(addr: SocketAddr, headers: &[(&str, &str)], length: usize) -> Option<Self> {
        let mut stream = TcpStream::connect(addr).await.ok()?;
        stream
            .write_all(head(addr, headers, length).as_bytes())
            .await
            .ok()?;
        stream.write_all(b"{").await.ok()?;
        Some(Self { stream })
    }

    /// Sends one more body byte; false once the server has closed the connection.
    pub async fn trickle(&mut self) -> bool {
        self.stream.write_all(b" ").await.is_ok()
    }

    /// Whether the server has neither answered nor closed (nothing to read right now).
    pub async fn still_open(&mut self) -> bool {
        let mut buf = [0u8; 16];
        tokio::time::timeout(Duration::from_millis(1), self.stream.read(&mut buf))
            .await
            .is_err()
    }
}
