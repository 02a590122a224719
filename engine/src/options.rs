//! Defaults and range checks of the numeric and textual options. Types were checked by the shell
//! (JS values) or the compiler (Rust API); here every value is of the right type and only its
//! range is in question.
//!
//! ```
//! use tokenfetch_engine::options::{RawSettings, Settings};
//! let settings = Settings::from_raw(RawSettings::default()).unwrap();
//! assert_eq!(settings.refresh_ahead_ms, 60_000.0);
//! assert_eq!(settings.refresh_on, vec![401]);
//! assert!(Settings::from_raw(RawSettings { refresh_ahead_seconds: Some(-1.0), ..Default::default() }).is_err());
//! ```

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// Option values as given, already of the right type; `None` when not given.
#[derive(Debug, Clone, Default)]
pub struct RawSettings {
    /// `refreshAheadSeconds`.
    pub refresh_ahead_seconds: Option<f64>,
    /// `refreshTimeoutMs`.
    pub refresh_timeout_ms: Option<f64>,
    /// `refreshOn`.
    pub refresh_on: Option<Vec<f64>>,
    /// `autoRefresh`.
    pub auto_refresh: Option<bool>,
    /// `authScheme`.
    pub auth_scheme: Option<String>,
}

/// Validated settings with defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Refresh when `exp - now` is at most this many ms (default 60 s), or half the token's
    /// lifetime when that is shorter.
    pub refresh_ahead_ms: f64,
    /// A refresh slower than this counts as failed (default 10 s).
    pub refresh_timeout_ms: u32,
    /// Statuses that trigger refresh and retry (default `[401]`).
    pub refresh_on: Vec<u16>,
    /// Whether a timer refreshes ahead of expiry (default true).
    pub auto_refresh: bool,
    /// The `Authorization` scheme (default `Bearer`).
    pub auth_scheme: String,
}

/// A value out of range; `message` names the option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RangeError {
    /// The message of the JS `RangeError`.
    pub message: &'static str,
}

/// Largest `refreshTimeoutMs`: what `setTimeout` honours.
const MAX_TIMEOUT_MS: f64 = 2_147_483_647.0;
/// Largest `refreshAheadSeconds`: one year; more is surely a unit mistake.
const MAX_AHEAD_SECONDS: f64 = 31_536_000.0;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            refresh_ahead_ms: 60_000.0,
            refresh_timeout_ms: 10_000,
            refresh_on: vec![401],
            auto_refresh: true,
            auth_scheme: "Bearer".into(),
        }
    }
}

impl Settings {
    /// Applies defaults and checks ranges.
    pub fn from_raw(raw: RawSettings) -> Result<Settings, RangeError> {
        let ahead = raw.refresh_ahead_seconds.unwrap_or(60.0);
        if !(0.0..=MAX_AHEAD_SECONDS).contains(&ahead) {
            return Err(RangeError { message: "refreshAheadSeconds must be a number from 0 to 31536000" });
        }
        let timeout = raw.refresh_timeout_ms.unwrap_or(10_000.0);
        if !(1.0..=MAX_TIMEOUT_MS).contains(&timeout) {
            return Err(RangeError { message: "refreshTimeoutMs must be a number from 1 to 2147483647" });
        }
        let mut refresh_on = Vec::new();
        for status in raw.refresh_on.unwrap_or_else(|| vec![401.0]) {
            // A whole number from 100 to 599 (the cast truncates, so compare back).
            if !(100.0..=599.0).contains(&status) || f64::from(status as u16) != status {
                return Err(RangeError { message: "refreshOn must hold whole HTTP statuses from 100 to 599" });
            }
            refresh_on.push(status as u16);
        }
        let auth_scheme = raw.auth_scheme.unwrap_or_else(|| "Bearer".into());
        if !is_http_token(&auth_scheme) {
            return Err(RangeError { message: "authScheme must be an HTTP token such as \"Bearer\"" });
        }
        Ok(Settings {
            refresh_ahead_ms: ahead * 1000.0,
            refresh_timeout_ms: timeout as u32,
            refresh_on,
            auto_refresh: raw.auto_refresh.unwrap_or(true),
            auth_scheme,
        })
    }
}

/// RFC 9110 `token`: what an auth scheme may be made of.
fn is_http_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_contract() {
        assert_eq!(Settings::from_raw(RawSettings::default()).unwrap(), Settings::default());
        assert_eq!(Settings::default().refresh_timeout_ms, 10_000);
        assert_eq!(Settings::default().auth_scheme, "Bearer");
    }

    #[test]
    fn out_of_range_values_name_their_option() {
        let cases: [(RawSettings, &str); 7] = [
            (RawSettings { refresh_ahead_seconds: Some(-1.0), ..Default::default() }, "refreshAheadSeconds"),
            (RawSettings { refresh_ahead_seconds: Some(f64::NAN), ..Default::default() }, "refreshAheadSeconds"),
            (RawSettings { refresh_timeout_ms: Some(0.0), ..Default::default() }, "refreshTimeoutMs"),
            (RawSettings { refresh_timeout_ms: Some(f64::INFINITY), ..Default::default() }, "refreshTimeoutMs"),
            (RawSettings { refresh_on: Some(vec![401.0, 99.0]), ..Default::default() }, "refreshOn"),
            (RawSettings { refresh_on: Some(vec![401.5]), ..Default::default() }, "refreshOn"),
            (RawSettings { auth_scheme: Some("Bearer token".into()), ..Default::default() }, "authScheme"),
        ];
        for (raw, option) in cases {
            let err = Settings::from_raw(raw).unwrap_err();
            assert!(err.message.starts_with(option), "{}", err.message);
        }
    }

    #[test]
    fn given_values_are_used() {
        let raw = RawSettings {
            refresh_ahead_seconds: Some(0.0),
            refresh_timeout_ms: Some(250.0),
            refresh_on: Some(vec![401.0, 419.0]),
            auto_refresh: Some(false),
            auth_scheme: Some("DPoP".into()),
        };
        let settings = Settings::from_raw(raw).unwrap();
        assert_eq!((settings.refresh_ahead_ms, settings.refresh_timeout_ms), (0.0, 250));
        assert_eq!(settings.refresh_on, vec![401, 419]);
        assert!(!settings.auto_refresh);
        assert_eq!(settings.auth_scheme, "DPoP");
    }
}
