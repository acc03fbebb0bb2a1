//! Reading webhook bodies within bounds: a size limit checked against `Content-Length` before
//! anything is read and again while reading, and a budget of bytes shared by every request
//! whose body must be read before it can be authenticated (signed deliveries). A forged signed
//! request can thus make Steward hold at most the budget, however many arrive; a request
//! authenticated by its `X-Gitlab-Token` header is not charged, so forged requests cannot
//! delay GitLab's token-authenticated deliveries. It does not authenticate or decode.

use std::sync::Arc;

use axum::body::Body;
use bytes::Bytes;
use http_body_util::BodyExt;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Why a body was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// Larger than `webhook.max_body_bytes` (declared or sent).
    #[error("the body is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The client stopped sending or the connection broke.
    #[error("the body could not be read: {0}")]
    Broken(String),
    /// The bytes held by bodies not yet authenticated would exceed
    /// `webhook.max_in_flight_bytes`.
    #[error("the budget for bodies not yet authenticated is used up")]
    OverBudget,
    /// Memory for the body could not be reserved.
    #[error("no memory for a body of {0} bytes")]
    NoMemory(usize),
}

/// Bytes of unauthenticated bodies held at once, all requests together.
#[derive(Debug, Clone)]
pub struct BodyBudget {
    bytes: Arc<Semaphore>,
}

impl BodyBudget {
    /// A budget of `bytes` (at least the largest accepted body, or that body never fits).
    pub fn new(bytes: usize) -> Self {
        Self {
            bytes: Arc::new(Semaphore::new(bytes.min(Semaphore::MAX_PERMITS))),
        }
    }

    /// Bytes not held by any request right now.
    pub fn available(&self) -> usize {
        self.bytes.available_permits()
    }

    /// Holds `n` more bytes (added to `held`), or fails at once when they are not free.
    /// Failing rather than waiting keeps requests that share an exhausted budget from waiting
    /// on each other until they all time out: one is refused, and its bytes go to the others.
    fn take(&self, n: usize, held: &mut Option<OwnedSemaphorePermit>) -> Result<(), BodyError> {
        let over = BodyError::OverBudget;
        let n = u32::try_from(n).map_err(|_| over.clone())?;
        let permit = self
            .bytes
            .clone()
            .try_acquire_many_owned(n)
            .map_err(|_| over)?;
        match held {
            Some(h) => h.merge(permit),
            None => *held = Some(permit),
        }
        Ok(())
    }
}

/// A body read in full, and the share of the budget it holds until dropped.
#[derive(Debug)]
pub struct ReadBody {
    /// The bytes, exactly as sent, in the parts they arrived in: a charged (not yet
    /// authenticated) body is kept as the connection's own chunks, so a forged request never
    /// makes Steward allocate a body-sized buffer (freed large buffers stay resident in the
    /// allocator and would let RSS grow past the budget); an uncharged one is one part.
    pub parts: Vec<Bytes>,
    /// Budget held for these bytes (`None` when the request was not charged).
    pub held: Option<OwnedSemaphorePermit>,
}

impl ReadBody {
    /// The whole body as one buffer (no copy when it is one part already).
    pub fn into_bytes(self) -> (Vec<u8>, Option<OwnedSemaphorePermit>) {
        let ReadBody { mut parts, held } = self;
        let bytes = if parts.len() == 1 {
            parts.pop().map(Vec::from).unwrap_or_default()
        } else {
            let mut all = Vec::with_capacity(parts.iter().map(Bytes::len).sum());
            for p in &parts {
                all.extend_from_slice(p);
            }
            all
        };
        (bytes, held)
    }
}

/// `Content-Length`, when sent and numeric.
pub fn declared_length(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Reads `body` up to `limit` bytes, charging each chunk to `budget` when one is given (before
/// the chunk is kept, so the bytes held never exceed it; a chunk that does not fit fails the
/// request with [`BodyError::OverBudget`]). The buffer is sized once from
/// `Content-Length`: no doubling copies of a large body.
pub async fn read(
    mut body: Body,
    limit: usize,
    declared: Option<u64>,
    budget: Option<&BodyBudget>,
) -> Result<ReadBody, BodyError> {
    let too_large = BodyError::TooLarge { limit };
    let expected = match declared.map(usize::try_from) {
        Some(Ok(n)) if n <= limit => n,
        Some(_) => return Err(too_large),
        None => 0,
    };
    if let Some(budget) = budget {
        return read_charged(body, limit, budget).await;
    }
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(expected)
        .map_err(|_| BodyError::NoMemory(expected))?;
    while let Some(chunk) = next_chunk(&mut body).await? {
        if bytes.len() + chunk.len() > limit {
            return Err(too_large);
        }
        bytes
            .try_reserve(chunk.len())
            .map_err(|_| BodyError::NoMemory(bytes.len() + chunk.len()))?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(ReadBody {
        parts: vec![Bytes::from(bytes)],
        held: None,
    })
}

/// A body not yet authenticated: its chunks are kept as they came, each charged first.
async fn read_charged(
    mut body: Body,
    limit: usize,
    budget: &BodyBudget,
) -> Result<ReadBody, BodyError> {
    let (mut parts, mut len, mut held) = (Vec::new(), 0usize, None);
    while let Some(chunk) = next_chunk(&mut body).await? {
        if len + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        budget.take(chunk.len(), &mut held)?;
        len += chunk.len();
        parts.push(chunk);
    }
    Ok(ReadBody { parts, held })
}

/// The next data chunk of `body` (trailers skipped), `None` at its end.
async fn next_chunk(body: &mut Body) -> Result<Option<Bytes>, BodyError> {
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Broken(e.to_string()))?;
        if let Ok(chunk) = frame.into_data() {
            return Ok(Some(chunk));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body sent in the given chunks, as a slow or chunked client would.
    struct Chunks(std::collections::VecDeque<&'static [u8]>);

    impl http_body::Body for Chunks {
        type Data = bytes::Bytes;
        type Error = std::io::Error;

        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            let next = self.0.pop_front();
            std::task::Poll::Ready(
                next.map(|c| Ok(http_body::Frame::data(bytes::Bytes::from_static(c)))),
            )
        }
    }

    fn chunked(parts: &[&'static [u8]]) -> Body {
        Body::new(Chunks(parts.iter().copied().collect()))
    }

    #[tokio::test]
    async fn a_body_is_read_whole_and_charged_to_the_budget_until_dropped() {
        let budget = BodyBudget::new(100);
        let read_body = read(chunked(&[b"abc", b"defg"]), 10, Some(7), Some(&budget))
            .await
            .unwrap();
        assert_eq!(budget.available(), 93);
        let (bytes, held) = read_body.into_bytes();
        assert_eq!(bytes, b"abcdefg");
        drop(held);
        assert_eq!(budget.available(), 100);
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_declared_or_sent() {
        let declared = read(Body::from("x"), 4, Some(5), None).await.unwrap_err();
        assert_eq!(declared, BodyError::TooLarge { limit: 4 });
        let sent = read(chunked(&[b"abc", b"de"]), 4, None, None)
            .await
            .unwrap_err();
        assert_eq!(sent, BodyError::TooLarge { limit: 4 });
    }

    #[tokio::test]
    async fn a_body_that_does_not_fit_the_budget_is_refused_and_releases_what_it_held() {
        let budget = BodyBudget::new(5);
        let other = read(Body::from("ab"), 10, None, Some(&budget))
            .await
            .unwrap();
        let err = read(chunked(&[b"12", b"34"]), 10, None, Some(&budget))
            .await
            .unwrap_err();
        assert_eq!(err, BodyError::OverBudget);
        assert_eq!(
            budget.available(),
            3,
            "only the first body's bytes stay held"
        );
        drop(other);
    }

    #[tokio::test]
    async fn an_uncharged_body_leaves_the_budget_alone() {
        let budget = BodyBudget::new(8);
        let body = read(Body::from("hello"), 10, None, None).await.unwrap();
        assert!(body.held.is_none());
        assert_eq!(budget.available(), 8);
    }
}
