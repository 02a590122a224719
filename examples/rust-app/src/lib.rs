//! How a Rust web app (Leptos, Yew, Dioxus or plain wasm-bindgen) uses tokenfetch: the app's
//! API layer, [`Api`], owns a [`tokenfetch::Client`] built from a [`Config`], gives the UI typed
//! calls ([`Api::me`], [`Api::echo`]) and an [`AuthState`] fed by the client's events, and renews
//! the access token by calling the app's own token endpoint.
//!
//! ```no_run
//! use tokenfetch_rust_app::{Api, Config};
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let api = Api::new(Config::new("https://api.example.com/", "/auth/refresh"))?;
//! api.sign_in("eyJ...".to_owned())?; // the access token the login answered
//! let me = api.me().await?; // 401? the token endpoint is asked once, and the call retried once
//! println!("signed in as {}", me.sub);
//! # Ok(()) }
//! ```
//!
//! In a Leptos or Yew app, `Api` is the value put in context: it is a cheap handle (`Clone`,
//! and `PartialEq` by identity as Yew's `ContextProvider` wants).

#![deny(missing_docs, missing_debug_implementations)]

mod api;
mod error;
mod session;

pub use api::{Api, Config, Echo, Me};
pub use error::ApiError;
pub use session::AuthState;
pub use tokenfetch::{Cause, Event, OptionsError, OptionsErrorKind, Reason, RefreshError, Trigger};
