//! Why a request failed its DPoP check: the short code the log and the answers carry, the
//! OAuth error it is answered with, and a sentence for `error_description`.

use crate::tokens;

/// One reason a DPoP check refuses a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    MissingProof,
    MultipleProofs,
    /// Not a compact JWS with a JSON header and claims.
    Malformed,
    BadTyp,
    BadAlg,
    /// `jwk` missing, not an EC P-256 public key, or not a point on the curve.
    BadJwk,
    /// `jwk` carries the private key (`d`).
    PrivateJwk,
    BadSignature,
    /// `jti`, `htm`, `htu` or `iat` missing, or a claim of the wrong type.
    BadClaims,
    HtmMismatch,
    HtuMismatch,
    IatOutOfWindow,
    JtiReused,
    /// The nonce is missing or no longer accepted.
    UseDpopNonce,
    AthMissing,
    AthMismatch,
    /// The proof's key is not the one the token (or session) is bound to.
    JktMismatch,
    /// A bound token sent as `Bearer`: the copied-token case.
    BearerForBoundToken,
    /// An unbound token sent as `DPoP`.
    UnboundToken,
    /// The proof is good; the access token is not.
    Token(tokens::Reason),
}

impl Reason {
    /// The code in the log and in answers' `reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MissingProof => "missing_proof",
            Reason::MultipleProofs => "multiple_proofs",
            Reason::Malformed => "malformed_proof",
            Reason::BadTyp => "bad_typ",
            Reason::BadAlg => "bad_alg",
            Reason::BadJwk => "bad_jwk",
            Reason::PrivateJwk => "private_jwk",
            Reason::BadSignature => "bad_signature",
            Reason::BadClaims => "bad_claims",
            Reason::HtmMismatch => "htm_mismatch",
            Reason::HtuMismatch => "htu_mismatch",
            Reason::IatOutOfWindow => "iat_out_of_window",
            Reason::JtiReused => "jti_reused",
            Reason::UseDpopNonce => "use_dpop_nonce",
            Reason::AthMissing => "ath_missing",
            Reason::AthMismatch => "ath_mismatch",
            Reason::JktMismatch => "jkt_mismatch",
            Reason::BearerForBoundToken => "bearer_for_bound_token",
            Reason::UnboundToken => "unbound_token",
            Reason::Token(tokens::Reason::Missing) => "token_missing",
            Reason::Token(tokens::Reason::Malformed) => "token_malformed",
            Reason::Token(tokens::Reason::Expired) => "token_expired",
            Reason::Token(tokens::Reason::Revoked) => "token_revoked",
            Reason::Token(tokens::Reason::BadSignature) => "token_bad_signature",
        }
    }

    /// The OAuth error code (RFC 9449 §7.1, §8; RFC 6750 §3.1).
    pub fn error(self) -> &'static str {
        match self {
            Reason::UseDpopNonce => "use_dpop_nonce",
            Reason::BearerForBoundToken | Reason::UnboundToken | Reason::Token(_) => "invalid_token",
            _ => "invalid_dpop_proof",
        }
    }

    /// For `error_description`: plain ASCII without quotes or backslashes, so that it can stand
    /// in a `WWW-Authenticate` quoted string as it is.
    pub fn describe(self) -> &'static str {
        match self {
            Reason::MissingProof => "a DPoP proof is required",
            Reason::MultipleProofs => "more than one DPoP header",
            Reason::Malformed => "the DPoP proof is not a compact JWS with JSON header and claims",
            Reason::BadTyp => "the DPoP proof's typ must be dpop+jwt",
            Reason::BadAlg => "the DPoP proof's alg must be ES256",
            Reason::BadJwk => "the DPoP proof's jwk must be an EC P-256 public key",
            Reason::PrivateJwk => "the DPoP proof's jwk contains a private key",
            Reason::BadSignature => "the DPoP proof's signature does not verify with its jwk",
            Reason::BadClaims => "the DPoP proof needs string jti, htm and htu and a numeric iat",
            Reason::HtmMismatch => "the DPoP proof's htm is not this request's method",
            Reason::HtuMismatch => "the DPoP proof's htu is not this request's URL without query and fragment",
            Reason::IatOutOfWindow => "the DPoP proof's iat is more than 60 seconds from the server's clock",
            Reason::JtiReused => "the DPoP proof's jti was used before",
            Reason::UseDpopNonce => "a DPoP proof with the nonce in the DPoP-Nonce header is required",
            Reason::AthMissing => "the DPoP proof needs ath, the hash of the access token",
            Reason::AthMismatch => "the DPoP proof's ath is not the hash of this access token",
            Reason::JktMismatch => "the DPoP proof is signed with another key than the one the token is bound to",
            Reason::BearerForBoundToken => {
                "the token is bound to a DPoP key: send it as Authorization DPoP with a proof"
            }
            Reason::UnboundToken => "the token is not DPoP-bound: send it as Bearer",
            Reason::Token(tokens::Reason::Missing) => "no access token",
            Reason::Token(tokens::Reason::Expired) => "the access token expired",
            Reason::Token(tokens::Reason::Revoked) => "the access token was revoked",
            Reason::Token(_) => "the access token is not valid",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_errors() {
        assert_eq!(Reason::UseDpopNonce.error(), "use_dpop_nonce");
        assert_eq!(Reason::JktMismatch.error(), "invalid_dpop_proof");
        assert_eq!(Reason::BearerForBoundToken.error(), "invalid_token");
        assert_eq!(Reason::Token(tokens::Reason::Expired).as_str(), "token_expired");
        // Descriptions go into quoted strings unescaped.
        for reason in [Reason::HtuMismatch, Reason::BearerForBoundToken, Reason::Token(tokens::Reason::Revoked)] {
            assert!(reason.describe().bytes().all(|b| b.is_ascii() && b != b'"' && b != b'\\'));
        }
    }
}
