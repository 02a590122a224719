//! Property tests over the parsers: no input panics, tokens are exactly the header-safe texts,
//! refresh results only ever yield usable tokens and sane expiries, and `insufficient_scope` is
//! found wherever it is a parameter and nowhere else.
//! `PROPTEST_CASES=1000000 cargo test -p tokenfetch-engine --test parser_properties` runs the long version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use proptest::prelude::*;
use tokenfetch_engine::challenge::is_insufficient_scope;
use tokenfetch_engine::event::Reason;
use tokenfetch_engine::token::{Token, TokenError, MAX_TOKEN_LEN};
use tokenfetch_engine::token_result::{accept, TokenResult, MAX_TIME_MS};

mod support;

fn seconds() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![Just(None), any::<f64>().prop_map(Some), (0.0f64..1e7).prop_map(Some)]
}

fn token_result() -> impl Strategy<Value = TokenResult> {
    let token = prop_oneof![any::<String>(), "[!-~]{1,64}", Just(String::new())];
    let token_type =
        proptest::option::of(prop_oneof![Just("Bearer".to_owned()), Just("DPoP".to_owned()), any::<String>()]);
    prop_oneof![
        Just(TokenResult::GiveUp),
        Just(TokenResult::SignedOut),
        (token, seconds(), seconds(), token_type).prop_map(|(token, expires_in, expires_at, token_type)| {
            TokenResult::Token { token, expires_in, expires_at, token_type }
        }),
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
    fn token_results_never_panic_and_only_yield_usable_tokens(result in token_result(), now in 0.0f64..4e12) {
        let signed_out = matches!(result, TokenResult::SignedOut);
        match accept(result, now, support::read_claims) {
            Ok(new) => {
                prop_assert!(Token::parse(new.token.as_str().to_owned()).is_ok());
                if let Some(exp) = new.expires_at_ms {
                    prop_assert!(exp.is_finite() && exp <= MAX_TIME_MS);
                }
            }
            Err(reason) => {
                prop_assert!(matches!(reason, Reason::NoToken | Reason::InvalidToken | Reason::InvalidExpiry | Reason::SignedOut));
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
