//! What a refresh produces (`TokenResult` in the contract): every accepted shape, and why a result
//! is refused.
//!
//! The shell turns a JS value (or a Rust `TokenResult`) into [`TokenResultInput`]; everything after
//! that is here.
//!
//! ```
//! use tokenfetch_engine::token_result::{parse_token_result, TokenResultInput};
//! let parse = |s: &str| s.parse().ok();
//! let new = parse_token_result(TokenResultInput::Text("abc".into()), 0.0, parse).unwrap();
//! assert_eq!(new.token.as_str(), "abc");
//! assert_eq!(new.expires_at_ms, None);
//! ```

use alloc::boxed::Box;
use alloc::string::String;

use crate::event::Reason;
use crate::json::ParseNumber;
use crate::jwt::read_times;
use crate::token::Token;

/// Keys that may hold the token, in the order they are looked up.
pub const TOKEN_KEYS: [&str; 4] = ["accessToken", "access_token", "token", "authToken"];
/// Keys that may hold a lifetime in seconds from now.
pub const EXPIRES_IN_KEYS: [&str; 2] = ["expiresIn", "expires_in"];
/// Keys that may hold an expiry in seconds since the epoch.
pub const EXPIRES_AT_KEYS: [&str; 2] = ["expiresAt", "expires_on"];

/// Latest time a JS `Date` can hold (ms since the epoch): expiries are clamped to it.
pub const MAX_TIME_MS: f64 = 8.64e15;

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

/// Reads one property of a refresh result object (`undefined` is [`Field::Absent`]).
pub type Lookup = Box<dyn Fn(&str) -> Field>;

/// A refresh result, one variant per shape.
pub enum TokenResultInput {
    /// `null` or `undefined`: the application gives up this time.
    Nothing,
    /// `false`: the user is signed out.
    SignedOut,
    /// A string.
    Text(String),
    /// A plain object. Its properties are read as they are needed, in the order of
    /// [`TOKEN_KEYS`], [`EXPIRES_IN_KEYS`] and [`EXPIRES_AT_KEYS`].
    Object(Lookup),
    /// A number, `true`, an array or a function where a token belongs.
    WrongType,
}

impl core::fmt::Debug for TokenResultInput {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the token.
        f.write_str(match self {
            TokenResultInput::Nothing => "Nothing",
            TokenResultInput::SignedOut => "SignedOut",
            TokenResultInput::Text(_) => "Text(..)",
            TokenResultInput::Object(_) => "Object(..)",
            TokenResultInput::WrongType => "WrongType",
        })
    }
}

/// A token ready to install, with what is known of its expiry.
#[derive(Debug, Clone, PartialEq)]
pub struct NewToken {
    /// The token.
    pub token: Token,
    /// Expiry in ms since the epoch: the earlier of the JWT's `exp` and the result's own expiry.
    pub expires_at_ms: Option<f64>,
    /// The JWT's `iat` in ms since the epoch, when present.
    pub issued_at_ms: Option<f64>,
}

impl NewToken {
    /// A token whose expiry and issue time come from its JWT claims, if any.
    pub fn from_token(token: Token, parse_number: ParseNumber) -> NewToken {
        let times = read_times(token.as_str(), parse_number);
        NewToken {
            expires_at_ms: times.expires_at_ms.map(|ms| ms.min(MAX_TIME_MS)),
            issued_at_ms: times.issued_at_ms,
            token,
        }
    }
}

/// Checks a refresh result. `Err` carries the reason for `refresh-failed`: [`Reason::NoToken`],
/// [`Reason::InvalidType`], [`Reason::InvalidToken`], [`Reason::InvalidExpiry`], or
/// [`Reason::SignedOut`] for `false`. `now_ms` is the server's time, for `expires_in`.
pub fn parse_token_result(input: TokenResultInput, now_ms: f64, parse_number: ParseNumber) -> Result<NewToken, Reason> {
    let (text, explicit) = match input {
        TokenResultInput::Nothing => return Err(Reason::NoToken),
        TokenResultInput::SignedOut => return Err(Reason::SignedOut),
        TokenResultInput::WrongType => return Err(Reason::InvalidType),
        TokenResultInput::Text(text) => (text, None),
        TokenResultInput::Object(field) => {
            let first_present = |keys: &[&str]| keys.iter().map(|key| field(key)).find(|value| *value != Field::Absent);
            let text = match first_present(&TOKEN_KEYS) {
                None | Some(Field::Null) => return Err(Reason::NoToken),
                Some(Field::Text(text)) => text,
                Some(_) => return Err(Reason::InvalidType),
            };
            // A relative lifetime wins over an absolute one: it does not depend on the clocks agreeing.
            let expiry = match seconds(first_present(&EXPIRES_IN_KEYS), parse_number)? {
                Some(secs) => Some(now_ms + secs * 1000.0),
                None => seconds(first_present(&EXPIRES_AT_KEYS), parse_number)?.map(|secs| secs * 1000.0),
            };
            (text, expiry)
        }
    };
    if text.is_empty() {
        return Err(Reason::NoToken);
    }
    let token = Token::parse(text).map_err(|_| Reason::InvalidToken)?;
    let mut new = NewToken::from_token(token, parse_number);
    if let Some(explicit) = explicit {
        // Both known: the earlier wins (`expires_in` counts from when the answer arrived, so it can
        // run past the JWT's own `exp`).
        let earliest = new.expires_at_ms.map_or(explicit, |jwt| jwt.min(explicit));
        new.expires_at_ms = Some(earliest.min(MAX_TIME_MS));
    }
    Ok(new)
}

/// A count of seconds: a finite non-negative number, or a string holding one (some servers,
/// Azure AD v1 among them, send `"3599"`). Strings are accepted with the syntax of Rust's
/// `str::parse::<f64>` (no `inf`/`nan` words), with ASCII whitespace around them.
fn seconds(field: Option<Field>, parse_number: ParseNumber) -> Result<Option<f64>, Reason> {
    let value = match field {
        None | Some(Field::Null) => return Ok(None),
        Some(Field::Number(n)) => n,
        Some(Field::Text(s)) if is_decimal_literal(s.trim_ascii()) => {
            parse_number(s.trim_ascii()).ok_or(Reason::InvalidExpiry)?
        }
        Some(_) => return Err(Reason::InvalidExpiry),
    };
    if value.is_finite() && value >= 0.0 {
        Ok(Some(value))
    } else {
        Err(Reason::InvalidExpiry)
    }
}

/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`: what `str::parse::<f64>` reads,
/// without its `inf`/`nan` words.
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
    use crate::test_support::jwt_with_claims;
    use alloc::format;

    const PARSE: ParseNumber = |s| s.parse().ok();
    const ABSENT2: [Field; 2] = [Field::Absent, Field::Absent];

    fn object(token: [Field; 4], expires_in: [Field; 2], expires_at: [Field; 2]) -> TokenResultInput {
        TokenResultInput::Object(Box::new(move |key| {
            let position = |keys: &[&str]| keys.iter().position(|k| *k == key);
            match (position(&TOKEN_KEYS), position(&EXPIRES_IN_KEYS), position(&EXPIRES_AT_KEYS)) {
                (Some(i), _, _) => token[i].clone(),
                (_, Some(i), _) => expires_in[i].clone(),
                (_, _, Some(i)) => expires_at[i].clone(),
                _ => Field::Absent,
            }
        }))
    }

    fn with_token_at(index: usize, value: Field) -> [Field; 4] {
        let mut fields = [Field::Absent, Field::Absent, Field::Absent, Field::Absent];
        fields[index] = value;
        fields
    }

    fn parse(input: TokenResultInput, now: f64) -> Result<NewToken, Reason> {
        parse_token_result(input, now, PARSE)
    }

    #[test]
    fn a_string_is_a_token() {
        let new = parse(TokenResultInput::Text("tok".into()), 5.0).unwrap();
        assert_eq!(new.token.as_str(), "tok");
        assert_eq!(new.expires_at_ms, None);
    }

    #[test]
    fn every_token_key_is_accepted() {
        for (i, key) in TOKEN_KEYS.iter().enumerate() {
            let input = object(with_token_at(i, Field::Text("tok".into())), ABSENT2, ABSENT2);
            assert_eq!(parse(input, 0.0).unwrap().token.as_str(), "tok", "{key}");
        }
    }

    #[test]
    fn expires_in_is_relative_and_wins_over_expires_at() {
        let input = object(
            with_token_at(1, Field::Text("opaque".into())),
            [Field::Absent, Field::Text("3599".into())],
            [Field::Number(1_800_000_000.0), Field::Absent],
        );
        assert_eq!(parse(input, 1_000.0).unwrap().expires_at_ms, Some(1_000.0 + 3_599_000.0));
        let absolute = object(
            with_token_at(0, Field::Text("opaque".into())),
            ABSENT2,
            [Field::Absent, Field::Number(1_800_000_000.0)],
        );
        assert_eq!(parse(absolute, 0.0).unwrap().expires_at_ms, Some(1_800_000_000_000.0));
    }

    #[test]
    fn the_earlier_of_the_jwt_exp_and_the_results_expiry_wins() {
        // exp at 2_000_000_000 s; expires_in counted from a moment a little later runs past it.
        let jwt = jwt_with_claims(r#"{"iat":1999999000,"exp":2000000000}"#);
        let now = 1_999_999_000_400.0;
        let late = object(with_token_at(0, Field::Text(jwt.clone())), [Field::Number(1000.0), Field::Absent], ABSENT2);
        assert_eq!(parse(late, now).unwrap().expires_at_ms, Some(2_000_000_000_000.0), "the JWT's exp is earlier");
        let early = object(with_token_at(0, Field::Text(jwt.clone())), [Field::Number(60.0), Field::Absent], ABSENT2);
        assert_eq!(parse(early, now).unwrap().expires_at_ms, Some(now + 60_000.0), "expires_in is earlier");
        assert_eq!(parse(TokenResultInput::Text(jwt), now).unwrap().expires_at_ms, Some(2_000_000_000_000.0));
    }

    #[test]
    fn giving_up_and_signing_out() {
        for input in [
            TokenResultInput::Nothing,
            TokenResultInput::Text(String::new()),
            object(with_token_at(0, Field::Null), ABSENT2, ABSENT2),
            object(with_token_at(2, Field::Text(String::new())), ABSENT2, ABSENT2),
            object(
                [Field::Absent, Field::Absent, Field::Absent, Field::Absent],
                [Field::Number(60.0), Field::Absent],
                ABSENT2,
            ),
        ] {
            let shown = format!("{input:?}");
            assert_eq!(parse(input, 0.0), Err(Reason::NoToken), "{shown}");
        }
        assert_eq!(parse(TokenResultInput::SignedOut, 0.0), Err(Reason::SignedOut));
    }

    #[test]
    fn wrong_types_and_bad_tokens_are_refused_with_a_reason() {
        assert_eq!(parse(TokenResultInput::WrongType, 0.0), Err(Reason::InvalidType));
        let numeric = object(with_token_at(0, Field::Number(42.0)), ABSENT2, ABSENT2);
        assert_eq!(parse(numeric, 0.0), Err(Reason::InvalidType));
        let injected = TokenResultInput::Text("a\r\nSet-Cookie: x=1".into());
        assert_eq!(parse(injected, 0.0), Err(Reason::InvalidToken));
    }

    #[test]
    fn bad_expiries_are_refused() {
        for bad in [
            Field::Number(-1.0),
            Field::Number(f64::NAN),
            Field::Number(f64::INFINITY),
            Field::Text("soon".into()),
            Field::Text("inf".into()),
            Field::Text("0x10".into()),
            Field::Text("1e999".into()),
            Field::Other,
        ] {
            let input = object(with_token_at(0, Field::Text("tok".into())), [bad.clone(), Field::Absent], ABSENT2);
            assert_eq!(parse(input, 0.0), Err(Reason::InvalidExpiry), "{bad:?}");
        }
    }

    #[test]
    fn numeric_strings_are_read_as_rust_would() {
        for (text, ok) in [
            ("3599", true),
            (" 60 ", true),
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
        ] {
            assert_eq!(
                is_decimal_literal(text.trim_ascii()),
                ok && text.trim_ascii().parse::<f64>().is_ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn huge_expiries_are_clamped_to_the_date_range() {
        let input = object(with_token_at(0, Field::Text("tok".into())), ABSENT2, [Field::Number(1e300), Field::Absent]);
        assert_eq!(parse(input, 0.0).unwrap().expires_at_ms, Some(MAX_TIME_MS));
    }
}
