//! [`ApiError`]: why an API call gave no data.

use std::fmt;

use wasm_bindgen::JsValue;

/// Why an [`Api`](crate::Api) call gave no data.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// No response: the network, CORS or an abort (what the browser's `fetch` rejected with).
    Network(JsValue),
    /// The server answered with this status. A 401 here came after tokenfetch's one refresh and
    /// retry, or while signed out: time to show the login screen.
    Status(u16),
    /// The body was not what the call expected.
    Decode(String),
}

impl ApiError {
    /// Whether the user has to sign in again.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ApiError::Status(401))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network(_) => f.write_str("the server could not be reached"),
            ApiError::Status(status) => write!(f, "the server answered HTTP {status}"),
            ApiError::Decode(why) => write!(f, "unexpected answer: {why}"),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<serde_json::Error> for ApiError {
    fn from(error: serde_json::Error) -> ApiError {
        ApiError::Decode(error.to_string())
    }
}
