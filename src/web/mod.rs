//! The browser layer: the `AuthClient` class JS sees, and the thin glue between the sans-IO
//! [`engine`](crate::engine) and `fetch`, timers, promises and events.

pub mod client;
mod events;
mod fetch;
mod js;
mod options;
mod refresh;
mod tabs;
mod types;
