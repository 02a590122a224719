//! The browser side: each module owns one kind of I/O and decides nothing. They know neither the
//! [`Client`](crate::Client) nor each other, except that all wait on [`signal`]'s futures.

pub(crate) mod claims;
pub(crate) mod dpop;
pub(crate) mod host;
pub(crate) mod http;
pub(crate) mod signal;
pub(crate) mod source;
pub(crate) mod tabs;
pub(crate) mod timer;
pub(crate) mod token_result;
