//! One DPoP proof (RFC 9449 §4.3) checked against its request, as far as that needs no server
//! state: a compact JWS with `typ` `dpop+jwt`, `alg` ES256 only, an EC P-256 public `jwk` that
//! the signature verifies with (jwt-compact's `Es256`), string `jti`, `htm` equal to the method,
//! `htu` equal to the URL after normalising, and `ath` when an access token comes with it. The
//! `iat` window, `jti` reuse, the nonce and the bound key are the namespace's to judge.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use jwt_compact::alg::Es256;
use jwt_compact::jwk::JsonWebKey;
use jwt_compact::{Algorithm, AlgorithmExt as _, Empty, UntrustedToken, ValidationError};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::reason::Reason;
use super::target::{normalize, Target};

/// The only `typ` a proof may have.
pub const TYP: &str = "dpop+jwt";
/// The only algorithm accepted (and announced in `algs`).
pub const ALG: &str = "ES256";

type VerifyingKey = <Es256 as Algorithm>::VerifyingKey;

/// The header member jwt-compact does not know itself.
#[derive(Debug, Clone, Deserialize)]
struct ProofHeader {
    jwk: Option<Value>,
}

/// What a proof says, as far as it could be read (when it is refused, not to be trusted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seen {
    /// RFC 7638 thumbprint of `jwk`, base64url.
    pub jkt: Option<String>,
    pub jti: Option<String>,
    pub htm: Option<String>,
    pub htu: Option<String>,
    pub iat: Option<i64>,
    pub nonce: Option<String>,
    /// Whether `ath` is the access token's hash (`None`: no token to compare with).
    pub ath_matched: Option<bool>,
    /// The signature verified with `jwk`: the key's holder made this proof.
    pub signed: bool,
}

/// A proof checked against its request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub seen: Seen,
    pub verdict: Result<(), Reason>,
    /// How long the checks took, in µs (the log's `checkMicros`: what the server adds to a DPoP
    /// request, which `npm run bench` tells apart from the client's share).
    pub micros: u64,
}

/// base64url(SHA-256(`input`)), as `ath` and thumbprints are written.
pub fn sha256_b64url(input: &[u8]) -> String {
    B64URL.encode(Sha256::digest(input))
}

/// True for what a base64url SHA-256 thumbprint looks like (a `dpop_jkt`).
pub fn is_thumbprint(s: &str) -> bool {
    s.len() == 43 && B64URL.decode(s).is_ok_and(|bytes| bytes.len() == 32)
}

/// The public key in a proof's `jwk` and its thumbprint.
fn public_key(jwk: Option<&Value>) -> Result<(VerifyingKey, String), Reason> {
    let Some(Value::Object(members)) = jwk else {
        return Err(Reason::BadJwk);
    };
    if members.contains_key("d") {
        return Err(Reason::PrivateJwk);
    }
    let text = |name: &str| members.get(name).and_then(Value::as_str);
    if text("kty") != Some("EC") || text("crv") != Some("P-256") {
        return Err(Reason::BadJwk);
    }
    let jwk: JsonWebKey<'_> = serde_json::from_value(Value::Object(members.clone())).map_err(|_| Reason::BadJwk)?;
    let key = VerifyingKey::try_from(&jwk).map_err(|_| Reason::BadJwk)?;
    Ok((key, B64URL.encode(jwk.thumbprint::<Sha256>())))
}

/// A claim that must be a string if present; `Err` if it is something else.
fn string_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, Reason> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Reason::BadClaims),
    }
}

/// Checks `proof` (the `DPoP` header's value) for `target`; with `access_token`, `ath` must be
/// its hash (resource requests); without, `ath` is not looked at (token endpoints).
pub fn check(proof: &str, target: &Target, access_token: Option<&str>) -> Checked {
    let started = std::time::Instant::now();
    let mut seen = Seen::default();
    let verdict = check_into(proof, target, access_token, &mut seen);
    Checked { seen, verdict, micros: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX) }
}

fn check_into(proof: &str, target: &Target, access_token: Option<&str>, seen: &mut Seen) -> Result<(), Reason> {
    let untrusted = UntrustedToken::<ProofHeader>::try_from(proof.trim()).map_err(|_| Reason::Malformed)?;
    if untrusted.header().token_type.as_deref() != Some(TYP) {
        return Err(Reason::BadTyp);
    }
    if untrusted.algorithm() != ALG {
        return Err(Reason::BadAlg);
    }
    let (key, jkt) = public_key(untrusted.header().other_fields.jwk.as_ref())?;
    seen.jkt = Some(jkt);

    // Read before the signature is checked, so that the log shows what a refused proof claimed.
    let claims = untrusted.deserialize_claims_unchecked::<Map<String, Value>>().map_err(|_| Reason::BadClaims)?;
    seen.iat = claims.issued_at.map(|t| t.timestamp());
    let claims_read = (|| {
        seen.jti = string_claim(&claims.custom, "jti")?;
        seen.htm = string_claim(&claims.custom, "htm")?;
        seen.htu = string_claim(&claims.custom, "htu")?;
        seen.nonce = string_claim(&claims.custom, "nonce")?;
        string_claim(&claims.custom, "ath")
    })();

    match Es256.validator::<Empty>(&key).validate(&untrusted) {
        Ok(_) => {}
        Err(
            ValidationError::InvalidSignature
            | ValidationError::InvalidSignatureLen { .. }
            | ValidationError::MalformedSignature(_),
        ) => return Err(Reason::BadSignature),
        Err(_) => return Err(Reason::Malformed),
    }
    seen.signed = true;

    let ath = claims_read?;
    if seen.jti.as_deref().is_none_or(str::is_empty) || seen.iat.is_none() {
        return Err(Reason::BadClaims);
    }
    let (Some(htm), Some(htu)) = (&seen.htm, &seen.htu) else {
        return Err(Reason::BadClaims);
    };
    if *htm != target.method {
        return Err(Reason::HtmMismatch);
    }
    if normalize(htu).ok().as_deref() != Some(target.htu.as_str()) {
        return Err(Reason::HtuMismatch);
    }
    if let Some(token) = access_token {
        let matched = ath.as_deref() == Some(sha256_b64url(token.as_bytes()).as_str());
        seen.ath_matched = Some(matched);
        match (ath, matched) {
            (None, _) => return Err(Reason::AthMissing),
            (Some(_), false) => return Err(Reason::AthMismatch),
            (Some(_), true) => {}
        }
    }
    Ok(())
}

/// Proofs signed in tests, the way a browser's WebCrypto signs them.
#[cfg(test)]
pub mod testing {
    use serde_json::{json, Value};

    use super::*;

    type SigningKey = <Es256 as Algorithm>::SigningKey;

    /// An ES256 key pair from a seed (deterministic, so that a failing test can be replayed).
    pub struct Key(SigningKey);

    impl Key {
        pub fn new(seed: u8) -> Self {
            let mut bytes = [0x5a; 32];
            bytes[0] = seed.max(1);
            Self(SigningKey::from_slice(&bytes).expect("a valid scalar"))
        }

        /// The public JWK as WebCrypto exports it, with only the public members.
        pub fn jwk(&self) -> Value {
            let key = self.0.verifying_key();
            let jwk = JsonWebKey::from(key);
            let mut value = serde_json::to_value(&jwk).expect("jwk");
            value["ext"] = json!(true);
            value
        }

        /// The JWK with the private scalar `d` too.
        pub fn private_jwk(&self) -> Value {
            serde_json::to_value(JsonWebKey::from(&self.0)).expect("jwk")
        }

        pub fn thumbprint(&self) -> String {
            B64URL.encode(JsonWebKey::from(self.0.verifying_key()).thumbprint::<Sha256>())
        }

        /// A compact JWS over any header and claims, signed with this key.
        pub fn sign(&self, header: &Value, claims: &Value) -> String {
            use jwt_compact::AlgorithmSignature as _;
            let input = format!("{}.{}", B64URL.encode(header.to_string()), B64URL.encode(claims.to_string()));
            let signature = Es256.sign(&self.0, input.as_bytes());
            format!("{input}.{}", B64URL.encode(signature.as_bytes()))
        }

        /// The header a correct proof has.
        pub fn header(&self) -> Value {
            json!({"typ": TYP, "alg": ALG, "jwk": self.jwk()})
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::testing::Key;
    use super::*;

    fn target() -> Target {
        Target { method: "GET".into(), origin: "http://h:1".into(), htu: "http://h:1/api/me".into() }
    }

    fn claims() -> Value {
        json!({"jti": "0123456789abcdef0123456789abcdef", "htm": "GET", "htu": "http://h:1/api/me", "iat": 1_700_000_000})
    }

    fn verdict(proof: &str, token: Option<&str>) -> Result<(), Reason> {
        check(proof, &target(), token).verdict
    }

    #[test]
    fn a_good_proof_and_what_it_says() {
        let key = Key::new(1);
        let mut c = claims();
        c["nonce"] = json!("n1");
        c["ath"] = json!(sha256_b64url(b"tok"));
        let checked = check(&key.sign(&key.header(), &c), &target(), Some("tok"));
        assert_eq!(checked.verdict, Ok(()));
        assert_eq!(checked.seen.jkt.as_deref(), Some(key.thumbprint().as_str()));
        assert_eq!(checked.seen.iat, Some(1_700_000_000));
        assert_eq!(checked.seen.nonce.as_deref(), Some("n1"));
        assert_eq!(checked.seen.ath_matched, Some(true));
        // At a token endpoint, ath is not looked at.
        assert_eq!(verdict(&key.sign(&key.header(), &claims()), None), Ok(()));
        // Another spelling of the same URL.
        let mut c = claims();
        c["htu"] = json!("HTTP://H:1/api/./me");
        assert_eq!(verdict(&key.sign(&key.header(), &c), None), Ok(()));
    }

    #[test]
    fn the_thumbprint_is_rfc_7638s() {
        // RFC 7638 §3.1's canonical members, sorted, no spaces, then SHA-256.
        let key = Key::new(2);
        let jwk = key.jwk();
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":{},"y":{}}}"#, jwk["x"], jwk["y"]);
        assert_eq!(key.thumbprint(), sha256_b64url(canonical.as_bytes()));
        assert!(is_thumbprint(&key.thumbprint()));
        assert!(!is_thumbprint("abc") && !is_thumbprint(&"!".repeat(43)));
    }

    #[test]
    fn each_header_rule() {
        let key = Key::new(3);
        let with = |edit: &dyn Fn(&mut Value)| {
            let mut header = key.header();
            edit(&mut header);
            verdict(&key.sign(&header, &claims()), None)
        };
        assert_eq!(with(&|h| h["typ"] = json!("JWT")), Err(Reason::BadTyp));
        assert_eq!(with(&|h| h["typ"] = json!("DPoP+JWT")), Err(Reason::BadTyp));
        assert_eq!(with(&|h| drop(h.as_object_mut().unwrap().remove("typ"))), Err(Reason::BadTyp));
        assert_eq!(with(&|h| h["alg"] = json!("ES384")), Err(Reason::BadAlg));
        assert_eq!(with(&|h| h["alg"] = json!("none")), Err(Reason::BadAlg));
        assert_eq!(with(&|h| h["alg"] = json!("HS256")), Err(Reason::BadAlg));
        assert_eq!(with(&|h| h["jwk"] = key.private_jwk()), Err(Reason::PrivateJwk));
        assert_eq!(with(&|h| drop(h.as_object_mut().unwrap().remove("jwk"))), Err(Reason::BadJwk));
        assert_eq!(with(&|h| h["jwk"]["crv"] = json!("P-384")), Err(Reason::BadJwk));
        assert_eq!(with(&|h| h["jwk"]["kty"] = json!("RSA")), Err(Reason::BadJwk));
        assert_eq!(with(&|h| h["jwk"]["x"] = json!("AAAA")), Err(Reason::BadJwk));
        // Another key's jwk: the signature does not verify with it.
        assert_eq!(with(&|h| h["jwk"] = Key::new(4).jwk()), Err(Reason::BadSignature));
    }

    #[test]
    fn signatures_and_shapes() {
        let key = Key::new(5);
        let good = key.sign(&key.header(), &claims());
        let (input, signature) = good.rsplit_once('.').unwrap();
        let mut sig = B64URL.decode(signature).unwrap();
        sig[10] ^= 1;
        assert_eq!(verdict(&format!("{input}.{}", B64URL.encode(&sig)), None), Err(Reason::BadSignature));
        assert_eq!(verdict(&format!("{input}.{}", B64URL.encode(&sig[..63])), None), Err(Reason::BadSignature));
        // Claims changed after signing.
        let (header, _) = input.split_once('.').unwrap();
        let mut c = claims();
        c["htm"] = json!("POST");
        let tampered = format!("{header}.{}.{signature}", B64URL.encode(c.to_string()));
        assert_eq!(verdict(&tampered, None), Err(Reason::BadSignature));
        for junk in ["", "a.b", "a.b.c.d", "!!.!!.!!", &format!("{header}.e30")] {
            assert_eq!(verdict(junk, None), Err(Reason::Malformed), "{junk}");
        }
    }

    #[test]
    fn a_high_s_signature_verifies_too() {
        // WebCrypto does not normalise ECDSA's s to the lower half: (r, n - s) must verify as
        // (r, s) does.
        const N: [u8; 32] = [
            0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6,
            0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
        ];
        let key = Key::new(7);
        let good = key.sign(&key.header(), &claims());
        let (input, signature) = good.rsplit_once('.').unwrap();
        let mut sig = B64URL.decode(signature).unwrap();
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = i16::from(N[i]) - i16::from(sig[32 + i]) - borrow;
            borrow = i16::from(d < 0);
            sig[32 + i] = d.rem_euclid(256) as u8;
        }
        let flipped = format!("{input}.{}", B64URL.encode(&sig));
        assert_ne!(flipped, good);
        assert_eq!(verdict(&flipped, None), Ok(()));
    }

    #[test]
    fn each_claim_rule() {
        let key = Key::new(6);
        let with = |edit: &dyn Fn(&mut Value), token: Option<&str>| {
            let mut c = claims();
            edit(&mut c);
            check(&key.sign(&key.header(), &c), &target(), token)
        };
        let v = |edit: &dyn Fn(&mut Value)| with(edit, None).verdict;
        for name in ["jti", "htm", "htu", "iat"] {
            assert_eq!(v(&|c| drop(c.as_object_mut().unwrap().remove(name))), Err(Reason::BadClaims), "{name}");
        }
        assert_eq!(v(&|c| c["jti"] = json!("")), Err(Reason::BadClaims));
        assert_eq!(v(&|c| c["jti"] = json!(7)), Err(Reason::BadClaims));
        assert_eq!(v(&|c| c["nonce"] = json!(7)), Err(Reason::BadClaims));
        assert_eq!(v(&|c| c["iat"] = json!("1700000000")), Err(Reason::BadClaims));
        assert_eq!(v(&|c| c["htm"] = json!("POST")), Err(Reason::HtmMismatch));
        assert_eq!(v(&|c| c["htm"] = json!("get")), Err(Reason::HtmMismatch));
        assert_eq!(v(&|c| c["htu"] = json!("http://h:1/api/echo")), Err(Reason::HtuMismatch));
        assert_eq!(v(&|c| c["htu"] = json!("http://h:2/api/me")), Err(Reason::HtuMismatch));
        assert_eq!(v(&|c| c["htu"] = json!("https://h:1/api/me")), Err(Reason::HtuMismatch));
        assert_eq!(v(&|c| c["htu"] = json!("http://h:1/api/me?a=1")), Err(Reason::HtuMismatch));
        assert_eq!(v(&|c| c["htu"] = json!("http://h:1/api/me#f")), Err(Reason::HtuMismatch));
        assert_eq!(v(&|c| c["htu"] = json!("/api/me")), Err(Reason::HtuMismatch));
        // ath, where a token comes with the proof.
        let missing = with(&|_| {}, Some("tok"));
        assert_eq!((missing.verdict, missing.seen.ath_matched), (Err(Reason::AthMissing), Some(false)));
        let other = with(&|c| c["ath"] = json!(sha256_b64url(b"other")), Some("tok"));
        assert_eq!((other.verdict, other.seen.ath_matched), (Err(Reason::AthMismatch), Some(false)));
        // A fractional iat is a number like any other.
        assert_eq!(with(&|c| c["iat"] = json!(1_700_000_000.5), None).seen.iat, Some(1_700_000_000));
    }
}
