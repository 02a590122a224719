//! HS256 access tokens, minted and checked with jwt-compact: signature and shape, then the
//! server's own verdict (strict expiry, revocation by generation). A DPoP-bound token carries
//! its key's thumbprint as `cnf.jkt` (RFC 9449 §6.1).

use chrono::{DateTime, Utc};
use jwt_compact::alg::{Hs256, Hs256Key};
use jwt_compact::{AlgorithmExt as _, Header, UntrustedToken, ValidationError};
use serde::{Deserialize, Serialize};

use crate::random::random_hex;

/// Claims carried by every token this server issues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// `"user-" + ns`.
    pub sub: String,
    /// Namespace the token belongs to.
    pub ns: String,
    /// Generation of the namespace at issue time; older generations are revoked.
    pub gen: u64,
    /// Issued at, seconds since the Unix epoch (always present).
    pub iat: i64,
    /// Expiry, seconds since the Unix epoch (`iat + ttl`; may be in the past).
    pub exp: i64,
    /// Random token id (hex).
    pub jti: String,
    /// `cnf.jkt`: the thumbprint of the DPoP key the token is bound to.
    pub jkt: Option<String>,
}

/// The confirmation claim of a bound token.
#[derive(Debug, Serialize, Deserialize)]
struct Cnf {
    jkt: String,
}

/// The claims beside the registered `iat` and `exp`, which jwt-compact's `Claims` carries.
#[derive(Debug, Serialize, Deserialize)]
struct Custom {
    sub: String,
    ns: String,
    gen: u64,
    jti: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cnf: Option<Cnf>,
}

/// Why a bearer token was refused; the string goes in the 401 body as `reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Missing,
    Malformed,
    Expired,
    Revoked,
    BadSignature,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Missing => "missing",
            Reason::Malformed => "malformed",
            Reason::Expired => "expired",
            Reason::Revoked => "revoked",
            Reason::BadSignature => "bad_signature",
        }
    }
}

/// Result of looking at a token whose signature may or may not be valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// Signature valid: the claims are trustworthy (the token may still be expired or revoked).
    Signed(Claims),
    /// No usable claims.
    Rejected(Reason),
}

/// The HMAC key that signs and checks every token.
pub struct TokenKeys {
    key: Hs256Key,
}

impl TokenKeys {
    /// A key from a fresh random 32-byte secret.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut secret = [0u8; 32];
        getrandom::getrandom(&mut secret)?;
        Ok(Self::from_secret(&secret))
    }

    pub fn from_secret(secret: &[u8]) -> Self {
        Self { key: Hs256Key::new(secret) }
    }

    /// Signs a token for `ns` at generation `gen`, issued at `now` and valid for `ttl` seconds
    /// (any `ttl`: zero or negative gives a token that is already expired), bound to the DPoP
    /// key whose thumbprint is `jkt` if given.
    pub fn mint(&self, ns: &str, gen: u64, ttl: i64, now: i64, jkt: Option<&str>) -> Result<String, MintError> {
        let at = |secs: i64| DateTime::<Utc>::from_timestamp(secs, 0).ok_or(MintError);
        let mut claims = jwt_compact::Claims::new(Custom {
            sub: format!("user-{ns}"),
            ns: ns.to_owned(),
            gen,
            jti: random_hex(16).map_err(|_| MintError)?,
            cnf: jkt.map(|jkt| Cnf { jkt: jkt.to_owned() }),
        });
        claims.issued_at = Some(at(now)?);
        claims.expiration = Some(at(now.saturating_add(ttl))?);
        let header = Header::empty().with_token_type("JWT");
        Hs256.token(&header, &claims, &self.key).map_err(|_| MintError)
    }

    /// Checks the algorithm, signature and shape of `token`, not expiry or revocation: an
    /// expired token's claims stay readable, its namespace is still needed for the counters.
    pub fn inspect(&self, token: &str) -> Inspection {
        let Ok(untrusted) = UntrustedToken::new(token) else {
            return Inspection::Rejected(Reason::Malformed);
        };
        match Hs256.validator::<Custom>(&self.key).validate(&untrusted) {
            Ok(token) => {
                let claims = token.claims();
                match (claims.issued_at, claims.expiration) {
                    (Some(iat), Some(exp)) => Inspection::Signed(Claims {
                        sub: claims.custom.sub.clone(),
                        ns: claims.custom.ns.clone(),
                        gen: claims.custom.gen,
                        iat: iat.timestamp(),
                        exp: exp.timestamp(),
                        jti: claims.custom.jti.clone(),
                        jkt: claims.custom.cnf.as_ref().map(|cnf| cnf.jkt.clone()),
                    }),
                    // Signed by us but without the times we always set: not one of ours.
                    _ => Inspection::Rejected(Reason::Malformed),
                }
            }
            Err(
                ValidationError::AlgorithmMismatch { .. }
                | ValidationError::InvalidSignature
                | ValidationError::InvalidSignatureLen { .. }
                | ValidationError::MalformedSignature(_),
            ) => Inspection::Rejected(Reason::BadSignature),
            Err(_) => Inspection::Rejected(Reason::Malformed),
        }
    }
}

/// Full verdict on signed claims: expired when `now >= exp`, revoked when `gen < current_gen`.
///
/// Expiry is judged here, not by jwt-compact's `validate_expiration`: that one accepts a token
/// through its `exp` second (`now > exp` is expired), so a `ttl=0` token would work for up to a
/// second, and tests mint `ttl=0` tokens to get an expired one.
pub fn verdict(claims: &Claims, now: i64, current_gen: u64) -> Result<(), Reason> {
    if now >= claims.exp {
        Err(Reason::Expired)
    } else if claims.gen < current_gen {
        Err(Reason::Revoked)
    } else {
        Ok(())
    }
}

/// Signing failed (in practice only if the OS random source fails).
#[derive(Debug)]
pub struct MintError;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::now_secs;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
    use base64::Engine as _;
    use serde_json::{json, Value};

    fn signed(keys: &TokenKeys, token: &str) -> Claims {
        match keys.inspect(token) {
            Inspection::Signed(c) => c,
            other => panic!("expected signed claims, got {other:?}"),
        }
    }

    /// The decoded JSON of part `index` (0 header, 1 claims) of a token.
    fn part(token: &str, index: usize) -> Value {
        let segment = token.split('.').nth(index).expect("segment");
        serde_json::from_slice(&B64URL.decode(segment).expect("base64url")).expect("json")
    }

    /// A token signed with `secret` over any header and claims (what an attacker could build).
    fn forge(secret: &[u8], header: &Value, claims: &Value) -> String {
        use jwt_compact::{Algorithm as _, AlgorithmSignature as _};
        let signing_input = format!("{}.{}", B64URL.encode(header.to_string()), B64URL.encode(claims.to_string()));
        let signature = Hs256.sign(&Hs256Key::new(secret), signing_input.as_bytes());
        format!("{signing_input}.{}", B64URL.encode(signature.as_bytes()))
    }

    #[test]
    fn mint_then_validate() {
        let keys = TokenKeys::generate().expect("random");
        let now = now_secs();
        let token = keys.mint("alpha", 3, 20, now, None).expect("mint");
        let claims = signed(&keys, &token);
        assert_eq!(claims.sub, "user-alpha");
        assert_eq!(claims.ns, "alpha");
        assert_eq!(claims.gen, 3);
        assert_eq!(claims.iat, now);
        assert_eq!(claims.exp, now + 20);
        assert_eq!(claims.jti.len(), 32);
        assert_eq!(verdict(&claims, now, 3), Ok(()));
        assert_eq!(verdict(&claims, now + 19, 0), Ok(()));
    }

    #[test]
    fn wire_format_is_a_plain_hs256_jwt() {
        let keys = TokenKeys::from_secret(b"k");
        let token = keys.mint("a", 1, 8, 1_700_000_000, None).expect("mint");
        assert_eq!(part(&token, 0), json!({"alg": "HS256", "typ": "JWT"}));
        let claims = part(&token, 1);
        assert_eq!(claims["iat"], 1_700_000_000);
        assert_eq!(claims["exp"], 1_700_000_008);
        assert_eq!((claims["sub"].clone(), claims["ns"].clone()), (json!("user-a"), json!("a")));
        assert_eq!(claims["gen"], 1);
        assert!(claims["jti"].is_string());
    }

    #[test]
    fn any_lifetime_sets_iat_and_exp() {
        let keys = TokenKeys::from_secret(b"k");
        let now = 1_700_000_000;
        for ttl in [2, 8, 0, -5, 365 * 24 * 3600] {
            let claims = signed(&keys, &keys.mint("a", 0, ttl, now, None).expect("mint"));
            assert_eq!((claims.iat, claims.exp), (now, now + ttl), "ttl {ttl}");
        }
    }

    #[test]
    fn expiry_is_strict() {
        let keys = TokenKeys::generate().expect("random");
        let now = 1_000_000;
        let claims = signed(&keys, &keys.mint("a", 0, 5, now, None).expect("mint"));
        assert_eq!(verdict(&claims, now + 4, 0), Ok(()));
        assert_eq!(verdict(&claims, now + 5, 0), Err(Reason::Expired));
        // ttl 0 or negative: already expired, but the claims are still readable.
        for ttl in [0, -30] {
            let claims = signed(&keys, &keys.mint("a", 0, ttl, now, None).expect("mint"));
            assert_eq!(claims.ns, "a");
            assert_eq!(verdict(&claims, now, 0), Err(Reason::Expired));
        }
    }

    #[test]
    fn older_generation_is_revoked() {
        let keys = TokenKeys::generate().expect("random");
        let now = now_secs();
        let claims = signed(&keys, &keys.mint("a", 1, 60, now, None).expect("mint"));
        assert_eq!(verdict(&claims, now, 1), Ok(()));
        assert_eq!(verdict(&claims, now, 2), Err(Reason::Revoked));
    }

    #[test]
    fn foreign_key_and_garbage_are_rejected() {
        let keys = TokenKeys::generate().expect("random");
        let other = TokenKeys::generate().expect("random");
        let token = other.mint("a", 0, 60, now_secs(), None).expect("mint");
        assert_eq!(keys.inspect(&token), Inspection::Rejected(Reason::BadSignature));

        // Tampered payload with the original signature.
        let good = keys.mint("a", 0, 60, now_secs(), None).expect("mint");
        let forged = keys.mint("b", 0, 60, now_secs(), None).expect("mint");
        let parts: Vec<&str> = good.split('.').collect();
        let forged_parts: Vec<&str> = forged.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_parts[1], parts[2]);
        assert_eq!(keys.inspect(&tampered), Inspection::Rejected(Reason::BadSignature));
        // One flipped signature bit.
        let mut bad_sig = good.clone().into_bytes();
        let last = bad_sig.len() - 2;
        bad_sig[last] = if bad_sig[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.inspect(std::str::from_utf8(&bad_sig).unwrap()), Inspection::Rejected(Reason::BadSignature));

        for junk in ["", "abc", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.e30"] {
            assert_eq!(keys.inspect(junk), Inspection::Rejected(Reason::Malformed), "{junk:?}");
        }
    }

    #[test]
    fn signed_tokens_without_our_claims_are_malformed() {
        let keys = TokenKeys::from_secret(b"k");
        let header = json!({"alg": "HS256"});
        let full = json!({"sub": "user-a", "ns": "a", "gen": 0, "iat": 1, "exp": 9_999_999_999_i64, "jti": "x"});
        assert!(matches!(keys.inspect(&forge(b"k", &header, &full)), Inspection::Signed(_)));
        for missing in ["iat", "exp", "ns", "gen"] {
            let mut claims = full.clone();
            claims.as_object_mut().unwrap().remove(missing);
            assert_eq!(
                keys.inspect(&forge(b"k", &header, &claims)),
                Inspection::Rejected(Reason::Malformed),
                "without {missing}"
            );
        }
        // Right key, other algorithm named in the header: refused as a signature problem.
        assert_eq!(
            keys.inspect(&forge(b"k", &json!({"alg": "HS512"}), &full)),
            Inspection::Rejected(Reason::BadSignature)
        );
    }

    #[test]
    fn a_bound_token_carries_cnf_jkt() {
        let keys = TokenKeys::from_secret(b"k");
        let token = keys.mint("a", 0, 8, 1_700_000_000, Some("thumb")).expect("mint");
        assert_eq!(part(&token, 1)["cnf"], json!({"jkt": "thumb"}));
        assert_eq!(signed(&keys, &token).jkt.as_deref(), Some("thumb"));
        let plain = keys.mint("a", 0, 8, 1_700_000_000, None).expect("mint");
        assert!(part(&plain, 1).get("cnf").is_none());
        assert_eq!(signed(&keys, &plain).jkt, None);
    }

    #[test]
    fn alg_none_is_refused() {
        let keys = TokenKeys::generate().expect("random");
        // {"alg":"none","typ":"JWT"} . {"sub":"user-a","ns":"a","gen":0,"iat":0,"exp":9999999999,"jti":"x"} .
        let token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1c2VyLWEiLCJucyI6ImEiLCJnZW4iOjAsImlhdCI6MCwiZXhwIjo5OTk5OTk5OTk5LCJqdGkiOiJ4In0.";
        assert!(matches!(keys.inspect(token), Inspection::Rejected(_)));
    }
}
