//! The sans-IO core of tokenfetch.
#![no_std]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod base64;
pub mod json;
pub mod jwt;
#[cfg(test)]
mod test_support;
pub mod token;
