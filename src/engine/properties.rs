//! Property tests over the parsers and the retry policy: no input panics, and no interleaving
//! of other callers' refreshes gives one call more than one refresh or one retry.
//! `PROPTEST_CASES=1000000 cargo test --lib properties` runs the long version.

use proptest::prelude::*;

use crate::engine::call::{After, Before, Call, Policy};
use crate::engine::challenge::is_insufficient_scope;
use crate::engine::decimal::parse_f64;
use crate::engine::state::{Begin, Origin, TokenState};
use crate::engine::test_support::jwt_with_claims;
use crate::engine::token::{jwt_times, Token, TokenError, MAX_TOKEN_LEN};
use crate::engine::token_result::{parse_token_result, Field, NewToken, TokenResultInput, MAX_TIME_MS};

fn field() -> impl Strategy<Value = Field> {
    prop_oneof![
        Just(Field::Absent),
        Just(Field::Null),
        any::<String>().prop_map(Field::Text),
        "[ -~]{0,40}".prop_map(Field::Text),
        any::<f64>().prop_map(Field::Number),
        Just(Field::Other),
    ]
}

fn token_result_input() -> impl Strategy<Value = TokenResultInput> {
    prop_oneof![
        Just(TokenResultInput::Nothing),
        Just(TokenResultInput::WrongType),
        any::<String>().prop_map(TokenResultInput::Text),
        "[!-~]{1,64}".prop_map(TokenResultInput::Text),
        (
            [field(), field(), field(), field()],
            [field(), field()],
            [field(), field()],
        )
            .prop_map(|(token, expires_in, expires_at)| TokenResultInput::Object { token, expires_in, expires_at }),
    ]
}

/// JSON values of every type for a claim.
fn claim_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n:e}")),
        any::<u64>().prop_map(|n| n.to_string()),
        "[a-z0-9]{0,8}".prop_map(|s| format!("\"{s}\"")),
        Just("null".to_owned()),
        Just("[1,2]".to_owned()),
        Just("{\"a\":1}".to_owned()),
        Just("true".to_owned()),
        Just("1e300".to_owned()),
        Just("-1".to_owned()),
    ]
}

proptest! {
    #[test]
    fn decimal_parse_agrees_with_std(text in prop_oneof![
        "[-+]?[0-9]{0,25}(\\.[0-9]{0,25})?([eE][-+]?[0-9]{1,4})?",
        "[-+0-9.eE]{0,12}",
        any::<f64>().prop_map(|n| format!("{n:e}")),
        any::<f64>().prop_map(|n| n.to_string()),
    ]) {
        let word = ["inf", "infinity", "nan"].contains(&text.trim_start_matches(['+', '-']).to_ascii_lowercase().as_str());
        let expected = if word { None } else { text.parse::<f64>().ok() };
        prop_assert_eq!(parse_f64(&text).map(f64::to_bits), expected.map(f64::to_bits), "{:?}", text);
    }

    #[test]
    fn token_parse_accepts_exactly_header_safe_text(text in any::<String>()) {
        let expected_ok = !text.is_empty() && text.len() <= MAX_TOKEN_LEN && text.bytes().all(|b| (0x21..=0x7e).contains(&b));
        match Token::parse(text.clone()) {
            Ok(token) => {
                prop_assert!(expected_ok);
                prop_assert_eq!(token.as_str(), text.as_str());
            }
            Err(error) => {
                prop_assert!(!expected_ok);
                prop_assert!(!error.message().contains(text.as_str()) || text.is_empty() || text.len() < 4);
                prop_assert!(error != TokenError::Empty || text.is_empty());
            }
        }
    }

    #[test]
    fn token_results_never_panic_and_only_yield_usable_tokens(input in token_result_input(), now in 0.0f64..4e12) {
        if let Ok(new) = parse_token_result(input, now) {
            prop_assert!(new.token.as_str().bytes().all(|b| (0x21..=0x7e).contains(&b)));
            if let Some(exp) = new.expires_at_ms {
                prop_assert!(exp.is_finite() && exp <= MAX_TIME_MS);
            }
        }
    }

    #[test]
    fn jwt_times_never_panic_on_any_text(text in any::<String>()) {
        let _ = jwt_times(&text);
    }

    #[test]
    fn jwt_times_never_panic_on_any_claims(exp in claim_value(), iat in claim_value(), junk in any::<String>()) {
        let claims = format!(r#"{{"exp":{exp},"iat":{iat},"x":{junk:?}}}"#);
        let times = jwt_times(&jwt_with_claims(&claims));
        if let Some(ms) = times.expires_at_ms {
            prop_assert!(ms.is_finite());
        }
        let _ = jwt_times(&jwt_with_claims(&junk));
    }

    #[test]
    fn whole_second_exp_is_read_exactly(exp in 0i64..=253_402_300_799) {
        let times = jwt_times(&jwt_with_claims(&format!(r#"{{"exp":{exp}}}"#)));
        prop_assert_eq!(times.expires_at_ms, Some(exp as f64 * 1000.0));
    }

    #[test]
    fn challenge_parsing_never_panics(header in any::<String>()) {
        let _ = is_insufficient_scope(&header);
    }

    #[test]
    fn insufficient_scope_is_found_among_other_parameters(
        before in "[a-z_]{1,8}=\"[a-z ]{0,8}\"",
        after in "[a-z_]{1,8}=[a-z]{1,8}",
    ) {
        let header = format!("Bearer {before}, error=\"insufficient_scope\", {after}");
        prop_assert!(is_insufficient_scope(&header));
    }

    /// One call against arbitrary interleavings of other callers' refreshes, token changes and
    /// responses: it refreshes at most once and retries at most once, and the loop ends.
    #[test]
    fn a_call_refreshes_at_most_once_and_retries_at_most_once(
        steps in proptest::collection::vec(0u8..6, 0..12),
        statuses in proptest::collection::vec(any::<bool>(), 1..4),
        expiring in any::<bool>(),
        succeed in any::<bool>(),
    ) {
        let policy = Policy { refresh_ahead_ms: 60_000.0, has_source: true };
        let mut state = TokenState::default();
        let exp = if expiring { Some(30_000.0) } else { None };
        state.install(NewToken { token: Token::parse("t".to_owned()).unwrap(), expires_at_ms: exp, issued_at_ms: None }, Origin::Set);
        let mut steps = steps.into_iter();
        let mut interfere = |state: &mut TokenState| {
            match steps.next() {
                Some(0) => { if let Begin::Start(id) = state.begin_refresh() { state.finish_refresh(id, false, 0.0); } }
                Some(1) => {
                    if let Begin::Start(id) = state.begin_refresh() {
                        state.install(NewToken { token: Token::parse("u".to_owned()).unwrap(), expires_at_ms: None, issued_at_ms: None }, Origin::Refresh);
                        state.finish_refresh(id, true, 0.0);
                    }
                }
                Some(2) => state.clear(),
                Some(3) => { state.begin_refresh(); }
                _ => {}
            }
        };
        let mut call = Call::default();
        let (mut refreshes, mut retries, mut rounds) = (0, 0, 0);
        loop {
            rounds += 1;
            prop_assert!(rounds < 10, "before_send loops");
            interfere(&mut state);
            match call.before_send(&state, &policy, 0.0) {
                Before::Send => break,
                Before::AwaitRefresh => { call.awaited_refresh(); }
                Before::RefreshFirst => { refreshes += 1; call.refreshed(); run_refresh(&mut state, succeed); }
            }
        }
        call.sent(&state);
        for &unauthorized in &statuses {
            interfere(&mut state);
            let decision = call.after_response(&state, &policy, unauthorized);
            let retry = match decision {
                After::Deliver => false,
                After::RetryNow => true,
                After::RefreshThenRetry => {
                    refreshes += 1;
                    call.refreshed();
                    interfere(&mut state);
                    run_refresh(&mut state, succeed);
                    call.after_refresh(&state) == After::RetryNow
                }
            };
            if !retry { break; }
            retries += 1;
            call.retried();
            call.sent(&state);
        }
        prop_assert!(refreshes <= 1, "refreshed {} times", refreshes);
        prop_assert!(retries <= 1, "retried {} times", retries);
    }
}

/// Runs (or, if one is running, ends) a refresh that succeeds or fails.
fn run_refresh(state: &mut TokenState, succeed: bool) {
    let id = match state.begin_refresh() {
        Begin::Start(id) | Begin::Join(id) => id,
    };
    if succeed {
        state.install(NewToken { token: Token::parse("v".to_owned()).unwrap(), expires_at_ms: None, issued_at_ms: None }, Origin::Refresh);
    }
    state.finish_refresh(id, succeed, 0.0);
}
