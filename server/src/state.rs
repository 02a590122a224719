//! Shared server state: signing keys, sessions and per-namespace counters and faults.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::chaos::{Chaos, Decision, TokenFault};
use crate::tokens::TokenKeys;

/// Counters, revocation generation and injected faults of one namespace.
#[derive(Debug, Default)]
pub struct Namespace {
    pub generation: u64,
    pub tokens_issued: u64,
    pub refresh_calls: u64,
    pub requests: u64,
    pub authorized: u64,
    pub unauthorized: u64,
    pub scope_requests: u64,
    pub open_requests: u64,
    pub open_with_authorization: u64,
    /// Sends seen per `X-Request-Id`.
    pub request_ids: HashMap<String, u64>,
    /// Highest value in `request_ids` (kept up to date so that stats stay O(1)).
    pub max_sends_per_request_id: u64,
    /// Calls of `POST /auth/token`, whatever the answer.
    pub token_calls: u64,
    /// Protected requests answered 401 by chaos although their token was valid.
    pub chaos_401: u64,
    /// Protected requests answered 500 by chaos.
    pub chaos_500: u64,
    /// Protected requests whose connection chaos cut.
    pub chaos_dropped: u64,
    /// Chaos mode (`POST /control/chaos`), possibly expired.
    pub chaos: Option<Chaos>,
    /// `/auth/refresh` answers 503 until then.
    pub refresh_fail_until: Option<Instant>,
    /// Extra delay on every protected route.
    pub delay: Duration,
}

impl Namespace {
    pub fn refresh_failing(&self, now: Instant) -> bool {
        self.refresh_fail_until.is_some_and(|until| now < until)
    }

    pub fn count_request_id(&mut self, id: Option<&str>) {
        if let Some(id) = id {
            let sends = match self.request_ids.get_mut(id) {
                Some(sends) => sends,
                None => self.request_ids.entry(id.to_owned()).or_insert(0),
            };
            *sends += 1;
            self.max_sends_per_request_id = self.max_sends_per_request_id.max(*sends);
        }
    }

    /// Chaos mode, if on at `now` (an expired one is forgotten).
    pub fn active_chaos(&mut self, now: Instant) -> Option<&mut Chaos> {
        if self.chaos.as_ref().is_some_and(|c| !c.active(now)) {
            self.chaos = None;
        }
        self.chaos.as_mut()
    }

    /// The chaos decision for a protected request arriving at `now`, if chaos is on.
    pub fn chaos_decision(&mut self, now: Instant) -> Option<Decision> {
        self.active_chaos(now).map(Chaos::decide)
    }

    /// The chaos fate of a token call arriving at `now`.
    pub fn chaos_token_fault(&mut self, now: Instant) -> TokenFault {
        self.active_chaos(now)
            .map_or(TokenFault::None, Chaos::token_fault)
    }

    pub fn stats(&self, now: Instant) -> Stats {
        Stats {
            tokens_issued: self.tokens_issued,
            refresh_calls: self.refresh_calls,
            requests: self.requests,
            authorized: self.authorized,
            unauthorized: self.unauthorized,
            scope_requests: self.scope_requests,
            open_requests: self.open_requests,
            open_with_authorization: self.open_with_authorization,
            generation: self.generation,
            max_sends_per_request_id: self.max_sends_per_request_id,
            distinct_request_ids: self.request_ids.len() as u64,
            token_calls: self.token_calls,
            chaos_401: self.chaos_401,
            chaos_500: self.chaos_500,
            chaos_dropped: self.chaos_dropped,
            chaos_active: self.chaos.as_ref().is_some_and(|c| c.active(now)),
        }
    }
}

/// Body of `GET /control/stats`.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub tokens_issued: u64,
    pub refresh_calls: u64,
    pub requests: u64,
    pub authorized: u64,
    pub unauthorized: u64,
    pub scope_requests: u64,
    pub open_requests: u64,
    pub open_with_authorization: u64,
    pub generation: u64,
    pub max_sends_per_request_id: u64,
    pub distinct_request_ids: u64,
    pub token_calls: u64,
    #[serde(rename = "chaos401")]
    pub chaos_401: u64,
    #[serde(rename = "chaos500")]
    pub chaos_500: u64,
    pub chaos_dropped: u64,
    pub chaos_active: bool,
}

/// A login session, found through the `tf_session` cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub ns: String,
    pub ttl: i64,
}

/// Everything the handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    keys: TokenKeys,
    default_ttl: i64,
    namespaces: Mutex<HashMap<String, Namespace>>,
    sessions: Mutex<HashMap<String, Session>>,
}

/// Locks without ever panicking: a poisoned lock still holds usable counters.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl AppState {
    pub fn new(keys: TokenKeys, default_ttl: i64) -> Self {
        Self {
            inner: Arc::new(Inner {
                keys,
                default_ttl,
                namespaces: Mutex::new(HashMap::new()),
                sessions: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn keys(&self) -> &TokenKeys {
        &self.inner.keys
    }

    pub fn default_ttl(&self) -> i64 {
        self.inner.default_ttl
    }

    /// Runs `f` on the namespace `ns` (created on first use). Never hold it across an await.
    pub fn with_ns<R>(&self, ns: &str, f: impl FnOnce(&mut Namespace) -> R) -> R {
        let mut map = lock(&self.inner.namespaces);
        match map.get_mut(ns) {
            Some(entry) => f(entry),
            None => f(map.entry(ns.to_owned()).or_default()),
        }
    }

    /// Forgets everything about `ns`: counters, faults and generation.
    pub fn reset_ns(&self, ns: &str) {
        lock(&self.inner.namespaces).remove(ns);
    }

    pub fn insert_session(&self, id: String, session: Session) {
        lock(&self.inner.sessions).insert(id, session);
    }

    pub fn session(&self, id: &str) -> Option<Session> {
        lock(&self.inner.sessions).get(id).cloned()
    }

    pub fn remove_session(&self, id: &str) -> Option<Session> {
        lock(&self.inner.sessions).remove(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_isolated_and_resettable() {
        let state = AppState::new(TokenKeys::from_secret(b"k"), 20);
        state.with_ns("a", |n| {
            n.generation += 1;
            n.count_request_id(Some("r1"));
            n.count_request_id(Some("r1"));
            n.count_request_id(Some("r2"));
            n.count_request_id(None);
        });
        let now = Instant::now();
        let a = state.with_ns("a", |n| n.stats(now));
        assert_eq!(a.generation, 1);
        assert_eq!(a.max_sends_per_request_id, 2);
        assert_eq!(a.distinct_request_ids, 2);
        assert_eq!(state.with_ns("b", |n| n.stats(now).generation), 0);
        state.reset_ns("a");
        assert_eq!(
            state.with_ns("a", |n| n.stats(now)),
            Namespace::default().stats(now)
        );
    }

    #[test]
    fn refresh_fault_expires() {
        let now = Instant::now();
        let ns = Namespace {
            refresh_fail_until: Some(now + Duration::from_secs(1)),
            ..Namespace::default()
        };
        assert!(ns.refresh_failing(now));
        assert!(!ns.refresh_failing(now + Duration::from_secs(1)));
        assert!(!Namespace::default().refresh_failing(now));
    }
}
