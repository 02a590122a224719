//! The names JS sees are spelled twice: in the engine (what the client emits) and in
//! `src/js/types.d.ts` (what TypeScript users are told). This native test holds them together:
//! event types, refresh triggers, failure reasons and retry causes, in the same order.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::panic, clippy::indexing_slicing)]

use tokenfetch::engine::event::Cause;
use tokenfetch::{Event, Reason, Trigger};

const TYPES: &str = include_str!("../src/js/types.d.ts");

/// The string literals of `export type <name> = "a" | "b" ...;`, in order.
fn union_of(name: &str) -> Vec<&'static str> {
    let start = format!("export type {name} =");
    let Some(at) = TYPES.find(&start) else {
        panic!("types.d.ts has no `{start}`");
    };
    let rest = &TYPES[at + start.len()..];
    let Some(end) = rest.find(';') else {
        panic!("`{start}` has no closing `;`");
    };
    literals(&rest[..end], "")
}

/// Every `"…"` literal in `text` that directly follows `prefix`.
fn literals(text: &'static str, prefix: &str) -> Vec<&'static str> {
    let marker = format!("{prefix}\"");
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(&marker) {
        let after = &rest[at + marker.len()..];
        let Some(close) = after.find('"') else { break };
        found.push(&after[..close]);
        rest = &after[close + 1..];
    }
    found
}

#[test]
fn refresh_failure_reasons_match_the_engine() {
    let rust: Vec<_> = Reason::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(union_of("RefreshFailureReason"), rust);
}

#[test]
fn refresh_triggers_match_the_engine() {
    let rust: Vec<_> = Trigger::ALL.iter().map(|t| t.name()).collect();
    assert_eq!(union_of("RefreshTrigger"), rust);
}

#[test]
fn retry_causes_match_the_engine() {
    let rust: Vec<_> = Cause::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(union_of("RetryCause"), rust);
}

#[test]
fn event_types_match_the_engine() {
    let Some(at) = TYPES.find("export type AuthEvent =") else {
        panic!("types.d.ts has no AuthEvent");
    };
    let Some(end) = TYPES[at..].find(";\n") else {
        panic!("AuthEvent has no closing `;`");
    };
    let declared = literals(&TYPES[at..at + end], "type: ");
    assert_eq!(declared, Event::NAMES);
    let one_of_each = [
        Event::TokenSet { expires_at_ms: None },
        Event::RefreshStart { trigger: Trigger::Manual },
        Event::Refreshed { expires_at_ms: None, from_tab: false },
        Event::RefreshFailed { reason: Reason::Timeout, status: None },
        Event::Retry { status: 401, cause: Cause::Token },
        Event::Cleared,
        Event::DpopKey { stored: true },
    ];
    let emitted: Vec<_> = one_of_each.iter().map(Event::name).collect();
    assert_eq!(emitted, declared, "what each event is called when it is emitted");
}

#[test]
fn the_reader_finds_what_it_is_asked_for() {
    // The helpers above must not pass by finding nothing.
    assert!(union_of("RefreshTrigger").contains(&"manual"));
    assert_eq!(literals(r#"{ type: "a"; x: "b" } | { type: "c" }"#, "type: "), ["a", "c"]);
}
