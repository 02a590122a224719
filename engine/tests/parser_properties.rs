//! Property tests over the parsers: no input panics, tokens are exactly the header-safe texts,
//! refresh results only ever yield usable tokens and sane expiries, and `insufficient_scope` is
//! found wherever it is a parameter and nowhere else.
//! `PROPTEST_CASES=1000000 cargo test -p tokenfetch-engine --test parser_properties` runs the long version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use proptest::prelude::*;
use tokenfetch_engine::challenge::is_insufficient_scope;
use tokenfetch_engine::event::Reason;
use tokenfetch_engine::token::{Token, TokenError, MAX_TOKEN_LEN};
use tokenfetch_engine::token_result::{
    parse_token_result, Field, TokenResultInput, EXPIRES_AT_KEYS, EXPIRES_IN_KEYS, MAX_TIME_MS, TOKEN_KEYS,
};

fn parse(text: &str) -> Option<f64> {
    text.parse().ok()
}

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::Absent),
        Just(Field::Null),
        any::<String>().prop_map(Field::Text),
        "[ -~]{0,40}".prop_map(Field::Text),
        "[ ]?[-+]?[0-9]{0,6}(\\.[0-9]{0,3})?([eE][-+]?[0-9]{1,3})?[ ]?".prop_map(Field::Text),
        any::<f64>().prop_map(Field::Number),
        Just(Field::Other),
    ]
}

/// A result object holding `token`, `expires_in` and `expires_at` under the keys of the same-named
/// constants.
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

/// A refresh result to build (the engine's input reads an object lazily, so it is built in the
/// test from this plan).
#[derive(Debug, Clone)]
enum Plan {
    Nothing,
    SignedOut,
    WrongType,
    Text(String),
    Object([Field; 4], [Field; 2], [Field; 2]),
}

impl Plan {
    fn input(self) -> TokenResultInput {
        match self {
            Plan::Nothing => TokenResultInput::Nothing,
            Plan::SignedOut => TokenResultInput::SignedOut,
            Plan::WrongType => TokenResultInput::WrongType,
            Plan::Text(text) => TokenResultInput::Text(text),
            Plan::Object(token, expires_in, expires_at) => object(token, expires_in, expires_at),
        }
    }
}

fn token_result_input() -> impl Strategy<Value = Plan> {
    prop_oneof![
        Just(Plan::Nothing),
        Just(Plan::SignedOut),
        Just(Plan::WrongType),
        any::<String>().prop_map(Plan::Text),
        "[!-~]{1,64}".prop_map(Plan::Text),
        ([field(), field(), field(), field()], [field(), field()], [field(), field()])
            .prop_map(|(token, expires_in, expires_at)| Plan::Object(token, expires_in, expires_at)),
    ]
}

proptest! {
    #[test]
    fn token_parse_accepts_exactly_header_safe_text(text in prop_oneof![any::<String>(), "[ -~]{0,20}", "[!-~]{1,20}\r?\n?[!-~]{0,5}"]) {
        let header_safe = !text.is_empty() && text.len() <= MAX_TOKEN_LEN && text.bytes().all(|b| (0x21..=0x7e).contains(&b));
        match Token::parse(text.clone()) {
            Ok(token) => {
                prop_assert!(header_safe);
                prop_assert_eq!(token.as_str(), text.as_str());
            }
            Err(error) => {
                prop_assert!(!header_safe);
                // The reason matches the text, and the message never repeats it.
                let expected = if text.is_empty() { TokenError::Empty } else if text.len() > MAX_TOKEN_LEN { TokenError::TooLong } else { TokenError::InvalidCharacter };
                prop_assert_eq!(error, expected);
                prop_assert!(text.trim().len() < 4 || !error.message().contains(text.trim()), "{:?}", error.message());
            }
        }
    }

    #[test]
    fn token_results_never_panic_and_only_yield_usable_tokens(plan in token_result_input(), now in 0.0f64..4e12) {
        let signed_out = matches!(plan, Plan::SignedOut);
        match parse_token_result(plan.input(), now, parse) {
            Ok(new) => {
                prop_assert!(Token::parse(new.token.as_str().to_owned()).is_ok());
                if let Some(exp) = new.expires_at_ms {
                    prop_assert!(exp.is_finite() && exp <= MAX_TIME_MS);
                }
            }
            Err(reason) => {
                prop_assert!(matches!(reason, Reason::NoToken | Reason::InvalidType | Reason::InvalidToken | Reason::InvalidExpiry | Reason::SignedOut));
                prop_assert_eq!(reason == Reason::SignedOut, signed_out);
            }
        }
    }

    #[test]
    fn challenge_parsing_never_panics(header in any::<String>()) {
        let _ = is_insufficient_scope(&header);
    }

    #[test]
    fn insufficient_scope_is_found_among_other_parameters(
        scheme in "(Bearer|DPoP|Basic realm=\"x\", Bearer)",
        before in "[a-z_]{1,8}=\"[a-z ,=]{0,8}\"",
        after in "[a-z_]{1,8}=[a-z]{1,8}",
        name in "(error|ERROR|Error)",
        space in "( ?= ?)",
        quoted in any::<bool>(),
    ) {
        let value = if quoted { "\"insufficient_scope\"" } else { "insufficient_scope" };
        let header = format!("{scheme} {before}, {name}{space}{value}, {after}");
        prop_assert!(is_insufficient_scope(&header), "{}", header);
        // The same phrase inside another parameter's quoted value is not a challenge.
        let hidden = format!("{scheme} {before}, error_description=\"{name}{space}insufficient_scope\", {after}");
        prop_assert!(!is_insufficient_scope(&hidden), "{}", hidden);
    }
}
