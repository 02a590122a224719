//! DPoP (RFC 9449) for one namespace: the mode tests switch on (`POST /control/dpop`), its
//! nonces per origin, the `jti`s it accepted, the keys it saw, and the judgement of a request
//! that must carry a proof, logged for `GET /control/dpop-log`.
//!
//! Submodules, leaves first: `reason` (refusal codes), `target` (the request's `htu` and
//! origin), `proof` (one proof's stateless checks), `nonces`, `replay` (`jti`s), `log`.

pub mod log;
pub mod nonces;
pub mod proof;
pub mod reason;
pub mod replay;
pub mod target;

use std::collections::btree_map::Entry as MapEntry;
use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use self::log::{Endpoint, Entry, Log};
use self::nonces::{NonceCheck, Nonces};
use self::proof::{Checked, Seen};
use self::reason::Reason;
use self::replay::Replay;
use self::target::Target;
use crate::tokens;

/// How far a proof's `iat` may be from the server's clock, either way (seconds).
pub const IAT_WINDOW_SECS: i64 = 60;
/// Distinct keys remembered per namespace.
const MAX_KEYS: usize = 1000;

/// The settings of `POST /control/dpop`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Proofs must carry the origin's current (or previous) nonce.
    pub nonce_required: bool,
    /// A nonce rotates after this many accepted uses (0: only on `POST /control/dpop-rotate`).
    pub rotate_after: u64,
}

/// The `DPoP` header(s) of a request, and the check of the one proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    Missing,
    Many,
    One(Checked),
}

/// A request whose DPoP side is judged.
pub struct Judged<'a> {
    pub endpoint: Endpoint,
    pub target: &'a Target,
    /// The `Authorization` scheme as sent (resource requests).
    pub scheme: Option<&'a str>,
    pub presented: &'a Presented,
    /// The key the token or session is bound to, if it is.
    pub bound: Option<&'a str>,
    /// The access token's own verdict on arrival (resource requests; `Ok` at token endpoints).
    pub token: Result<(), tokens::Reason>,
}

/// Counters for `GET /control/stats` (as `dpop`).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub enabled: bool,
    /// Requests that came with a `DPoP` header and were judged.
    pub proofs: u64,
    pub accepted: u64,
    pub refused: u64,
    /// Refusals with `use_dpop_nonce`.
    pub nonce_challenges: u64,
    pub bound_tokens_issued: u64,
}

/// The DPoP side of one namespace.
#[derive(Debug, Default)]
pub struct Dpop {
    /// `None`: DPoP mode is off (bound tokens are still checked as bound).
    settings: Option<Settings>,
    nonces: BTreeMap<String, Nonces>,
    replay: Replay,
    /// Thumbprints of the keys that signed a proof whose signature verified, first seen first.
    keys: Vec<String>,
    log: Log,
    counts: Counts,
}

impl Dpop {
    pub fn settings(&self) -> Option<Settings> {
        self.settings
    }

    /// Switches the mode on (with new settings) or off; nonces, `jti`s, keys and the log stay.
    pub fn set(&mut self, settings: Option<Settings>) {
        self.settings = settings;
    }

    fn nonces_of(&mut self, origin: &str) -> Result<&mut Nonces, getrandom::Error> {
        Ok(match self.nonces.entry(origin.to_owned()) {
            MapEntry::Occupied(entry) => entry.into_mut(),
            MapEntry::Vacant(entry) => entry.insert(Nonces::new()?),
        })
    }

    /// The `DPoP-Nonce` an answer to `origin` carries: the current nonce while nonces are
    /// required (one is made on first contact), else none.
    pub fn nonce_to_send(&mut self, origin: &str) -> Result<Option<String>, getrandom::Error> {
        match self.settings {
            Some(Settings { nonce_required: true, .. }) => Ok(Some(self.nonces_of(origin)?.current().to_owned())),
            _ => Ok(None),
        }
    }

    /// Rotates the nonce of `origin`, or of every origin that has one; the new current ones.
    pub fn rotate(&mut self, origin: Option<&str>) -> Result<BTreeMap<String, String>, getrandom::Error> {
        if let Some(origin) = origin {
            self.nonces_of(origin)?;
        }
        let mut current = BTreeMap::new();
        for (name, nonces) in &mut self.nonces {
            if origin.is_none_or(|o| o == name) {
                nonces.rotate()?;
                current.insert(name.clone(), nonces.current().to_owned());
            }
        }
        Ok(current)
    }

    pub fn count_bound_token(&mut self) {
        self.counts.bound_tokens_issued += 1;
    }

    pub fn counts(&self) -> Counts {
        Counts { enabled: self.settings.is_some(), ..self.counts }
    }

    /// The log entry of `judged`, with what its proof says (and its key among the namespace's
    /// keys if the signature verified).
    fn entry(&mut self, judged: &Judged<'_>, now: i64) -> Entry {
        let (seen, check_micros) = match judged.presented {
            Presented::One(checked) => (checked.seen.clone(), Some(checked.micros)),
            Presented::Missing | Presented::Many => (Seen::default(), None),
        };
        if let (true, Some(jkt)) = (seen.signed, &seen.jkt) {
            if !self.keys.contains(jkt) && self.keys.len() < MAX_KEYS {
                self.keys.push(jkt.clone());
            }
        }
        Entry {
            seq: self.log.next_seq(),
            endpoint: judged.endpoint,
            route: path_of(&judged.target.htu),
            origin: judged.target.origin.clone(),
            method: judged.target.method.clone(),
            expected_htu: judged.target.htu.clone(),
            scheme: judged.scheme.map(str::to_owned),
            proof: *judged.presented != Presented::Missing,
            htm: seen.htm,
            htu: seen.htu,
            iat: seen.iat,
            jti: seen.jti,
            jkt: seen.jkt,
            nonce: seen.nonce,
            server_time: now,
            nonce_check: None,
            ath_matched: seen.ath_matched,
            bound_jkt: judged.bound.map(str::to_owned),
            accepted: false,
            reason: None,
            check_micros,
        }
    }

    fn record(&mut self, mut entry: Entry, verdict: Result<(), Reason>) {
        if entry.proof {
            self.counts.proofs += 1;
        }
        match verdict {
            Ok(()) => {
                entry.accepted = true;
                self.counts.accepted += 1;
            }
            Err(reason) => {
                entry.reason = Some(reason.as_str());
                self.counts.refused += 1;
                if reason == Reason::UseDpopNonce {
                    self.counts.nonce_challenges += 1;
                }
            }
        }
        self.log.push(entry);
    }

    /// Logs a request judged without the stateful proof checks (a Bearer request in DPoP mode, a
    /// bound token sent as Bearer, an unbound one sent as DPoP, a token bound by `dpop_jkt`).
    pub fn note(&mut self, judged: &Judged<'_>, now: i64, verdict: Result<(), Reason>) {
        let entry = self.entry(judged, now);
        self.record(entry, verdict);
    }

    /// Judges a request that must carry a proof, at `now` on the namespace's clock, and logs
    /// it: the proof's own checks, then `iat` within [`IAT_WINDOW_SECS`], an unused `jti`, the
    /// nonce (when required), the bound key, and last the token's own verdict. An accepted
    /// proof's `jti` is spent and its nonce use counted. `Ok` holds the proof key's thumbprint.
    pub fn judge(&mut self, judged: &Judged<'_>, now: i64) -> Result<Result<String, Reason>, getrandom::Error> {
        let mut entry = self.entry(judged, now);
        let checked = match judged.presented {
            Presented::Missing => Err(Reason::MissingProof),
            Presented::Many => Err(Reason::MultipleProofs),
            Presented::One(checked) => Ok(checked),
        };
        let verdict = match checked {
            Err(reason) => Err(reason),
            Ok(checked) => self.stateful_checks(checked, judged, now, &mut entry)?,
        };
        let result = verdict.clone().map(|_| ());
        self.record(entry, result);
        Ok(verdict)
    }

    fn stateful_checks(
        &mut self,
        checked: &Checked,
        judged: &Judged<'_>,
        now: i64,
        entry: &mut Entry,
    ) -> Result<Result<String, Reason>, getrandom::Error> {
        let seen = &checked.seen;
        let fail = |reason| Ok(Err(reason));
        if let Err(reason) = checked.verdict {
            return fail(reason);
        }
        // The proof's own checks passed: these are present.
        let (Some(iat), Some(jti), Some(jkt)) = (seen.iat, &seen.jti, &seen.jkt) else {
            return fail(Reason::BadClaims);
        };
        if (iat - now).abs() > IAT_WINDOW_SECS {
            return fail(Reason::IatOutOfWindow);
        }
        if self.replay.contains(jti) {
            return fail(Reason::JtiReused);
        }
        let mut nonce_check = None;
        if let Some(Settings { nonce_required: true, .. }) = self.settings {
            let check = self.nonces_of(&judged.target.origin)?.check(seen.nonce.as_deref());
            entry.nonce_check = Some(match check {
                NonceCheck::Current => "current",
                NonceCheck::Previous => "previous",
                NonceCheck::Missing => "missing",
                NonceCheck::Stale => "stale",
            });
            if !check.accepted() {
                return fail(Reason::UseDpopNonce);
            }
            nonce_check = Some(check);
        }
        if judged.bound.is_some_and(|bound| bound != jkt) {
            return fail(Reason::JktMismatch);
        }
        self.replay.insert(jti);
        if let (Some(NonceCheck::Current), Some(settings)) = (nonce_check, self.settings) {
            self.nonces_of(&judged.target.origin)?.used(settings.rotate_after)?;
        }
        match judged.token {
            Ok(()) => Ok(Ok(jkt.clone())),
            Err(reason) => fail(Reason::Token(reason)),
        }
    }

    /// Body of `GET /control/dpop-log`.
    pub fn log_json(&self, ns: &str, now: i64) -> Value {
        let nonces: serde_json::Map<String, Value> = self
            .nonces
            .iter()
            .map(|(origin, n)| {
                (origin.clone(), json!({"current": n.current(), "previous": n.previous(), "issued": n.issued()}))
            })
            .collect();
        json!({
            "ns": ns,
            "enabled": self.settings.is_some(),
            "nonce": self.settings.map(|s| if s.nonce_required { "required" } else { "off" }),
            "rotate": self.settings.map(|s| s.rotate_after),
            "serverTime": now,
            "entries": self.log.entries(),
            "dropped": self.log.dropped(),
            "nonces": nonces,
            "keys": self.keys,
            "counts": self.counts(),
        })
    }
}

/// The path of a normalised `htu`.
fn path_of(htu: &str) -> String {
    htu.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned())).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::proof::testing::Key;
    use super::proof::{check, sha256_b64url};
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn target() -> Target {
        Target { method: "GET".into(), origin: "http://h:1".into(), htu: "http://h:1/api/me".into() }
    }

    /// A proof of `key` for `target()` with `token`'s `ath`, edited by `edit`, as the gate
    /// presents it.
    fn presented(key: &Key, edit: impl Fn(&mut Value)) -> Presented {
        let mut c = json!({"jti": "j-0123456789abcdef", "htm": "GET", "htu": "http://h:1/api/me", "iat": NOW,
            "ath": sha256_b64url(b"tok")});
        edit(&mut c);
        Presented::One(check(&key.sign(&key.header(), &c), &target(), Some("tok")))
    }

    fn judge(dpop: &mut Dpop, presented: &Presented, bound: Option<&str>, now: i64) -> Result<String, Reason> {
        let target = target();
        let judged = Judged {
            endpoint: Endpoint::Resource,
            target: &target,
            scheme: Some("DPoP"),
            presented,
            bound,
            token: Ok(()),
        };
        dpop.judge(&judged, now).expect("random")
    }

    #[test]
    fn iat_within_60_seconds_either_way() {
        let key = Key::new(1);
        for (iat, ok) in [(NOW - 60, true), (NOW + 60, true), (NOW - 61, false), (NOW + 61, false)] {
            let mut dpop = Dpop::default();
            let verdict = judge(&mut dpop, &presented(&key, |c| c["iat"] = json!(iat)), None, NOW);
            assert_eq!(verdict.is_ok(), ok, "iat {iat}");
            if !ok {
                assert_eq!(verdict, Err(Reason::IatOutOfWindow));
            }
        }
    }

    #[test]
    fn a_jti_is_spent_by_acceptance_only() {
        let key = Key::new(2);
        let mut dpop = Dpop::default();
        dpop.set(Some(Settings { nonce_required: true, rotate_after: 0 }));
        // Refused for its nonce: the jti is not spent, a proof with the nonce and jti passes.
        let without = presented(&key, |_| {});
        assert_eq!(judge(&mut dpop, &without, None, NOW), Err(Reason::UseDpopNonce));
        let nonce = dpop.nonce_to_send("http://h:1").unwrap().unwrap();
        let with = presented(&key, |c| c["nonce"] = json!(nonce));
        assert_eq!(judge(&mut dpop, &with, None, NOW), Ok(key.thumbprint()));
        assert_eq!(judge(&mut dpop, &with, None, NOW), Err(Reason::JtiReused));
        // Another key than the bound one: refused, nothing spent.
        let other = presented(&key, |c| {
            c["nonce"] = json!(nonce);
            c["jti"] = json!("j-other-0123456789");
        });
        assert_eq!(judge(&mut dpop, &other, Some("someone-else"), NOW), Err(Reason::JktMismatch));
        assert_eq!(judge(&mut dpop, &other, Some(&key.thumbprint()), NOW), Ok(key.thumbprint()));
        let counts = dpop.counts();
        assert_eq!((counts.proofs, counts.accepted, counts.refused, counts.nonce_challenges), (5, 2, 3, 1));
    }

    #[test]
    fn keys_are_the_ones_whose_signature_verified() {
        let (key, other) = (Key::new(3), Key::new(4));
        let mut dpop = Dpop::default();
        judge(&mut dpop, &presented(&key, |c| c["htm"] = json!("POST")), None, NOW).unwrap_err();
        // A proof signed by `other` but naming `key`'s jwk: no key of anybody's.
        let mut header = key.header();
        header["jwk"] = other.jwk();
        let forged = check(
            &key.sign(&header, &json!({"jti": "x", "htm": "GET", "htu": "http://h:1/api/me", "iat": NOW})),
            &target(),
            None,
        );
        judge(&mut dpop, &Presented::One(forged), None, NOW).unwrap_err();
        judge(&mut dpop, &Presented::Missing, None, NOW).unwrap_err();
        assert_eq!(dpop.keys, [key.thumbprint()]);
        let log = dpop.log_json("n", NOW);
        let reasons: Vec<_> = log["entries"].as_array().unwrap().iter().map(|e| e["reason"].clone()).collect();
        assert_eq!(reasons, [json!("htm_mismatch"), json!("bad_signature"), json!("missing_proof")]);
    }

    #[test]
    fn the_token_is_judged_after_the_proof() {
        let key = Key::new(5);
        let mut dpop = Dpop::default();
        let target = target();
        let proof = presented(&key, |_| {});
        let judged = |token| Judged {
            endpoint: Endpoint::Resource,
            target: &target,
            scheme: Some("DPoP"),
            presented: &proof,
            bound: None,
            token,
        };
        let expired = dpop.judge(&judged(Err(tokens::Reason::Expired)), NOW).unwrap();
        assert_eq!(expired, Err(Reason::Token(tokens::Reason::Expired)));
        // Its proof was good, so its jti is spent.
        assert_eq!(dpop.judge(&judged(Ok(())), NOW).unwrap(), Err(Reason::JtiReused));
    }

    #[test]
    fn the_log_is_bounded() {
        let mut dpop = Dpop::default();
        let target = target();
        let judged = Judged {
            endpoint: Endpoint::Token,
            target: &target,
            scheme: None,
            presented: &Presented::Missing,
            bound: None,
            token: Ok(()),
        };
        for _ in 0..log::MAX_ENTRIES + 3 {
            dpop.note(&judged, NOW, Ok(()));
        }
        let json = dpop.log_json("n", NOW);
        assert_eq!(json["entries"].as_array().unwrap().len(), log::MAX_ENTRIES);
        assert_eq!(json["dropped"], 3);
        assert_eq!(json["entries"][0]["seq"], 4);
    }
}
