//! Lenient decoding of webhook payloads (in progress).
