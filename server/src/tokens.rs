//! HS256 access tokens: minting and validation (signature, strict expiry, revocation).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Claims carried by every token this server issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// `"user-" + ns`.
    pub sub: String,
    /// Namespace the token belongs to.
    pub ns: String,
    /// Generation of the namespace at issue time; older generations are revoked.
    pub gen: u64,
    /// Issued at, seconds since the Unix epoch.
    pub iat: i64,
    /// Expiry, seconds since the Unix epoch (`iat + ttl`; may be in the past).
    pub exp: i64,
    /// Random token id (hex).
    pub jti: String,
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

/// The signing key and the matching validation rules.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    /// Keys from a fresh random 32-byte secret.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut secret = [0u8; 32];
        getrandom::getrandom(&mut secret)?;
        Ok(Self::from_secret(&secret))
    }

    pub fn from_secret(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked by `verdict` (strictly, no leeway) so that the claims of an
        // expired token stay readable: its namespace is still needed for the counters.
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// Signs a token for `ns` at generation `gen`, valid for `ttl` seconds from `now`.
    pub fn mint(&self, ns: &str, gen: u64, ttl: i64, now: i64) -> Result<String, MintError> {
        let claims = Claims {
            sub: format!("user-{ns}"),
            ns: ns.to_owned(),
            gen,
            iat: now,
            exp: now.saturating_add(ttl),
            jti: random_hex(16).map_err(|_| MintError)?,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| MintError)
    }

    /// Checks the signature and shape of `token`, not expiry or revocation.
    pub fn inspect(&self, token: &str) -> Inspection {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Inspection::Signed(data.claims),
            Err(err) => Inspection::Rejected(match err.kind() {
                ErrorKind::InvalidSignature | ErrorKind::InvalidAlgorithm => Reason::BadSignature,
                _ => Reason::Malformed,
            }),
        }
    }
}

/// Full verdict on signed claims: expired when `now >= exp`, revoked when `gen < current_gen`.
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

/// Seconds since the Unix epoch.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `bytes` random bytes from the OS, hex-encoded.
pub fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed(keys: &TokenKeys, token: &str) -> Claims {
        match keys.inspect(token) {
            Inspection::Signed(c) => c,
            other => panic!("expected signed claims, got {other:?}"),
        }
    }

    #[test]
    fn mint_then_validate() {
        let keys = TokenKeys::generate().expect("random");
        let now = now_secs();
        let token = keys.mint("alpha", 3, 20, now).expect("mint");
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
    fn expiry_is_strict() {
        let keys = TokenKeys::generate().expect("random");
        let now = 1_000_000;
        let claims = signed(&keys, &keys.mint("a", 0, 5, now).expect("mint"));
        assert_eq!(verdict(&claims, now + 4, 0), Ok(()));
        assert_eq!(verdict(&claims, now + 5, 0), Err(Reason::Expired));
        // ttl 0 or negative: already expired, but the claims are still readable.
        for ttl in [0, -30] {
            let claims = signed(&keys, &keys.mint("a", 0, ttl, now).expect("mint"));
            assert_eq!(claims.ns, "a");
            assert_eq!(verdict(&claims, now, 0), Err(Reason::Expired));
        }
    }

    #[test]
    fn older_generation_is_revoked() {
        let keys = TokenKeys::generate().expect("random");
        let now = now_secs();
        let claims = signed(&keys, &keys.mint("a", 1, 60, now).expect("mint"));
        assert_eq!(verdict(&claims, now, 1), Ok(()));
        assert_eq!(verdict(&claims, now, 2), Err(Reason::Revoked));
    }

    #[test]
    fn foreign_key_and_garbage_are_rejected() {
        let keys = TokenKeys::generate().expect("random");
        let other = TokenKeys::generate().expect("random");
        let token = other.mint("a", 0, 60, now_secs()).expect("mint");
        assert_eq!(
            keys.inspect(&token),
            Inspection::Rejected(Reason::BadSignature)
        );

        // Tampered payload with the original signature.
        let good = keys.mint("a", 0, 60, now_secs()).expect("mint");
        let forged = keys.mint("b", 0, 60, now_secs()).expect("mint");
        let parts: Vec<&str> = good.split('.').collect();
        let forged_parts: Vec<&str> = forged.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_parts[1], parts[2]);
        assert_eq!(
            keys.inspect(&tampered),
            Inspection::Rejected(Reason::BadSignature)
        );

        for junk in ["", "abc", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.e30"] {
            assert_eq!(
                keys.inspect(junk),
                Inspection::Rejected(Reason::Malformed),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn alg_none_is_refused() {
        let keys = TokenKeys::generate().expect("random");
        // {"alg":"none","typ":"JWT"} . {"sub":"user-a","ns":"a","gen":0,"iat":0,"exp":9999999999,"jti":"x"} .
        let token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1c2VyLWEiLCJucyI6ImEiLCJnZW4iOjAsImlhdCI6MCwiZXhwIjo5OTk5OTk5OTk5LCJqdGkiOiJ4In0.";
        assert!(matches!(keys.inspect(token), Inspection::Rejected(_)));
    }
}
