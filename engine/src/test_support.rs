//! Helpers shared by the unit tests: the integration tests' host stand-ins (one copy).

pub(crate) use host::{b64, jwt_with_claims, read_claims};

#[path = "../tests/support/host.rs"]
mod host;
