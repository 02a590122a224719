//! Helpers shared by the engine's integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use tokenfetch_engine::event::Event;
use tokenfetch_engine::options::Settings;
use tokenfetch_engine::token::Token;
use tokenfetch_engine::token_result::TokenResult;
use tokenfetch_engine::{Config, Engine, Output};

mod host;
pub use host::{b64, read_claims};

/// An unsigned JWT issued at `iat_ms` and expiring at `exp_ms` (whole seconds), with a marker so
/// two tokens with the same times differ.
pub fn jwt(iat_ms: f64, exp_ms: f64, marker: u32) -> String {
    let claims = format!(r#"{{"iat":{},"exp":{},"n":{marker}}}"#, (iat_ms / 1000.0) as i64, (exp_ms / 1000.0) as i64);
    format!("{}.{}.c2ln", b64(br#"{"alg":"HS256"}"#), b64(claims.as_bytes()))
}

/// An unsigned JWT with only `exp` (no `iat`).
pub fn jwt_exp_only(exp_ms: f64) -> String {
    let claims = format!(r#"{{"exp":{}}}"#, (exp_ms / 1000.0) as i64);
    format!("{}.{}.c2ln", b64(br#"{"alg":"HS256"}"#), b64(claims.as_bytes()))
}

pub fn token(text: &str) -> Token {
    Token::parse(text.to_owned()).unwrap()
}

pub fn jwt_token(iat_ms: f64, exp_ms: f64, marker: u32) -> Token {
    token(&jwt(iat_ms, exp_ms, marker))
}

pub fn answer(text: &str) -> Result<TokenResult, tokenfetch_engine::Failure> {
    Ok(TokenResult::from(text))
}

pub fn config(ahead_s: f64) -> Config {
    Config {
        settings: Settings { refresh_ahead_ms: ahead_s * 1000.0, ..Settings::default() },
        has_source: true,
        allowed_origins: vec!["https://api.example".to_owned()],
        share_across_tabs: false,
        read_claims,
        dpop: false,
    }
}

pub fn engine(config: Config, initial: Option<Token>, now: f64) -> Engine {
    Engine::new(config, initial, 42, now)
}

/// Everything the engine has queued.
pub fn drain(engine: &mut Engine) -> Vec<Output> {
    std::iter::from_fn(|| engine.poll()).collect()
}

/// The events among `outputs`.
pub fn events(outputs: &[Output]) -> Vec<Event> {
    outputs.iter().filter_map(|o| if let Output::Event(e) = o { Some(*e) } else { None }).collect()
}

/// The events' names, comma-separated.
pub fn names(outputs: &[Output]) -> String {
    events(outputs).iter().map(Event::name).collect::<Vec<_>>().join(",")
}
