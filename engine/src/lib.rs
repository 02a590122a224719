//! The sans-IO core of tokenfetch: everything the client decides, as plain Rust with no I/O, no
//! clock and no browser (`no_std`, so the compiler holds it to that).
//!
//! - [`Engine`]: the client's state machine, composed of one module per rule:
//!   [`held`] (the token state), [`single_flight`] (one refresh at a time), [`backoff`] (what
//!   failures imply), [`lifecycle`] (signing out, closing), [`deadlines`] (the timer plan),
//!   [`clock`] (clock skew) and [`tabs`] (the cross-tab peer).
//! - [`call::Call`]: one `fetch` call, step by step; [`dpop`]: what its DPoP proofs say and
//!   the nonces servers hand out.
//! - [`token`], [`jwt`], [`token_result`]: what a token is, what its claims say, what a refresh may
//!   return; [`expiry`], [`challenge`], [`options`]: the rules they follow; [`event`]: what goes
//!   out to the application; [`origin`]: which URL a request goes to.
//!
//! The browser shell (the `tokenfetch` crate) feeds it what happened and does what it says, the
//! way quinn-proto's `Connection` is driven by quinn:
//!
//! ```
//! use tokenfetch_engine::{Config, Engine, Output};
//! use tokenfetch_engine::event::Event;
//! use tokenfetch_engine::token::Token;
//! let token = Token::parse("t0k".into()).unwrap();
//! let mut engine = Engine::new(Config::default(), Some(token), 7, 0.0);
//! assert_eq!(engine.poll(), Some(Output::Event(Event::TokenSet { expires_at_ms: None })));
//! assert_eq!(engine.poll_timeout(), None, "no expiry known, no source: no timer");
//! ```
#![no_std]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

extern crate alloc;
#[cfg(test)]
extern crate std;
// The tests' host stand-ins (tests/support/host.rs) name the crate as the integration tests do.
#[cfg(test)]
extern crate self as tokenfetch_engine;

pub mod backoff;
mod base64;
pub mod call;
pub mod challenge;
pub mod clock;
pub mod deadlines;
pub mod dpop;
mod engine;
pub mod event;
pub mod expiry;
pub mod held;
pub mod jwt;
pub mod lifecycle;
pub mod options;
pub mod origin;
pub mod single_flight;
pub mod tabs;
#[cfg(test)]
mod test_support;
pub mod token;
pub mod token_result;

pub use dpop::ProofError;
pub use engine::{Config, Engine, Failure, Outcome, Output};
pub use single_flight::{Begin, RefreshId};
