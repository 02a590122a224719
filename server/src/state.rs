//! Shared server state: the signing key, the namespaces and the login sessions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use crate::namespace::Namespace;
use crate::sessions::{Policy, Redemption, Sessions};
use crate::tokens::TokenKeys;

/// Everything the handlers share; cheap to clone.
///
/// Namespaces and sessions have a lock each; no method holds both, so they cannot deadlock.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    keys: TokenKeys,
    default_ttl: i64,
    namespaces: Mutex<HashMap<String, Namespace>>,
    sessions: Mutex<Sessions>,
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
                sessions: Mutex::new(Sessions::default()),
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

    /// Forgets everything about `ns`: counters, faults and generation (sessions stay).
    pub fn reset_ns(&self, ns: &str) {
        lock(&self.inner.namespaces).remove(ns);
    }

    /// Opens a session of `ns` whose first refresh token is `refresh_token`, bound to the DPoP
    /// key `jkt` if given.
    pub fn open_session(&self, ns: &str, policy: Policy, refresh_token: String, jkt: Option<String>) {
        lock(&self.inner.sessions).open(ns, policy, refresh_token, jkt);
    }

    /// The namespace of the session `refresh_token` belongs to.
    pub fn session_ns(&self, refresh_token: &str) -> Option<String> {
        lock(&self.inner.sessions).ns_of(refresh_token).map(str::to_owned)
    }

    /// The DPoP key the session of `refresh_token` is bound to.
    pub fn session_jkt(&self, refresh_token: &str) -> Option<String> {
        lock(&self.inner.sessions).jkt_of(refresh_token).map(str::to_owned)
    }

    /// See [`Sessions::redeem`].
    pub fn redeem(&self, presented: &str, successor: String, now: Instant) -> Redemption {
        lock(&self.inner.sessions).redeem(presented, successor, now)
    }

    /// See [`Sessions::end`].
    pub fn end_session(&self, refresh_token: &str) -> bool {
        lock(&self.inner.sessions).end(refresh_token)
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
        assert_eq!(state.with_ns("a", |n| n.stats(now)), Namespace::default().stats(now));
    }
}
