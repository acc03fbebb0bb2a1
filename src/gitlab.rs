//! gitlab (in progress)
