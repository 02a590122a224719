//! The bearer token held in memory and its header-safety rules.
//!
//! ```
//! use tokenfetch_engine::token::Token;
//! let token = Token::parse("abc.def.ghi".into()).unwrap();
//! assert_eq!(format!("{token:?}"), "Token(<redacted>)");
//! assert_eq!(&*token.header_value("Bearer"), "Bearer abc.def.ghi");
//! ```

use alloc::string::String;
use core::fmt;

use zeroize::{Zeroize, Zeroizing};

/// Longest token accepted, in bytes. Servers reject header blocks past 8–16 KiB anyway;
/// refusing earlier gives a clear error instead of an opaque 431.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// A bearer token. Its text is reachable only through [`Token::as_str`]; `Debug` redacts it, and
/// its bytes are overwritten with zeros when it is dropped (replaced, cleared or freed), so memory
/// does not keep old tokens around.
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
            TokenError::InvalidCharacter => "token may hold only visible ASCII (no spaces, CR/LF or non-ASCII)",
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

    /// What the application passed as a token (constructor, `setToken`): `None` and `""` mean
    /// "no token"; anything else must be a valid token.
    pub fn from_application(text: Option<String>) -> Result<Option<Token>, TokenError> {
        match text {
            None => Ok(None),
            Some(text) if text.is_empty() => Ok(None),
            Some(text) => Token::parse(text).map(Some),
        }
    }

    /// The token text, for building the `Authorization` header and nothing else.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<scheme> <token>`, sized exactly (it never reallocates, so no stray copy is left behind)
    /// and zeroized when dropped.
    pub fn header_value(&self, scheme: &str) -> Zeroizing<String> {
        let mut value = Zeroizing::new(String::with_capacity(scheme.len() + 1 + self.0.len()));
        value.push_str(scheme);
        value.push(' ');
        value.push_str(&self.0);
        value
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    #[test]
    fn accepts_visible_ascii_tokens() {
        assert!(Token::parse("abc-DEF_123.~+/=".into()).is_ok());
    }

    #[test]
    fn refuses_empty_long_and_unsafe_tokens() {
        assert_eq!(Token::parse(String::new()), Err(TokenError::Empty));
        assert_eq!(Token::parse("a".repeat(MAX_TOKEN_LEN + 1)), Err(TokenError::TooLong));
        assert!(Token::parse("a".repeat(MAX_TOKEN_LEN)).is_ok());
        for bad in ["abc\r\nX-Evil: 1", "abc def", "tök", "a\0b", "a\tb", "a\u{7f}b"] {
            assert_eq!(Token::parse(bad.to_string()), Err(TokenError::InvalidCharacter), "{bad:?}");
        }
    }

    #[test]
    fn debug_and_messages_never_show_the_token() {
        let secret = "s3cr3t-token";
        let token = Token::parse(secret.into()).unwrap();
        assert!(!format!("{token:?}").contains(secret));
        for text in ["s3cr3t\r\n", "", "s3cr3t with space"] {
            let error = Token::parse(text.into()).unwrap_err();
            // The message is about the input, and never contains it.
            assert!(error.message().starts_with("token"), "{}", error.message());
            assert!(text.is_empty() || !error.message().contains(text.trim()), "{}", error.message());
        }
    }

    #[test]
    fn the_application_may_pass_no_token_as_none_or_empty() {
        assert_eq!(Token::from_application(None), Ok(None));
        assert_eq!(Token::from_application(Some(String::new())), Ok(None));
        assert_eq!(Token::from_application(Some("t".into())).unwrap().unwrap().as_str(), "t");
        assert_eq!(Token::from_application(Some("a b".into())), Err(TokenError::InvalidCharacter));
    }

    #[test]
    fn the_header_value_is_scheme_space_token() {
        let token = Token::parse("t0k".into()).unwrap();
        let value = token.header_value("DPoP");
        assert_eq!(value.as_str(), "DPoP t0k");
        assert_eq!(value.capacity(), value.len(), "sized exactly, so it never left a copy behind");
    }
}
