//! What a refresh produces ([`TokenResult`], `TokenResult` in the contract) and how it is checked
//! before a token is installed. The shells turn their own values into a [`TokenResult`] (the JS
//! facade in one function that reads the JS object's keys); every rule after that is here.
//!
//! ```
//! use tokenfetch_engine::event::Reason;
//! use tokenfetch_engine::jwt::JwtTimes;
//! use tokenfetch_engine::token_result::{accept, TokenResult};
//! let no_claims = |_: &str| JwtTimes::default();
//! let new = accept(TokenResult::from("abc"), 0.0, no_claims).unwrap();
//! assert_eq!(new.token.as_str(), "abc");
//! assert_eq!(new.expires_at_ms, None);
//! let five_minutes = TokenResult::Token { token: "abc".into(), expires_in: Some(300.0), expires_at: None, token_type: None };
//! assert_eq!(accept(five_minutes, 1_000.0, no_claims).unwrap().expires_at_ms, Some(301_000.0));
//! assert_eq!(accept(TokenResult::GiveUp, 0.0, no_claims).unwrap_err(), Reason::NoToken);
//! ```

use alloc::borrow::ToOwned;
use alloc::string::String;

use crate::event::Reason;
use crate::jwt::ReadClaims;
use crate::token::Token;

/// Latest time a JS `Date` can hold (ms since the epoch): expiries are clamped to it.
pub const MAX_TIME_MS: f64 = 8.64e15;

/// What a token callback answers (or what the `refreshUrl` body says).
#[derive(Clone, PartialEq)]
pub enum TokenResult {
    /// A new token, with its lifetime when the provider tells it (`expires_in` in seconds from now,
    /// `expires_at` in seconds since the epoch; with a JWT `exp` too, the earlier wins) and its
    /// `token_type` (`"Bearer"`, any case, means the server did not bind it to a DPoP key).
    Token {
        /// The token.
        token: String,
        /// Seconds from now.
        expires_in: Option<f64>,
        /// Seconds since the epoch.
        expires_at: Option<f64>,
        /// The OAuth `token_type`, when the provider tells it.
        token_type: Option<String>,
    },
    /// Give up this time: the caller gets the original 401 and the token is kept (`null` in JS).
    GiveUp,
    /// The user is signed out (the provider answered `invalid_grant`): the token is cleared and
    /// nothing asks again until `set_token` or `refresh` (`false` in JS).
    SignedOut,
}

impl core::fmt::Debug for TokenResult {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the token.
        match self {
            TokenResult::Token { expires_in, expires_at, token_type, .. } => f
                .debug_struct("Token")
                .field("expires_in", expires_in)
                .field("expires_at", expires_at)
                .field("token_type", token_type)
                .finish_non_exhaustive(),
            TokenResult::GiveUp => f.write_str("GiveUp"),
            TokenResult::SignedOut => f.write_str("SignedOut"),
        }
    }
}

impl From<String> for TokenResult {
    fn from(token: String) -> TokenResult {
        TokenResult::Token { token, expires_in: None, expires_at: None, token_type: None }
    }
}

impl From<&str> for TokenResult {
    fn from(token: &str) -> TokenResult {
        TokenResult::from(token.to_owned())
    }
}

/// A token ready to install, with what is known of its times.
#[derive(Debug, Clone, PartialEq)]
pub struct NewToken {
    /// The token.
    pub token: Token,
    /// Expiry in ms since the epoch: the earlier of the JWT's `exp` and the result's own expiry.
    pub expires_at_ms: Option<f64>,
    /// The JWT's `iat` in ms since the epoch, when present.
    pub issued_at_ms: Option<f64>,
    /// The provider said `token_type: "Bearer"`: not bound to a DPoP key.
    pub bearer: bool,
}

impl NewToken {
    /// A token whose expiry and issue time come from its JWT claims, if any.
    pub fn from_token(token: Token, read_claims: ReadClaims) -> NewToken {
        let times = read_claims(token.as_str());
        NewToken {
            expires_at_ms: times.expires_at_ms.map(|ms| ms.min(MAX_TIME_MS)),
            issued_at_ms: times.issued_at_ms,
            token,
            bearer: false,
        }
    }
}

/// Checks a refresh result. `Err` is the reason for `refresh-failed`: [`Reason::NoToken`] (gave
/// up, or an empty token), [`Reason::InvalidToken`], [`Reason::InvalidExpiry`], or
/// [`Reason::SignedOut`]. `now_ms` is the server's time, for `expires_in`.
pub fn accept(result: TokenResult, now_ms: f64, read_claims: ReadClaims) -> Result<NewToken, Reason> {
    let (text, expires_in, expires_at, token_type) = match result {
        TokenResult::GiveUp => return Err(Reason::NoToken),
        TokenResult::SignedOut => return Err(Reason::SignedOut),
        TokenResult::Token { token, expires_in, expires_at, token_type } => (token, expires_in, expires_at, token_type),
    };
    // A relative lifetime wins over an absolute one: it does not depend on the clocks agreeing.
    let explicit = match (seconds(expires_in)?, seconds(expires_at)?) {
        (Some(secs), _) => Some(now_ms + secs * 1000.0),
        (None, absolute) => absolute.map(|secs| secs * 1000.0),
    };
    if text.is_empty() {
        return Err(Reason::NoToken);
    }
    let token = Token::parse(text).map_err(|_| Reason::InvalidToken)?;
    let mut new = NewToken::from_token(token, read_claims);
    new.bearer = token_type.is_some_and(|kind| kind.eq_ignore_ascii_case("bearer"));
    if let Some(explicit) = explicit {
        // Both known: the earlier wins (`expires_in` counts from when the answer arrived, so it can
        // run past the JWT's own `exp`).
        let earliest = new.expires_at_ms.map_or(explicit, |jwt| jwt.min(explicit));
        new.expires_at_ms = Some(earliest.min(MAX_TIME_MS));
    }
    Ok(new)
}

/// A count of seconds: finite and not negative.
fn seconds(value: Option<f64>) -> Result<Option<f64>, Reason> {
    match value {
        Some(n) if !(n.is_finite() && n >= 0.0) => Err(Reason::InvalidExpiry),
        other => Ok(other),
    }
}

/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`: the numeric strings accepted
/// where seconds belong (some servers, Azure AD v1 among them, send `"3599"`), with the syntax of
/// Rust's `str::parse::<f64>` but without its `inf`/`nan` words. The shells check a string with
/// this, then read its value with their own number parser.
///
/// ```
/// use tokenfetch_engine::token_result::is_decimal_literal;
/// assert!(is_decimal_literal("3599") && is_decimal_literal("1e3") && is_decimal_literal(".5"));
/// assert!(!is_decimal_literal("0x10") && !is_decimal_literal("inf") && !is_decimal_literal(""));
/// ```
pub fn is_decimal_literal(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = usize::from(matches!(bytes.first(), Some(b'+' | b'-')));
    let digits = |at: &mut usize| {
        let start = *at;
        while matches!(bytes.get(*at), Some(b'0'..=b'9')) {
            *at += 1;
        }
        *at - start
    };
    let mut mantissa = digits(&mut at);
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        mantissa += digits(&mut at);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        at += usize::from(matches!(bytes.get(at), Some(b'+' | b'-')));
        if digits(&mut at) == 0 {
            return false;
        }
    }
    at == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::JwtTimes;
    use crate::test_support::read_claims;
    use alloc::format;

    fn token(text: &str, expires_in: Option<f64>, expires_at: Option<f64>) -> TokenResult {
        TokenResult::Token { token: text.into(), expires_in, expires_at, token_type: None }
    }

    fn accepted(result: TokenResult, now: f64) -> Result<NewToken, Reason> {
        accept(result, now, read_claims)
    }

    #[test]
    fn a_string_is_a_token() {
        let new = accepted(TokenResult::from("tok"), 5.0).unwrap();
        assert_eq!(new.token.as_str(), "tok");
        assert_eq!(new.expires_at_ms, None);
        assert!(!new.bearer, "no token_type: bound when DPoP is on");
    }

    #[test]
    fn expires_in_is_relative_and_wins_over_expires_at() {
        let both = token("opaque", Some(3599.0), Some(1_800_000_000.0));
        assert_eq!(accepted(both, 1_000.0).unwrap().expires_at_ms, Some(1_000.0 + 3_599_000.0));
        let absolute = token("opaque", None, Some(1_800_000_000.0));
        assert_eq!(accepted(absolute, 0.0).unwrap().expires_at_ms, Some(1_800_000_000_000.0));
    }

    #[test]
    fn the_earlier_of_the_jwt_exp_and_the_results_expiry_wins() {
        // exp at 2_000_000_000 s; expires_in counted from a moment a little later runs past it.
        let jwt = crate::test_support::jwt_with_claims(r#"{"iat":1999999000,"exp":2000000000}"#);
        let now = 1_999_999_000_400.0;
        let late = token(&jwt, Some(1000.0), None);
        assert_eq!(accepted(late, now).unwrap().expires_at_ms, Some(2_000_000_000_000.0), "the JWT's exp is earlier");
        let early = token(&jwt, Some(60.0), None);
        assert_eq!(accepted(early, now).unwrap().expires_at_ms, Some(now + 60_000.0), "expires_in is earlier");
        assert_eq!(accepted(TokenResult::from(jwt), now).unwrap().expires_at_ms, Some(2_000_000_000_000.0));
    }

    #[test]
    fn giving_up_and_signing_out() {
        for result in [TokenResult::GiveUp, TokenResult::from(""), token("", Some(60.0), None)] {
            let shown = format!("{result:?}");
            assert_eq!(accepted(result, 0.0), Err(Reason::NoToken), "{shown}");
        }
        assert_eq!(accepted(TokenResult::SignedOut, 0.0), Err(Reason::SignedOut));
    }

    #[test]
    fn bad_tokens_and_expiries_are_refused_with_a_reason() {
        let injected = TokenResult::from("a\r\nSet-Cookie: x=1");
        assert_eq!(accepted(injected, 0.0), Err(Reason::InvalidToken));
        for bad in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(accepted(token("tok", Some(bad), None), 0.0), Err(Reason::InvalidExpiry), "{bad}");
            assert_eq!(accepted(token("tok", None, Some(bad)), 0.0), Err(Reason::InvalidExpiry), "{bad}");
        }
    }

    #[test]
    fn token_type_bearer_in_any_case_means_unbound() {
        for (kind, bearer) in [
            (Some("Bearer"), true),
            (Some("bearer"), true),
            (Some("BEARER"), true),
            (Some("DPoP"), false),
            (Some("N_A"), false),
            (None, false),
        ] {
            let result = TokenResult::Token {
                token: "t".into(),
                expires_in: None,
                expires_at: None,
                token_type: kind.map(Into::into),
            };
            assert_eq!(accepted(result, 0.0).unwrap().bearer, bearer, "{kind:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let shown = format!("{:?}", TokenResult::from("s3cr3t"));
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }

    #[test]
    fn numeric_strings_are_read_as_rust_would() {
        for (text, ok) in [
            ("3599", true),
            ("60", true),
            ("1.", true),
            (".5", true),
            ("+5", true),
            ("1e3", true),
            ("1E-2", true),
            ("", false),
            (".", false),
            ("1e", false),
            ("1_0", false),
            ("nan", false),
            ("--1", false),
            ("0x10", false),
        ] {
            assert_eq!(is_decimal_literal(text), ok && text.parse::<f64>().is_ok(), "{text:?}");
        }
    }

    #[test]
    fn huge_expiries_are_clamped_to_the_date_range() {
        assert_eq!(accepted(token("tok", None, Some(1e300)), 0.0).unwrap().expires_at_ms, Some(MAX_TIME_MS));
        let far = |_: &str| JwtTimes { expires_at_ms: Some(1e300), issued_at_ms: None };
        assert_eq!(accept(TokenResult::from("tok"), 0.0, far).unwrap().expires_at_ms, Some(MAX_TIME_MS));
    }
}
