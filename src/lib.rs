//! tokenfetch: an HTTP client for the browser (and Node) that keeps a short-lived bearer token in
//! memory, refreshes it ahead of its JWT expiry, and on a 401 asks the application for a new token
//! and retries the request once.
//!
//! From Rust (Leptos, Yew, Dioxus, plain wasm-bindgen), use [`Client`] and [`Options`]:
//!
//! ```no_run
//! use tokenfetch::{Client, Options, TokenResult};
//! # async fn run() -> Result<(), wasm_bindgen::JsValue> {
//! let client = Client::new(Options::new().refresh_url("/auth/refresh").refresh_ahead_seconds(30.0))?;
//! let me = client.fetch_with_str("/api/me").await?;
//! # Ok(()) }
//! ```
//!
//! From JS, the npm package exports `AuthClient` (the `js` feature):
//!
//! ```js
//! import init, { AuthClient } from "tokenfetch";
//! await init();
//! const client = new AuthClient({ token, onTokenExpired: () => getNewToken() });
//! const response = await client.fetch("/api/me");
//! ```
//!
//! The rules live in the sans-IO [`engine`] (the `tokenfetch-engine` crate, tested natively);
//! this crate only does the browser's I/O.

#![no_std]
#![deny(missing_docs, missing_debug_implementations)]

extern crate alloc;

mod client;
mod driver;
mod error;
#[cfg(feature = "js")]
mod js;
mod options;
mod web;

pub use client::Client;
pub use error::{OptionsError, OptionsErrorKind, RefreshError};
#[cfg(feature = "js")]
pub use js::AuthClient;
pub use options::Options;
pub use tokenfetch_engine as engine;
pub use tokenfetch_engine::event::{Cause, Event, Reason, Trigger};
pub use tokenfetch_engine::token_result::TokenResult;
