//! tokenfetch: a browser HTTP client that keeps a short-lived bearer token in memory, refreshes it
//! ahead of its JWT expiry, and on a 401 asks the application for a new token and retries once.
//!
//! [`engine`] is the sans-IO core (plain Rust, natively tested); [`web`] is the thin wasm-bindgen
//! layer that JS sees as `AuthClient`.
//!
//! ```js
//! import init, { AuthClient } from "tokenfetch";
//! await init();
//! const client = new AuthClient({ token, onTokenExpired: () => getNewToken() });
//! const response = await client.fetch("/api/me");
//! ```

#![deny(missing_docs, missing_debug_implementations)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod engine;
pub mod web;

pub use web::client::AuthClient;
