//! What a refresh returns (`TokenResult` in the contract): every accepted shape, and the
//! reasons a result is refused.
//!
//! The browser layer turns a JS value into [`TokenResultInput`]; everything after that is here.
//!
//! ```
//! use tokenfetch::engine::token_result::{parse_token_result, Field, TokenResultInput};
//! let new = parse_token_result(TokenResultInput::Text("abc".into()), 0.0).unwrap();
//! assert_eq!(new.token.as_str(), "abc");
//! assert_eq!(new.expires_at_ms, None);
//! ```

use crate::engine::decimal::parse_f64;
use crate::engine::token::{Token, TokenError};

/// Keys that may hold the token, in the order they are looked up.
pub const TOKEN_KEYS: [&str; 4] = ["accessToken", "access_token", "token", "authToken"];
/// Keys that may hold a lifetime in seconds from now.
pub const EXPIRES_IN_KEYS: [&str; 2] = ["expiresIn", "expires_in"];
/// Keys that may hold an expiry in seconds since the epoch.
pub const EXPIRES_AT_KEYS: [&str; 2] = ["expiresAt", "expires_on"];

/// One property of a JS object, reduced to what matters here.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `undefined` or not present.
    Absent,
    /// `null`.
    Null,
    /// A string.
    Text(String),
    /// A number.
    Number(f64),
    /// Anything else (boolean, object, array, function…).
    Other,
}

/// A refresh result as seen from JS, one variant per shape.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenResultInput {
    /// `null` or `undefined`: the application gives up.
    Nothing,
    /// A string.
    Text(String),
    /// A plain object; each array holds the values of the keys of the same-named constant.
    Object {
        /// Values of [`TOKEN_KEYS`].
        token: [Field; 4],
        /// Values of [`EXPIRES_IN_KEYS`].
        expires_in: [Field; 2],
        /// Values of [`EXPIRES_AT_KEYS`].
        expires_at: [Field; 2],
    },
    /// A number, boolean, array or function where a token belongs.
    WrongType,
}

/// A token ready to install, with its expiry when known.
#[derive(Debug, Clone, PartialEq)]
pub struct NewToken {
    /// The token.
    pub token: Token,
    /// Expiry in ms since the epoch: the result's own expiry fields win over the JWT's `exp`.
    pub expires_at_ms: Option<f64>,
    /// The JWT's `iat` in ms since the epoch, when present.
    pub issued_at_ms: Option<f64>,
}

/// Why a refresh result was refused; `reason()` is the `reason` of the `refresh-failed` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenResultError {
    /// `null`, `undefined`, `""` or an object without a token: the application gave up.
    NoToken,
    /// A value of the wrong type where a token or an expiry belongs.
    WrongType,
    /// A token that cannot go into a header.
    InvalidToken(TokenError),
    /// An expiry that is negative, not finite or not a number.
    InvalidExpiry,
}

impl TokenResultError {
    /// The machine-readable reason reported in events.
    pub fn reason(self) -> &'static str {
        match self {
            TokenResultError::NoToken => "no-token",
            TokenResultError::WrongType => "invalid-type",
            TokenResultError::InvalidToken(_) => "invalid-token",
            TokenResultError::InvalidExpiry => "invalid-expiry",
        }
    }
}

/// Largest time a JS `Date` can hold, in ms since the epoch; later expiries are clamped to it.
pub const MAX_TIME_MS: f64 = 8.64e15;

/// Turns a refresh result into a token to install. `now_ms` anchors `expiresIn`.
pub fn parse_token_result(input: TokenResultInput, now_ms: f64) -> Result<NewToken, TokenResultError> {
    let (text, explicit_expiry) = match input {
        TokenResultInput::Nothing => return Err(TokenResultError::NoToken),
        TokenResultInput::WrongType => return Err(TokenResultError::WrongType),
        TokenResultInput::Text(text) => (text, None),
        TokenResultInput::Object { token, expires_in, expires_at } => {
            let text = match first_present(token) {
                None | Some(Field::Null) => return Err(TokenResultError::NoToken),
                Some(Field::Text(text)) => text,
                Some(_) => return Err(TokenResultError::WrongType),
            };
            // A relative lifetime wins: it does not depend on the two clocks agreeing.
            let expiry = match seconds(first_present(expires_in))? {
                Some(secs) => Some(now_ms + secs * 1000.0),
                None => seconds(first_present(expires_at))?.map(|secs| secs * 1000.0),
            };
            (text, expiry)
        }
    };
    if text.is_empty() {
        return Err(TokenResultError::NoToken);
    }
    let token = Token::parse(text).map_err(TokenResultError::InvalidToken)?;
    let mut new = NewToken::from_token(token);
    if explicit_expiry.is_some() {
        new.expires_at_ms = explicit_expiry.map(|ms| ms.min(MAX_TIME_MS));
    }
    Ok(new)
}

impl NewToken {
    /// A token whose expiry and issue time come from its JWT claims, if any.
    pub fn from_token(token: Token) -> NewToken {
        let times = token.jwt_times();
        NewToken {
            expires_at_ms: times.expires_at_ms.map(|ms| ms.min(MAX_TIME_MS)),
            issued_at_ms: times.issued_at_ms,
            token,
        }
    }
}

fn first_present<const N: usize>(fields: [Field; N]) -> Option<Field> {
    fields.into_iter().find(|f| *f != Field::Absent)
}

/// A count of seconds: a finite non-negative number, or a string holding one
/// (some servers, Azure AD v1 among them, send `"3599"`).
fn seconds(field: Option<Field>) -> Result<Option<f64>, TokenResultError> {
    let value = match field {
        None | Some(Field::Null) => return Ok(None),
        Some(Field::Number(n)) => n,
        Some(Field::Text(s)) => parse_f64(s.trim()).ok_or(TokenResultError::InvalidExpiry)?,
        Some(_) => return Err(TokenResultError::InvalidExpiry),
    };
    if value.is_finite() && value >= 0.0 {
        Ok(Some(value))
    } else {
        Err(TokenResultError::InvalidExpiry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::test_support::jwt_with_claims;

    fn object(token: [Field; 4], expires_in: [Field; 2], expires_at: [Field; 2]) -> TokenResultInput {
        TokenResultInput::Object { token, expires_in, expires_at }
    }
    const ABSENT2: [Field; 2] = [Field::Absent, Field::Absent];

    fn with_token_at(index: usize, value: Field) -> [Field; 4] {
        let mut fields = [Field::Absent, Field::Absent, Field::Absent, Field::Absent];
        fields[index] = value;
        fields
    }

    #[test]
    fn a_string_is_a_token() {
        let new = parse_token_result(TokenResultInput::Text("tok".into()), 5.0).unwrap();
        assert_eq!(new.token.as_str(), "tok");
        assert_eq!(new.expires_at_ms, None);
    }

    #[test]
    fn every_token_key_is_accepted() {
        for (i, key) in TOKEN_KEYS.iter().enumerate() {
            let input = object(with_token_at(i, Field::Text("tok".into())), ABSENT2, ABSENT2);
            assert_eq!(parse_token_result(input, 0.0).unwrap().token.as_str(), "tok", "{key}");
        }
    }

    #[test]
    fn expires_in_is_relative_to_now_and_wins_over_absolute_and_jwt() {
        let jwt = jwt_with_claims(r#"{"exp":2000000000}"#);
        let input = object(
            with_token_at(1, Field::Text(jwt.clone())),
            [Field::Absent, Field::Text("3599".into())],
            [Field::Number(1_800_000_000.0), Field::Absent],
        );
        assert_eq!(parse_token_result(input, 1_000.0).unwrap().expires_at_ms, Some(1_000.0 + 3_599_000.0));
        let absolute = object(with_token_at(0, Field::Text(jwt.clone())), ABSENT2, [Field::Absent, Field::Number(1_800_000_000.0)]);
        assert_eq!(parse_token_result(absolute, 0.0).unwrap().expires_at_ms, Some(1_800_000_000_000.0));
        let from_jwt = TokenResultInput::Text(jwt);
        assert_eq!(parse_token_result(from_jwt, 0.0).unwrap().expires_at_ms, Some(2_000_000_000_000.0));
    }

    #[test]
    fn giving_up_shapes_are_no_token() {
        for input in [
            TokenResultInput::Nothing,
            TokenResultInput::Text(String::new()),
            object(with_token_at(0, Field::Null), ABSENT2, ABSENT2),
            object(with_token_at(2, Field::Text(String::new())), ABSENT2, ABSENT2),
            object([Field::Absent, Field::Absent, Field::Absent, Field::Absent], [Field::Number(60.0), Field::Absent], ABSENT2),
        ] {
            assert_eq!(parse_token_result(input.clone(), 0.0), Err(TokenResultError::NoToken), "{input:?}");
        }
    }

    #[test]
    fn wrong_types_and_bad_tokens_are_refused_with_a_reason() {
        assert_eq!(parse_token_result(TokenResultInput::WrongType, 0.0).unwrap_err().reason(), "invalid-type");
        let numeric = object(with_token_at(0, Field::Number(42.0)), ABSENT2, ABSENT2);
        assert_eq!(parse_token_result(numeric, 0.0).unwrap_err().reason(), "invalid-type");
        let injected = TokenResultInput::Text("a\r\nSet-Cookie: x=1".into());
        assert_eq!(parse_token_result(injected, 0.0).unwrap_err().reason(), "invalid-token");
    }

    #[test]
    fn bad_expiries_are_refused() {
        for bad in [Field::Number(-1.0), Field::Number(f64::NAN), Field::Number(f64::INFINITY), Field::Text("soon".into()), Field::Other] {
            let input = object(with_token_at(0, Field::Text("tok".into())), [bad.clone(), Field::Absent], ABSENT2);
            assert_eq!(parse_token_result(input, 0.0), Err(TokenResultError::InvalidExpiry), "{bad:?}");
        }
    }

    #[test]
    fn huge_expiries_are_clamped_to_the_date_range() {
        let input = object(with_token_at(0, Field::Text("tok".into())), ABSENT2, [Field::Number(1e300), Field::Absent]);
        assert_eq!(parse_token_result(input, 0.0).unwrap().expires_at_ms, Some(MAX_TIME_MS));
    }
}
