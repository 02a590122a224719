//! Login sessions with refresh-token rotation and reuse detection, the way OpenID providers do
//! it (Auth0, Okta and Keycloak call it "refresh token rotation"): every refresh grant spends the
//! refresh token it was given and hands out a successor. A spent token that comes back means two
//! parties hold it (one of them could be a thief), so the whole session is revoked: every
//! refresh token of its family stops working.
//!
//! A session may tolerate reuse for a short `reuse_interval` after a token was spent (Auth0's
//! "reuse interval", Okta's "grace period"), for clients that race or lose an answer: the late
//! caller then gets the session's current refresh token again, and nothing is revoked.
//!
//! A session opened with a DPoP key (RFC 9449 §5) is bound to it for life: its refresh grants
//! must be proven with that key.
//!
//! Sans-IO: callers pass the time and the fresh random successor; nothing here sleeps, reads a
//! clock or speaks HTTP.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How a session's tokens behave, fixed at login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Lifetime in seconds of the access tokens its grants mint (any value; see `tokens`).
    pub ttl: i64,
    /// How long after being spent a refresh token may come back without revoking the session.
    pub reuse_interval: Duration,
}

#[derive(Debug)]
struct Session {
    ns: String,
    policy: Policy,
    /// The one refresh token of the family that has not been spent.
    current: String,
    revoked: bool,
    /// Thumbprint of the DPoP key the session is bound to.
    jkt: Option<String>,
}

/// Every refresh token handed out: its session and when it was spent.
#[derive(Debug)]
struct Issued {
    session: u64,
    spent_at: Option<Instant>,
}

/// A successful refresh grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub ns: String,
    pub policy: Policy,
    /// The refresh token to hand out with the new access token.
    pub refresh_token: String,
}

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Redemption {
    /// The token was current: it is spent now and `refresh_token` is its successor.
    Rotated(Grant),
    /// The token was spent less than the reuse interval ago: the session's current refresh token
    /// again, nothing spent or revoked.
    Tolerated(Grant),
    /// The token was spent before: reuse. `revoked_now` is true when this revoked the session
    /// (false when an earlier reuse already had).
    Reused { ns: String, revoked_now: bool },
    /// A token that was never spent, of a session revoked after an earlier reuse.
    Revoked { ns: String },
    /// Not a refresh token of a known session (never issued, or its session logged out).
    Unknown,
}

/// All sessions and the refresh tokens they have handed out.
#[derive(Debug, Default)]
pub struct Sessions {
    sessions: HashMap<u64, Session>,
    tokens: HashMap<String, Issued>,
    next_id: u64,
}

impl Sessions {
    /// Opens a session of `ns` whose first refresh token is `refresh_token` (a fresh random
    /// value from the caller).
    pub fn open(&mut self, ns: &str, policy: Policy, refresh_token: String, jkt: Option<String>) {
        let id = self.next_id;
        self.next_id += 1;
        self.tokens.insert(refresh_token.clone(), Issued { session: id, spent_at: None });
        let session = Session { ns: ns.to_owned(), policy, current: refresh_token, revoked: false, jkt };
        self.sessions.insert(id, session);
    }

    fn session_of(&self, refresh_token: &str) -> Option<&Session> {
        let issued = self.tokens.get(refresh_token)?;
        self.sessions.get(&issued.session)
    }

    /// The namespace of the session `refresh_token` belongs to, if any (revoked ones too).
    pub fn ns_of(&self, refresh_token: &str) -> Option<&str> {
        self.session_of(refresh_token).map(|s| s.ns.as_str())
    }

    /// The DPoP key the session of `refresh_token` is bound to, if it is.
    pub fn jkt_of(&self, refresh_token: &str) -> Option<&str> {
        self.session_of(refresh_token).and_then(|s| s.jkt.as_deref())
    }

    /// Redeems `presented` at `now`; `successor` becomes the session's next refresh token if the
    /// presented one was current (it is dropped otherwise).
    pub fn redeem(&mut self, presented: &str, successor: String, now: Instant) -> Redemption {
        let Some(issued) = self.tokens.get_mut(presented) else {
            return Redemption::Unknown;
        };
        let Some(session) = self.sessions.get_mut(&issued.session) else {
            return Redemption::Unknown;
        };
        let grant = |session: &Session, refresh_token: String| Grant {
            ns: session.ns.clone(),
            policy: session.policy,
            refresh_token,
        };
        match issued.spent_at {
            Some(spent_at) if !session.revoked && now < spent_at + session.policy.reuse_interval => {
                Redemption::Tolerated(grant(session, session.current.clone()))
            }
            Some(_) => {
                let revoked_now = !session.revoked;
                session.revoked = true;
                Redemption::Reused { ns: session.ns.clone(), revoked_now }
            }
            None if session.revoked => Redemption::Revoked { ns: session.ns.clone() },
            None => {
                issued.spent_at = Some(now);
                let id = issued.session;
                session.current = successor.clone();
                let granted = grant(session, successor.clone());
                self.tokens.insert(successor, Issued { session: id, spent_at: None });
                Redemption::Rotated(granted)
            }
        }
    }

    /// Ends (logs out) the session `refresh_token` belongs to, spent or not, and forgets all its
    /// tokens. True if there was one.
    pub fn end(&mut self, refresh_token: &str) -> bool {
        let Some(id) = self.tokens.get(refresh_token).map(|i| i.session) else {
            return false;
        };
        self.tokens.retain(|_, issued| issued.session != id);
        self.sessions.remove(&id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Policy = Policy { ttl: 20, reuse_interval: Duration::ZERO };

    fn rotated(r: Redemption) -> String {
        match r {
            Redemption::Rotated(grant) => grant.refresh_token,
            other => panic!("expected a rotation, got {other:?}"),
        }
    }

    #[test]
    fn each_grant_spends_the_token_and_hands_out_its_successor() {
        let mut s = Sessions::default();
        let t = Instant::now();
        s.open("a", STRICT, "r0".into(), None);
        assert_eq!(s.ns_of("r0"), Some("a"));
        let r1 = rotated(s.redeem("r0", "r1".into(), t));
        assert_eq!(r1, "r1");
        assert_eq!(rotated(s.redeem("r1", "r2".into(), t)), "r2");
        assert_eq!(s.redeem("nope", "x".into(), t), Redemption::Unknown);
        // Granted with the session's policy and namespace.
        match s.redeem("r2", "r3".into(), t) {
            Redemption::Rotated(grant) => {
                assert_eq!((grant.ns.as_str(), grant.policy), ("a", STRICT))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reuse_revokes_the_whole_family() {
        let mut s = Sessions::default();
        let t = Instant::now();
        s.open("a", STRICT, "r0".into(), None);
        s.open("b", STRICT, "other".into(), None);
        rotated(s.redeem("r0", "r1".into(), t));
        // r0 again: reuse. The session dies, its current token r1 with it.
        assert_eq!(s.redeem("r0", "x".into(), t), Redemption::Reused { ns: "a".into(), revoked_now: true });
        assert_eq!(s.redeem("r1", "y".into(), t), Redemption::Revoked { ns: "a".into() });
        assert_eq!(s.redeem("r0", "z".into(), t), Redemption::Reused { ns: "a".into(), revoked_now: false });
        // The successors offered to refused redemptions were never issued.
        for never in ["x", "y", "z"] {
            assert_eq!(s.redeem(never, "w".into(), t), Redemption::Unknown);
        }
        // Other sessions are untouched.
        assert_eq!(rotated(s.redeem("other", "o1".into(), t)), "o1");
    }

    #[test]
    fn reuse_within_the_interval_is_tolerated() {
        let mut s = Sessions::default();
        let t = Instant::now();
        let policy = Policy { ttl: 5, reuse_interval: Duration::from_secs(2) };
        s.open("a", policy, "r0".into(), None);
        rotated(s.redeem("r0", "r1".into(), t));
        // A racing second caller with r0 gets the current token, r1; nothing new is issued.
        let again = s.redeem("r0", "unused".into(), t + Duration::from_millis(1999));
        assert_eq!(again, Redemption::Tolerated(Grant { ns: "a".into(), policy, refresh_token: "r1".into() }));
        assert_eq!(s.redeem("unused", "w".into(), t), Redemption::Unknown);
        // Once the interval is over, it is reuse.
        assert!(matches!(
            s.redeem("r0", "x".into(), t + Duration::from_secs(2)),
            Redemption::Reused { revoked_now: true, .. }
        ));
        // And a revoked session tolerates nothing.
        assert!(matches!(s.redeem("r0", "x".into(), t), Redemption::Reused { revoked_now: false, .. }));
    }

    #[test]
    fn a_bound_session_stays_bound_through_rotation() {
        let mut s = Sessions::default();
        let t = Instant::now();
        s.open("a", STRICT, "r0".into(), Some("jkt".into()));
        s.open("a", STRICT, "p0".into(), None);
        assert_eq!(s.jkt_of("r0"), Some("jkt"));
        rotated(s.redeem("r0", "r1".into(), t));
        assert_eq!((s.jkt_of("r0"), s.jkt_of("r1")), (Some("jkt"), Some("jkt")));
        assert_eq!((s.jkt_of("p0"), s.jkt_of("nope")), (None, None));
    }

    #[test]
    fn ending_forgets_every_token_of_the_session() {
        let mut s = Sessions::default();
        let t = Instant::now();
        s.open("a", STRICT, "r0".into(), None);
        s.open("b", STRICT, "b0".into(), None);
        rotated(s.redeem("r0", "r1".into(), t));
        // Logging out with a spent token still ends the session.
        assert!(s.end("r0"));
        assert!(!s.end("r1"));
        assert_eq!(s.ns_of("r1"), None);
        assert_eq!(s.redeem("r1", "r2".into(), t), Redemption::Unknown);
        assert_eq!(s.ns_of("b0"), Some("b"));
    }
}
