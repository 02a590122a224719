//! The crate's errors: [`OptionsError`] when options are refused, [`RefreshError`] when a refresh
//! installed no token. Each becomes the right JS error through one `From<…> for JsValue`, with a
//! static message that never contains a token.

use core::fmt;

use tokenfetch_engine::event::Reason;
use tokenfetch_engine::Failure;
use wasm_bindgen::JsValue;

use crate::web::host::{construct, set};

/// Which JS error an [`OptionsError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionsErrorKind {
    /// A value of the wrong type (`TypeError`).
    Type,
    /// A value out of range (`RangeError`).
    Range,
    /// Something the host lacks (an `Error`), such as WebCrypto outside a secure context.
    Unsupported,
}

/// Why [`Client::new`](crate::Client::new) (or `new AuthClient`) refused its options. The message
/// names the option.
///
/// ```
/// use tokenfetch::{Client, Options, OptionsErrorKind};
/// let error = Client::new(Options::new().refresh_ahead_seconds(-1.0)).unwrap_err();
/// assert_eq!(error.kind(), OptionsErrorKind::Range);
/// assert!(error.message().starts_with("refreshAheadSeconds"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionsError {
    kind: OptionsErrorKind,
    message: &'static str,
}

impl OptionsError {
    pub(crate) const fn type_error(message: &'static str) -> OptionsError {
        OptionsError { kind: OptionsErrorKind::Type, message }
    }

    pub(crate) const fn range_error(message: &'static str) -> OptionsError {
        OptionsError { kind: OptionsErrorKind::Range, message }
    }

    pub(crate) const fn unsupported(message: &'static str) -> OptionsError {
        OptionsError { kind: OptionsErrorKind::Unsupported, message }
    }

    /// Whether it is a type or a range problem.
    pub fn kind(&self) -> OptionsErrorKind {
        self.kind
    }

    /// What is wrong, naming the option.
    pub fn message(&self) -> &'static str {
        self.message
    }
}

impl fmt::Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl core::error::Error for OptionsError {}

impl From<OptionsError> for JsValue {
    fn from(error: OptionsError) -> JsValue {
        let class = match error.kind {
            OptionsErrorKind::Type => "TypeError",
            OptionsErrorKind::Range => "RangeError",
            OptionsErrorKind::Unsupported => "Error",
        };
        let message = JsValue::from_str(error.message);
        construct(class, &message, &JsValue::UNDEFINED).unwrap_or(message)
    }
}

/// Why a refresh installed no token: the `reason` (and `status`) of its `refresh-failed` event.
///
/// ```
/// use tokenfetch::{Reason, RefreshError};
/// let error = RefreshError { reason: Reason::Timeout, status: None };
/// assert_eq!(error.to_string(), "refresh failed: timeout");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshError {
    /// Why.
    pub reason: Reason,
    /// The HTTP status, for [`Reason::RefreshUrlStatus`].
    pub status: Option<u16>,
}

impl From<Failure> for RefreshError {
    fn from(failure: Failure) -> RefreshError {
        RefreshError { reason: failure.reason, status: failure.status }
    }
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refresh failed: {}", self.reason.name())?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        Ok(())
    }
}

impl core::error::Error for RefreshError {}

/// A JS `Error` named `RefreshError` whose message is the reason.
impl From<RefreshError> for JsValue {
    fn from(error: RefreshError) -> JsValue {
        let message = JsValue::from_str(error.reason.name());
        let js = construct("Error", &message, &JsValue::UNDEFINED).unwrap_or(message);
        set(&js, "name", &JsValue::from_str("RefreshError"));
        js
    }
}
