//! Query parameters with typed accessors; anything unusable is a 400 that names the parameter.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::Query;
use axum::http::{StatusCode, Uri};

use crate::error::ApiError;

/// Longest namespace accepted.
const MAX_NS_LEN: usize = 128;
/// Longest `delay`/`ms` accepted (10 minutes).
pub const MAX_DELAY_MS: u64 = 600_000;
/// Tokens may not live longer than this (one year), nor be older.
const MAX_TTL: i64 = 365 * 24 * 3600;
/// Longest duration in seconds a parameter may give (one day).
const MAX_SECONDS: f64 = 86_400.0;

/// Query parameters of a request.
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn from_uri(uri: &Uri) -> Result<Self, ApiError> {
        Query::<HashMap<String, String>>::try_from_uri(uri)
            .map(|Query(map)| Params(map))
            .map_err(|_| ApiError::bad_request("invalid query string"))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `?ns=`, validated, if given and non-empty.
    pub fn ns(&self) -> Result<Option<String>, ApiError> {
        match self.get("ns") {
            None | Some("") => Ok(None),
            Some(ns) if ns.len() > MAX_NS_LEN => {
                Err(ApiError::bad_request(format!("ns longer than {MAX_NS_LEN} bytes")))
            }
            Some(ns) => Ok(Some(ns.to_owned())),
        }
    }

    /// `?ns=` or `"default"`.
    pub fn ns_or_default(&self) -> Result<String, ApiError> {
        Ok(self.ns()?.unwrap_or_else(|| "default".to_owned()))
    }

    /// Names of all parameters given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// Parameter `name` parsed as `T`; absent or empty is `None`, unparsable a 400 naming it.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(raw) => {
                raw.trim().parse().map(Some).map_err(|_| ApiError::bad_request(format!("invalid {name}: {raw:?}")))
            }
        }
    }

    /// A millisecond duration parameter (`delay`, `ms`), 0 when absent.
    pub fn millis(&self, name: &str) -> Result<Duration, ApiError> {
        let ms: u64 = self.parse(name)?.unwrap_or(0);
        if ms > MAX_DELAY_MS {
            return Err(ApiError::bad_request(format!("{name} above {MAX_DELAY_MS} ms")));
        }
        Ok(Duration::from_millis(ms))
    }

    /// `?ttl=` in seconds, if given: any lifetime within a year either way (zero or negative
    /// mints an already-expired token).
    pub fn maybe_ttl(&self) -> Result<Option<i64>, ApiError> {
        match self.parse::<i64>("ttl")? {
            Some(ttl) if !(-MAX_TTL..=MAX_TTL).contains(&ttl) => {
                Err(ApiError::bad_request(format!("ttl out of range: {ttl} (within ±{MAX_TTL} seconds)")))
            }
            ttl => Ok(ttl),
        }
    }

    /// `?ttl=` in seconds, else `default`.
    pub fn ttl(&self, default: i64) -> Result<i64, ApiError> {
        Ok(self.maybe_ttl()?.unwrap_or(default))
    }

    /// A duration parameter in seconds (fractional allowed, 0..=86400), 0 when absent.
    pub fn secs(&self, name: &str) -> Result<Duration, ApiError> {
        let secs: f64 = self.parse(name)?.unwrap_or(0.0);
        if !(0.0..=MAX_SECONDS).contains(&secs) {
            return Err(ApiError::bad_request(format!("{name} must be within 0..=86400")));
        }
        Duration::try_from_secs_f64(secs).map_err(|_| ApiError::bad_request(format!("invalid {name}")))
    }

    /// `?seconds=`, see [`Params::secs`].
    pub fn seconds(&self) -> Result<Duration, ApiError> {
        self.secs("seconds")
    }

    /// `?status=` for redirects: 301, 302, 303, 307 (default) or 308.
    pub fn redirect_status(&self) -> Result<StatusCode, ApiError> {
        let code: u16 = self.parse("status")?.unwrap_or(307);
        match code {
            301 | 302 | 303 | 307 | 308 => {
                StatusCode::from_u16(code).map_err(|_| ApiError::bad_request("invalid status"))
            }
            _ => Err(ApiError::bad_request("status must be 301, 302, 303, 307 or 308")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(query: &str) -> Params {
        Params::from_uri(&format!("/x?{query}").parse().unwrap()).unwrap()
    }

    fn detail(err: ApiError) -> String {
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        err.body["detail"].as_str().unwrap().to_owned()
    }

    #[test]
    fn params_validation() {
        let p = params("ttl=-5&delay=abc&status=302&seconds=1.5&reuseInterval=0.25");
        assert_eq!(p.ttl(20).unwrap(), -5);
        assert!(p.millis("delay").is_err());
        assert_eq!(p.millis("ms").unwrap(), Duration::ZERO);
        assert_eq!(p.redirect_status().unwrap(), StatusCode::FOUND);
        assert_eq!(p.seconds().unwrap(), Duration::from_millis(1500));
        assert_eq!(p.secs("reuseInterval").unwrap(), Duration::from_millis(250));
        assert_eq!(p.secs("absent").unwrap(), Duration::ZERO);
        assert_eq!(p.ns_or_default().unwrap(), "default");
        let p = params("status=200&seconds=-1&ttl=1e9&reuseInterval=x");
        assert!(p.redirect_status().is_err());
        assert!(p.seconds().is_err());
        assert!(detail(p.ttl(20).unwrap_err()).contains("ttl"));
        assert!(detail(p.secs("reuseInterval").unwrap_err()).contains("reuseInterval"));
        assert_eq!(params("").maybe_ttl().unwrap(), None);
        assert_eq!(params("ttl=2").maybe_ttl().unwrap(), Some(2));
        assert!(detail(params("ttl=99999999").ttl(5).unwrap_err()).contains("out of range"));
    }
}
