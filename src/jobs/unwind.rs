//! Turns a panic inside one job into an error value, so that a bug in one job (a parser, a rule,
//! a template) fails that job instead of the worker task running it. It knows nothing about
//! jobs: it wraps a future and reports how it ended.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that completes with `Err(message)` when the wrapped future panics.
pub struct CatchPanic<F> {
    inner: Pin<Box<F>>,
}

/// Wraps `future` so that a panic while polling it ends it with the panic's message.
///
/// The future is dropped after a panic and never polled again. `AssertUnwindSafe` is sound
/// here because nothing the future borrowed is used after it panicked except through the
/// store and GitLab, which hold no half-updated in-memory state across an await (the store's
/// writes are transactions; caches are behind async locks that do not poison).
pub fn catch_panic<F: Future>(future: F) -> CatchPanic<F> {
    CatchPanic {
        inner: Box::pin(future),
    }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.inner.as_mut();
        match catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_message(payload.as_ref()))),
        }
    }
}

/// The text a panic was raised with (`panic!("…")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_while_polling_becomes_its_message_and_a_normal_end_passes_through() {
        let ok = catch_panic(async { 7 }).await;
        assert_eq!(ok, Ok(7));
        let number = 42;
        let failed = catch_panic(async move {
            tokio::task::yield_now().await;
            if number == 42 {
                panic!("rule {number} divided by zero");
            }
            0
        })
        .await;
        assert_eq!(failed, Err("rule 42 divided by zero".to_owned()));
    }
}
