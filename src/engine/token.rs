//! The bearer token held in memory, its header-safety rules and what its JWT claims say.
//!
//! ```
//! use tokenfetch::engine::token::Token;
//! let token = Token::parse("abc.def.ghi".to_owned()).unwrap();
//! assert_eq!(format!("{token:?}"), "Token(<redacted>)");
//! ```

use std::fmt;

use serde::de::IgnoredAny;
use zeroize::Zeroize;

/// Longest token accepted, in bytes. Servers reject header blocks past 8–16 KiB anyway;
/// refusing earlier gives a clear error instead of an opaque 431.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// A bearer token. Its text is reachable only through [`Token::as_str`]; `Debug` redacts it, and
/// its bytes are overwritten with zeros when it is dropped (replaced, cleared or freed), so wasm
/// memory does not keep old tokens around.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Drop for Token {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Why a string cannot be used as a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// The string is empty.
    Empty,
    /// The string is longer than [`MAX_TOKEN_LEN`].
    TooLong,
    /// The string holds a byte that cannot go into an HTTP header value unquoted
    /// (controls such as CR/LF, spaces, non-ASCII).
    InvalidCharacter,
}

impl TokenError {
    /// A message for people; never includes the token.
    pub fn message(self) -> &'static str {
        match self {
            TokenError::Empty => "token is empty",
            TokenError::TooLong => "token is longer than 16384 bytes",
            TokenError::InvalidCharacter => {
                "token contains a character that cannot go into an HTTP header (only visible ASCII is allowed)"
            }
        }
    }
}

impl Token {
    /// Checks that `text` can travel in an `Authorization` header and wraps it.
    pub fn parse(text: String) -> Result<Token, TokenError> {
        // Wrapped first, so a refused text is zeroized too when it is dropped.
        let token = Token(text);
        if token.0.is_empty() {
            return Err(TokenError::Empty);
        }
        if token.0.len() > MAX_TOKEN_LEN {
            return Err(TokenError::TooLong);
        }
        // Visible ASCII only: no CR/LF (header injection), no spaces (scheme confusion),
        // nothing the Headers API would reject or silently re-encode.
        if !token.0.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
            return Err(TokenError::InvalidCharacter);
        }
        Ok(token)
    }

    /// The token text, for building the `Authorization` header and nothing else.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Expiry and issue time from the token's JWT claims, when it is a JWT that has them.
    pub fn jwt_times(&self) -> JwtTimes {
        jwt_times(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Times read from a JWT's claims, in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct JwtTimes {
    /// `exp`, when present and a whole number of seconds in range.
    pub expires_at_ms: Option<f64>,
    /// `iat`, when present and a whole number of seconds in range.
    pub issued_at_ms: Option<f64>,
}

/// Reads `exp`/`iat` without verifying anything: the server verifies, the client only plans.
/// An opaque token, a malformed JWT or claims of the wrong type give empty times.
pub fn jwt_times(token: &str) -> JwtTimes {
    // `IgnoredAny` for the header's and the claims' extra fields: nothing past the standard
    // claims is read, so serde need not map the leftovers onto a struct.
    let Ok(untrusted) = jwt_compact::UntrustedToken::<IgnoredAny>::try_from(token) else {
        return JwtTimes::default();
    };
    let Ok(claims) = untrusted.deserialize_claims_unchecked::<IgnoredAny>() else {
        return JwtTimes::default();
    };
    JwtTimes {
        expires_at_ms: claims.expiration.map(|t| t.timestamp_millis() as f64),
        issued_at_ms: claims.issued_at.map(|t| t.timestamp_millis() as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::test_support::jwt_with_claims;

    #[test]
    fn accepts_visible_ascii_tokens() {
        assert!(Token::parse("abc-DEF_123.~+/=".to_owned()).is_ok());
    }

    #[test]
    fn refuses_empty_long_and_unsafe_tokens() {
        assert_eq!(Token::parse(String::new()), Err(TokenError::Empty));
        assert_eq!(Token::parse("a".repeat(MAX_TOKEN_LEN + 1)), Err(TokenError::TooLong));
        for bad in ["abc\r\nX-Evil: 1", "abc def", "tök", "a\0b", "a\tb"] {
            assert_eq!(Token::parse(bad.to_owned()), Err(TokenError::InvalidCharacter), "{bad:?}");
        }
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token = Token::parse("s3cr3t-token".to_owned()).unwrap();
        assert!(!format!("{token:?}").contains("s3cr3t"));
        assert!(!TokenError::InvalidCharacter.message().contains("s3cr3t"));
    }

    #[test]
    fn reads_exp_and_iat_from_a_jwt() {
        let jwt = jwt_with_claims(r#"{"sub":"u","iat":1700000000,"exp":1700000600}"#);
        let times = jwt_times(&jwt);
        assert_eq!(times.expires_at_ms, Some(1_700_000_600_000.0));
        assert_eq!(times.issued_at_ms, Some(1_700_000_000_000.0));
    }

    #[test]
    fn opaque_and_malformed_tokens_have_no_times() {
        for token in [
            "opaque-token".to_owned(),
            "a.b.c".to_owned(),
            jwt_with_claims(r#"{"exp":"tomorrow"}"#),
            jwt_with_claims(r#"{"exp":1e300}"#),
            jwt_with_claims("not json"),
            jwt_with_claims(r#"{"sub":"no exp"}"#),
        ] {
            assert_eq!(jwt_times(&token).expires_at_ms, None, "{token}");
        }
    }
}
