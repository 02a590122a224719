//! The sans-IO core: token rules, refresh results, expiry maths, options, the refresh state and
//! the per-call retry policy. Plain Rust with no browser APIs, tested natively with `cargo test`.

pub mod call;
pub mod challenge;
pub mod clock;
pub mod decimal;
pub mod expiry;
pub mod options;
pub mod state;
pub mod token;
pub mod token_result;

#[cfg(test)]
mod test_support;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties;
