//! One namespace's counters, revocation generation, injected faults, clock and DPoP mode, and the
//! stats body.
//!
//! Tests pick a fresh namespace (`?ns=`) each, so that their counters and faults never mix.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::chaos::{Chaos, Decision, TokenFault};
use crate::clock::Clock;
use crate::dpop::{self, Dpop};

/// Counters, revocation generation and injected faults of one namespace.
#[derive(Debug, Default)]
pub struct Namespace {
    pub generation: u64,
    pub tokens_issued: u64,
    /// Calls of a refresh endpoint (`/auth/refresh`, refresh grants at `/oauth/token`).
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
    /// Logins (`/auth/login`, `/oauth/login`).
    pub sessions_opened: u64,
    /// Refresh grants that spent a refresh token and handed out its successor.
    pub rotations: u64,
    /// Spent refresh tokens accepted again within their session's reuse interval.
    pub reuse_tolerated: u64,
    /// Spent refresh tokens presented again (outside the reuse interval).
    pub reuse_detected: u64,
    /// Sessions revoked because of a reuse.
    pub sessions_revoked: u64,
    /// Refresh grants refused with `invalid_grant` (reuse, revoked session, unknown token).
    pub invalid_grants: u64,
    /// Scheme of the `Authorization` header of the last protected request (`None`: it had none).
    pub last_auth_scheme: Option<String>,
    /// Protected requests per `Authorization` scheme, as sent.
    pub auth_schemes: BTreeMap<String, u64>,
    /// Chaos mode (`POST /control/chaos`), possibly expired.
    pub chaos: Option<Chaos>,
    /// Refresh endpoints answer 503 until then.
    pub refresh_fail_until: Option<Instant>,
    /// Extra delay on every protected route.
    pub delay: Duration,
    /// The namespace's clock (`POST /control/clock`).
    pub clock: Clock,
    /// DPoP mode, nonces and what its checks saw.
    pub dpop: Dpop,
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

    /// Notes the `Authorization` scheme of a protected request (`None`: no header).
    pub fn see_auth_scheme(&mut self, scheme: Option<&str>) {
        if let Some(scheme) = scheme {
            match self.auth_schemes.get_mut(scheme) {
                Some(n) => *n += 1,
                None => {
                    self.auth_schemes.insert(scheme.to_owned(), 1);
                }
            }
        }
        self.last_auth_scheme = scheme.map(str::to_owned);
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
        self.active_chaos(now).map_or(TokenFault::None, Chaos::token_fault)
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
            sessions_opened: self.sessions_opened,
            rotations: self.rotations,
            reuse_tolerated: self.reuse_tolerated,
            reuse_detected: self.reuse_detected,
            sessions_revoked: self.sessions_revoked,
            invalid_grants: self.invalid_grants,
            last_auth_scheme: self.last_auth_scheme.clone(),
            auth_schemes: self.auth_schemes.clone(),
            dpop: self.dpop.counts(),
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
    pub sessions_opened: u64,
    pub rotations: u64,
    pub reuse_tolerated: u64,
    pub reuse_detected: u64,
    pub sessions_revoked: u64,
    pub invalid_grants: u64,
    pub last_auth_scheme: Option<String>,
    pub auth_schemes: BTreeMap<String, u64>,
    pub dpop: dpop::Counts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_fault_expires() {
        let now = Instant::now();
        let ns = Namespace { refresh_fail_until: Some(now + Duration::from_secs(1)), ..Namespace::default() };
        assert!(ns.refresh_failing(now));
        assert!(!ns.refresh_failing(now + Duration::from_secs(1)));
        assert!(!Namespace::default().refresh_failing(now));
    }

    #[test]
    fn auth_schemes_are_counted_and_the_last_kept() {
        let mut ns = Namespace::default();
        ns.see_auth_scheme(Some("Token"));
        ns.see_auth_scheme(Some("Bearer"));
        ns.see_auth_scheme(Some("Token"));
        let stats = ns.stats(Instant::now());
        assert_eq!(stats.last_auth_scheme.as_deref(), Some("Token"));
        assert_eq!(stats.auth_schemes, BTreeMap::from([("Bearer".to_owned(), 1), ("Token".to_owned(), 2)]));
        ns.see_auth_scheme(None);
        assert_eq!(ns.stats(Instant::now()).last_auth_scheme, None);
    }
}
