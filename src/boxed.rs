//! The one boxed-future type of the service's object-safe async traits (`GitLab`, `Store`,
//! the scheduler's slot sink).

use std::future::Future;
use std::pin::Pin;

/// A boxed, sendable future: what the service's async trait methods return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
