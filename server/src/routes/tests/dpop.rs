//! DPoP end to end: bound tokens from every token endpoint, each proof rule at the API, nonces
//! per origin (challenge, previous one, rotation), `dpop_jkt`, the Bearer hatch, the clock, the
//! log and the counters. Proofs are real ES256 JWS made with jwt-compact.

use axum::http::header::{self, HeaderMap};
use axum::http::StatusCode;
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{app, call, call_with, cookie_pair, stats};
use crate::clock::now_secs;
use crate::dpop::proof::sha256_b64url;
use crate::dpop::proof::testing::Key;
use crate::random::random_hex;

/// The two origins (the devserver's two ports).
const A: &str = "127.0.0.1:8787";
const B: &str = "127.0.0.1:8788";
const FORM: (&str, &str) = ("content-type", "application/x-www-form-urlencoded");

/// Correct claims for `method` `url`, issued now on the wall clock.
fn claims(method: &str, url: &str) -> Value {
    json!({"jti": random_hex(16).unwrap(), "htm": method, "htu": url, "iat": now_secs()})
}

/// A correct proof, with `nonce` and the `ath` of `token` if given.
fn proof(key: &Key, method: &str, url: &str, nonce: Option<&str>, token: Option<&str>) -> String {
    let mut c = claims(method, url);
    if let Some(nonce) = nonce {
        c["nonce"] = nonce.into();
    }
    if let Some(token) = token {
        c["ath"] = sha256_b64url(token.as_bytes()).into();
    }
    key.sign(&key.header(), &c)
}

fn url(host: &str, path: &str) -> String {
    format!("http://{host}{path}")
}

fn nonce_of(headers: &HeaderMap) -> String {
    headers.get("dpop-nonce").expect("a DPoP-Nonce header").to_str().unwrap().to_owned()
}

fn www_authenticate(headers: &HeaderMap) -> &str {
    headers.get(header::WWW_AUTHENTICATE).map_or("", |v| v.to_str().unwrap())
}

/// The claims of a JWT, decoded.
fn jwt_claims(token: &str) -> Value {
    serde_json::from_slice(&B64URL.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap()
}

fn access_token(body: &Value) -> String {
    body["access_token"].as_str().unwrap_or_else(|| panic!("no access_token in {body}")).to_owned()
}

async fn enable(app: &Router, query: &str) {
    let (status, _, body) = call(app, "POST", &format!("/control/dpop?{query}"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn log(app: &Router, ns: &str) -> Value {
    call(app, "GET", &format!("/control/dpop-log?ns={ns}"), &[]).await.2
}

/// The last log entry of `ns`.
async fn last_entry(app: &Router, ns: &str) -> Value {
    log(app, ns).await["entries"].as_array().unwrap().last().cloned().expect("an entry")
}

/// `GET /api/me` on `host` with `Authorization: <scheme> <token>` and `proof` (if any).
async fn me(
    app: &Router,
    host: &str,
    scheme: &str,
    token: &str,
    proof: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let auth = format!("{scheme} {token}");
    let mut headers = vec![("host", host), ("authorization", auth.as_str())];
    if let Some(proof) = proof {
        headers.push(("dpop", proof));
    }
    call(app, "GET", "/api/me", &headers).await
}

/// A bound OAuth login of `ns` on origin A with `key`, through the nonce challenge if there is
/// one: the login's answer and the nonce A gave.
async fn bound_login(app: &Router, ns: &str, key: &Key) -> (Value, Option<String>) {
    let path = format!("/oauth/login?ns={ns}&ttl=60");
    let login_url = url(A, "/oauth/login");
    let first = proof(key, "POST", &login_url, None, None);
    let (status, headers, body) = call(app, "POST", &path, &[("host", A), ("dpop", &first)]).await;
    if status == StatusCode::OK {
        return (body, None);
    }
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("use_dpop_nonce")), "{body}");
    let nonce = nonce_of(&headers);
    let second = proof(key, "POST", &login_url, Some(&nonce), None);
    let (status, _, body) = call(app, "POST", &path, &[("host", A), ("dpop", &second)]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (body, Some(nonce))
}

/// `POST /oauth/token` on A redeeming `refresh_token`, with `proof` if given.
async fn refresh(
    app: &Router,
    query: &str,
    refresh_token: &str,
    proof: Option<&str>,
) -> (StatusCode, HeaderMap, Value) {
    let mut headers = vec![("host", A), FORM];
    if let Some(proof) = proof {
        headers.push(("dpop", proof));
    }
    let body = format!("grant_type=refresh_token&refresh_token={refresh_token}");
    call_with(app, "POST", &format!("/oauth/token{query}"), &headers, body).await
}

#[tokio::test]
async fn login_binds_and_api_calls_pass_after_one_nonce_challenge_per_origin() {
    let app = app();
    enable(&app, "ns=flow").await;
    let key = Key::new(1);
    let (login, nonce_a) = bound_login(&app, "flow", &key).await;
    let nonce_a = nonce_a.expect("nonces are required by default");
    assert_eq!(login["token_type"], "DPoP");
    let token = access_token(&login);
    assert_eq!(jwt_claims(&token)["cnf"], json!({"jkt": key.thumbprint()}));

    // The API on the other origin has a nonce of its own: A's is refused there, once.
    let api = url(B, "/api/me");
    let (status, headers, body) =
        me(&app, B, "DPoP", &token, Some(&proof(&key, "GET", &api, Some(&nonce_a), Some(&token)))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(
        www_authenticate(&headers),
        r#"DPoP error="use_dpop_nonce", error_description="a DPoP proof with the nonce in the DPoP-Nonce header is required", algs="ES256""#
    );
    let nonce_b = nonce_of(&headers);
    assert_ne!(nonce_b, nonce_a);
    for _ in 0..3 {
        let (status, headers, body) =
            me(&app, B, "DPoP", &token, Some(&proof(&key, "GET", &api, Some(&nonce_b), Some(&token)))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["jkt"], key.thumbprint().as_str());
        assert_eq!(nonce_of(&headers), nonce_b, "every answer carries the origin's nonce");
    }
    // A's nonce still works on A's API.
    let (status, _, _) =
        me(&app, A, "dpop", &token, Some(&proof(&key, "GET", &url(A, "/api/me"), Some(&nonce_a), Some(&token)))).await;
    assert_eq!(status, StatusCode::OK);

    let seen = log(&app, "flow").await;
    assert_eq!(seen["keys"], json!([key.thumbprint()]));
    assert_eq!(seen["nonces"][format!("http://{A}")]["current"], nonce_a.as_str());
    assert_eq!(seen["nonces"][format!("http://{B}")]["current"], nonce_b.as_str());
    let reasons: Vec<Value> = seen["entries"].as_array().unwrap().iter().map(|e| e["reason"].clone()).collect();
    let nonce = json!("use_dpop_nonce");
    assert_eq!(reasons, [nonce.clone(), Value::Null, nonce, Value::Null, Value::Null, Value::Null, Value::Null]);
}

#[tokio::test]
async fn a_copied_token_is_useless_without_its_key() {
    let app = app();
    enable(&app, "ns=copy&nonce=off").await;
    let key = Key::new(2);
    let token = access_token(&bound_login(&app, "copy", &key).await.0);
    let api = url(A, "/api/me");

    // As Bearer, as Bearer with a proof, as DPoP with no proof, with another key's proof.
    let thief = Key::new(3);
    for (scheme, proof, reason, error) in [
        ("Bearer", None, "bearer_for_bound_token", "invalid_token"),
        ("Bearer", Some(proof(&key, "GET", &api, None, Some(&token))), "bearer_for_bound_token", "invalid_token"),
        ("DPoP", None, "missing_proof", "invalid_dpop_proof"),
        ("DPoP", Some(proof(&thief, "GET", &api, None, Some(&token))), "jkt_mismatch", "invalid_dpop_proof"),
    ] {
        let (status, headers, body) = me(&app, A, scheme, &token, proof.as_deref()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}");
        assert_eq!((body["error"].as_str(), body["reason"].as_str()), (Some(error), Some(reason)));
        assert!(www_authenticate(&headers).starts_with(&format!(r#"DPoP error="{error}""#)), "{reason}");
        assert!(www_authenticate(&headers).ends_with(r#"algs="ES256""#));
        assert_eq!(last_entry(&app, "copy").await["reason"], reason);
    }
    let seen = stats(&app, "copy").await;
    assert_eq!((seen["unauthorized"].clone(), seen["authorized"].clone()), (json!(4), json!(0)));
    assert_eq!(log(&app, "copy").await["keys"], json!([key.thumbprint(), thief.thumbprint()]));
}

#[tokio::test]
async fn each_proof_rule_is_enforced_at_the_api() {
    let app = app();
    enable(&app, "ns=rules&nonce=off").await;
    let key = Key::new(4);
    let token = access_token(&bound_login(&app, "rules", &key).await.0);
    let api = url(A, "/api/me");
    let good = || {
        let mut c = claims("GET", &api);
        c["ath"] = sha256_b64url(token.as_bytes()).into();
        c
    };
    let signed = |header: Value, claims: Value| key.sign(&header, &claims);
    let edited_header = |edit: &dyn Fn(&mut Value)| {
        let mut h = key.header();
        edit(&mut h);
        signed(h, good())
    };
    let edited_claims = |edit: &dyn Fn(&mut Value)| {
        let mut c = good();
        edit(&mut c);
        signed(key.header(), c)
    };
    let bad_signature = {
        let p = signed(key.header(), good());
        let (input, sig) = p.rsplit_once('.').unwrap();
        let mut sig = B64URL.decode(sig).unwrap();
        sig[0] ^= 0x80;
        format!("{input}.{}", B64URL.encode(sig))
    };
    let now = now_secs();
    for (proof, reason) in [
        (edited_header(&|h| h["typ"] = json!("jwt")), "bad_typ"),
        (edited_header(&|h| h["alg"] = json!("RS256")), "bad_alg"),
        (edited_header(&|h| h["jwk"] = key.private_jwk()), "private_jwk"),
        (edited_header(&|h| h["jwk"]["crv"] = json!("P-521")), "bad_jwk"),
        (bad_signature, "bad_signature"),
        ("not-a-proof".to_owned(), "malformed_proof"),
        (edited_claims(&|c| drop(c.as_object_mut().unwrap().remove("jti"))), "bad_claims"),
        (edited_claims(&|c| c["htm"] = json!("POST")), "htm_mismatch"),
        (edited_claims(&|c| c["htu"] = json!(url(A, "/api/echo"))), "htu_mismatch"),
        (edited_claims(&|c| c["htu"] = json!(url(B, "/api/me"))), "htu_mismatch"),
        (edited_claims(&|c| c["htu"] = json!(format!("{api}?x=1"))), "htu_mismatch"),
        // (The exact bounds, ±60 accepted and ±61 refused, are `dpop`'s unit test: here a second
        // may pass between `now` and the check.)
        (edited_claims(&|c| c["iat"] = json!(now + 62)), "iat_out_of_window"),
        (edited_claims(&|c| c["iat"] = json!(now - 61)), "iat_out_of_window"),
        (edited_claims(&|c| drop(c.as_object_mut().unwrap().remove("ath"))), "ath_missing"),
        (edited_claims(&|c| c["ath"] = json!(sha256_b64url(b"another token"))), "ath_mismatch"),
    ] {
        let (status, headers, body) = me(&app, A, "DPoP", &token, Some(&proof)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reason}: {body}");
        assert_eq!(body["reason"], reason);
        assert!(www_authenticate(&headers).starts_with(r#"DPoP error="invalid_dpop_proof", error_description=""#));
        let entry = last_entry(&app, "rules").await;
        assert_eq!((entry["accepted"].clone(), entry["reason"].clone()), (json!(false), json!(reason)));
    }
    // Within the window either way, another spelling of the URL, and a query on the request.
    for proof in [
        edited_claims(&|c| c["iat"] = json!(now + 59)),
        edited_claims(&|c| c["iat"] = json!(now - 59)),
        edited_claims(&|c| c["htu"] = json!(format!("HTTP://{A}/api/./me"))),
    ] {
        let (status, _, body) = me(&app, A, "DPoP", &token, Some(&proof)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let auth = format!("DPoP {token}");
    let (status, _, body) = call(
        &app,
        "GET",
        "/api/me?delay=0",
        &[("host", A), ("authorization", &auth), ("dpop", &signed(key.header(), good()))],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "the query is not part of htu: {body}");

    // A jti is spent by its acceptance; a second DPoP header is refused.
    let once = signed(key.header(), good());
    assert_eq!(me(&app, A, "DPoP", &token, Some(&once)).await.0, StatusCode::OK);
    let (status, _, body) = me(&app, A, "DPoP", &token, Some(&once)).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNAUTHORIZED, Some("jti_reused")));
    let two = signed(key.header(), good());
    let (status, _, body) = call(
        &app,
        "GET",
        "/api/me",
        &[("host", A), ("authorization", &auth), ("dpop", &two), ("dpop", &signed(key.header(), good()))],
    )
    .await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNAUTHORIZED, Some("multiple_proofs")));
    // The echo route is behind the same gate; htm follows the method.
    let echo = url(A, "/api/echo");
    let mut c = claims("PUT", &echo);
    c["ath"] = sha256_b64url(token.as_bytes()).into();
    let (status, _, body) = call_with(
        &app,
        "PUT",
        "/api/echo",
        &[("host", A), ("authorization", &auth), ("dpop", &signed(key.header(), c))],
        "x",
    )
    .await;
    assert_eq!((status, body["bodyLength"].as_u64()), (StatusCode::OK, Some(1)), "{body}");
}

#[tokio::test]
async fn token_problems_come_after_the_proof_as_dpop_invalid_token() {
    let app = app();
    enable(&app, "ns=tok&nonce=off").await;
    let key = Key::new(5);
    let api = url(A, "/api/me");
    let (status, _, expired) = call(
        &app,
        "POST",
        "/auth/token?ns=tok&ttl=0",
        &[("host", A), ("dpop", &proof(&key, "POST", &url(A, "/auth/token"), None, None))],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{expired}");
    let expired = access_token(&expired);
    let (status, headers, body) =
        me(&app, A, "DPoP", &expired, Some(&proof(&key, "GET", &api, None, Some(&expired)))).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNAUTHORIZED, Some("token_expired")));
    assert_eq!(
        www_authenticate(&headers),
        r#"DPoP error="invalid_token", error_description="the access token expired", algs="ES256""#
    );
    let token = access_token(&bound_login(&app, "tok", &key).await.0);
    call(&app, "POST", "/control/revoke?ns=tok", &[]).await;
    let (_, _, body) = me(&app, A, "DPoP", &token, Some(&proof(&key, "GET", &api, None, Some(&token)))).await;
    assert_eq!(body["reason"], "token_revoked");
    // An unbound token sent as DPoP; a token that is not one of ours.
    let (_, _, bearer) = call(&app, "POST", "/auth/token?ns=tok&bearer=1", &[("host", A)]).await;
    let unbound = access_token(&bearer);
    let (status, _, body) = me(&app, A, "DPoP", &unbound, Some(&proof(&key, "GET", &api, None, Some(&unbound)))).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNAUTHORIZED, Some("unbound_token")));
    let (_, headers, body) = call(&app, "GET", "/api/me?ns=tok", &[("host", A), ("authorization", "DPoP junk")]).await;
    assert_eq!(body["reason"], "token_malformed");
    assert!(www_authenticate(&headers).starts_with(r#"DPoP error="invalid_token""#));
}

#[tokio::test]
async fn nonces_are_challenged_kept_and_rotated() {
    let app = app();
    enable(&app, "ns=nonce").await;
    let key = Key::new(6);
    // Token endpoint: a missing nonce, then a made-up one: 400 use_dpop_nonce with the nonce.
    let login_url = url(A, "/auth/token");
    for sent in [None, Some("made-up")] {
        let p = proof(&key, "POST", &login_url, sent, None);
        let (status, headers, body) = call(&app, "POST", "/auth/token?ns=nonce", &[("host", A), ("dpop", &p)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "use_dpop_nonce");
        assert!(body["error_description"].as_str().unwrap().contains("DPoP-Nonce"));
        assert!(!nonce_of(&headers).is_empty());
        assert_eq!(last_entry(&app, "nonce").await["nonceCheck"], if sent.is_some() { "stale" } else { "missing" });
    }
    let (token, first) = {
        let (body, nonce) = bound_login(&app, "nonce", &key).await;
        (access_token(&body), nonce.unwrap())
    };
    let api = url(A, "/api/me");
    let get = |nonce: String| {
        let (app, key, token, api) = (app.clone(), &key, token.clone(), api.clone());
        async move { me(&app, A, "DPoP", &token, Some(&proof(key, "GET", &api, Some(&nonce), Some(&token)))).await }
    };
    assert_eq!(get(first.clone()).await.0, StatusCode::OK);

    // Rotated by the control route: the previous nonce is still accepted, the one before not.
    let (_, _, rotated) = call(&app, "POST", "/control/dpop-rotate?ns=nonce", &[]).await;
    let second = rotated["nonces"][format!("http://{A}")].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let (status, headers, _) = get(first.clone()).await;
    assert_eq!(status, StatusCode::OK, "the previous nonce");
    assert_eq!(nonce_of(&headers), second, "the answer teaches the current one");
    assert_eq!(last_entry(&app, "nonce").await["nonceCheck"], "previous");
    let (_, _, rotated) = call(&app, "POST", &format!("/control/dpop-rotate?ns=nonce&origin=http://{A}"), &[]).await;
    let third = rotated["nonces"][format!("http://{A}")].as_str().unwrap().to_owned();
    let (status, headers, body) = get(first.clone()).await;
    assert_eq!((status, body["reason"].as_str()), (StatusCode::UNAUTHORIZED, Some("use_dpop_nonce")));
    assert_eq!(nonce_of(&headers), third);
    assert_eq!(get(second.clone()).await.0, StatusCode::OK);

    // Rotation after N uses: the second use of a nonce makes a new one.
    enable(&app, "ns=nonce&rotate=2").await;
    let (status, headers, _) = get(third.clone()).await;
    assert_eq!((status, nonce_of(&headers)), (StatusCode::OK, third.clone()));
    let (status, headers, _) = get(third.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let fourth = nonce_of(&headers);
    assert_ne!(fourth, third, "rotated after 2 uses");
    let issued = &log(&app, "nonce").await["nonces"][format!("http://{A}")]["issued"];
    assert_eq!(issued, &json!([first, second, third, fourth]));
    // Nonces off: no header, no nonce needed.
    enable(&app, "ns=nonce&nonce=off").await;
    let (status, headers, _) = me(&app, A, "DPoP", &token, Some(&proof(&key, "GET", &api, None, Some(&token)))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("dpop-nonce").is_none());
}

#[tokio::test]
async fn every_token_endpoint_binds_and_bearer_1_does_not() {
    let app = app();
    enable(&app, "ns=ep&nonce=off").await;
    let key = Key::new(7);
    let thumbprint = json!({"jkt": key.thumbprint()});

    // /auth/token and /auth/login: bound with a proof, Bearer with ?bearer=1, refused without.
    for path in ["/auth/token", "/auth/login"] {
        let p = proof(&key, "POST", &url(A, path), None, None);
        let (status, _, body) = call(&app, "POST", &format!("{path}?ns=ep"), &[("host", A), ("dpop", &p)]).await;
        assert_eq!((status, body["token_type"].as_str()), (StatusCode::OK, Some("DPoP")), "{path}: {body}");
        assert_eq!(jwt_claims(&access_token(&body))["cnf"], thumbprint);
        let (status, _, body) = call(&app, "POST", &format!("{path}?ns=ep&bearer=1"), &[("host", A)]).await;
        assert_eq!((status, body["token_type"].as_str()), (StatusCode::OK, Some("Bearer")), "{path}");
        let bearer = access_token(&body);
        assert!(jwt_claims(&bearer).get("cnf").is_none());
        // The Bearer fallback: that token works as Bearer, in DPoP mode.
        let (status, _, _) = me(&app, A, "Bearer", &bearer, None).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, body) = call(&app, "POST", &format!("{path}?ns=ep"), &[("host", A)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body, json!({"error": "invalid_dpop_proof", "error_description": "a DPoP proof is required"}));
    }

    // /oauth/token: a bound session's grant needs its key's proof; a refused one spends nothing.
    let (login, _) = bound_login(&app, "ep", &key).await;
    let r0 = login["refresh_token"].as_str().unwrap().to_owned();
    let token_url = url(A, "/oauth/token");
    let (status, _, body) = refresh(&app, "", &r0, None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")));
    let (status, _, body) = refresh(&app, "?bearer=1", &r0, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")),
        "bound stays bound"
    );
    let (status, _, body) = refresh(&app, "", &r0, Some(&proof(&Key::new(8), "POST", &token_url, None, None))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")));
    assert_eq!(last_entry(&app, "ep").await["reason"], "jkt_mismatch");
    let (status, _, granted) = refresh(&app, "", &r0, Some(&proof(&key, "POST", &token_url, None, None))).await;
    assert_eq!((status, granted["token_type"].as_str()), (StatusCode::OK, Some("DPoP")), "{granted}");
    assert_eq!(jwt_claims(&access_token(&granted))["cnf"], thumbprint);
    assert_eq!(stats(&app, "ep").await["reuseDetected"], 0);

    // An unbound session (opened with bearer=1) gets Bearer with bearer=1, DPoP with a proof.
    let (_, _, plain) = call(&app, "POST", "/oauth/login?ns=ep&bearer=1", &[("host", A)]).await;
    assert_eq!(plain["token_type"], "Bearer");
    let (_, _, next) = refresh(&app, "?bearer=1", plain["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(next["token_type"], "Bearer");
    let (_, _, bound) =
        refresh(&app, "", next["refresh_token"].as_str().unwrap(), Some(&proof(&key, "POST", &token_url, None, None)))
            .await;
    assert_eq!(bound["token_type"], "DPoP");

    // The cookie session: login with a proof, refresh needs one too.
    let login_url = url(A, "/auth/login");
    let (_, headers, _) =
        call(&app, "POST", "/auth/login?ns=ep", &[("host", A), ("dpop", &proof(&key, "POST", &login_url, None, None))])
            .await;
    let cookie = cookie_pair(&headers);
    let (status, _, body) = call(&app, "POST", "/auth/refresh", &[("host", A), ("cookie", &cookie)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")));
    let p = proof(&key, "POST", &url(A, "/auth/refresh"), None, None);
    let (status, _, body) =
        call(&app, "POST", "/auth/refresh", &[("host", A), ("cookie", &cookie), ("dpop", &p)]).await;
    assert_eq!((status, body["token_type"].as_str()), (StatusCode::OK, Some("DPoP")), "{body}");
    assert_eq!(stats(&app, "ep").await["dpop"]["boundTokensIssued"], 7);
}

#[tokio::test]
async fn outside_dpop_mode_nothing_changes() {
    let app = app();
    let key = Key::new(9);
    let p = proof(&key, "POST", &url(A, "/oauth/login"), None, None);
    let (status, headers, body) = call(&app, "POST", "/oauth/login?ns=plain", &[("host", A), ("dpop", &p)]).await;
    assert_eq!((status, body["token_type"].as_str()), (StatusCode::OK, Some("Bearer")), "a proof is not looked at");
    assert!(headers.get("dpop-nonce").is_none());
    let token = access_token(&body);
    let (status, headers, _) = me(&app, A, "Bearer", &token, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get("dpop-nonce").is_none());
    let (_, headers, body) = me(&app, A, "Bearer", "junk", None).await;
    assert_eq!(www_authenticate(&headers), r#"Bearer error="invalid_token""#);
    assert_eq!(body, json!({"error": "invalid_token", "reason": "malformed"}));
    let (status, _, body) =
        call(&app, "POST", &format!("/auth/token?ns=plain&dpop_jkt={}", key.thumbprint()), &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["detail"].as_str().unwrap().contains("DPoP mode"));
    assert_eq!(log(&app, "plain").await["entries"], json!([]));
    // Switched off again: Bearer as before.
    enable(&app, "ns=plain&mode=off").await;
    let (_, _, body) = call(&app, "POST", "/auth/token?ns=plain", &[]).await;
    assert_eq!(body["token_type"], "Bearer");
}

#[tokio::test]
async fn dpop_jkt_binds_the_session_to_that_key() {
    let app = app();
    enable(&app, "ns=jkt").await;
    let key = Key::new(10);
    let (status, _, login) =
        call(&app, "POST", &format!("/oauth/login?ns=jkt&dpop_jkt={}", key.thumbprint()), &[]).await;
    assert_eq!((status, login["token_type"].as_str()), (StatusCode::OK, Some("DPoP")), "{login}");
    assert_eq!(jwt_claims(&access_token(&login))["cnf"]["jkt"], key.thumbprint().as_str());
    let r0 = login["refresh_token"].as_str().unwrap();

    // Another key's proof: refused (after the nonce challenge), the token unspent.
    let token_url = url(A, "/oauth/token");
    let other = Key::new(11);
    let (status, headers, _) = refresh(&app, "", r0, Some(&proof(&other, "POST", &token_url, None, None))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let nonce = nonce_of(&headers);
    let (status, _, body) = refresh(&app, "", r0, Some(&proof(&other, "POST", &token_url, Some(&nonce), None))).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")));
    let entry = last_entry(&app, "jkt").await;
    assert_eq!(entry["reason"], "jkt_mismatch");
    assert_eq!((entry["jkt"].clone(), entry["boundJkt"].clone()), (json!(other.thumbprint()), json!(key.thumbprint())));
    let (status, _, body) = refresh(&app, "", r0, Some(&proof(&key, "POST", &token_url, Some(&nonce), None))).await;
    assert_eq!((status, body["token_type"].as_str()), (StatusCode::OK, Some("DPoP")), "{body}");

    // A proof of another key at the login itself, and a dpop_jkt that is no thumbprint.
    let p = proof(&other, "POST", &url(A, "/oauth/login"), Some(&nonce), None);
    let path = format!("/oauth/login?ns=jkt&dpop_jkt={}", key.thumbprint());
    let (status, _, body) = call(&app, "POST", &path, &[("host", A), ("dpop", &p)]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")));
    let (status, _, body) = call(&app, "POST", "/oauth/login?ns=jkt&dpop_jkt=abc", &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
}

#[tokio::test]
async fn the_namespace_clock_moves_tokens_dates_and_the_iat_window() {
    let app = app();
    enable(&app, "ns=clock&nonce=off").await;
    let key = Key::new(12);
    let token = access_token(&bound_login(&app, "clock", &key).await.0);
    let (status, _, body) = call(&app, "POST", "/control/clock?ns=clock&offsetSeconds=300", &[]).await;
    assert_eq!((status, body["offsetSeconds"].as_i64()), (StatusCode::OK, Some(300)));
    let ahead = now_secs() + 300;
    assert!((body["serverTime"].as_i64().unwrap() - ahead).abs() <= 1);

    // The 60 s token issued before is expired on the moved clock; a new one lives on it.
    let api = url(A, "/api/me");
    let mut c = claims("GET", &api);
    c["iat"] = json!(ahead);
    c["ath"] = sha256_b64url(token.as_bytes()).into();
    let (_, headers, body) = me(&app, A, "DPoP", &token, Some(&key.sign(&key.header(), &c))).await;
    assert_eq!(body["reason"], "token_expired");
    let date = headers[header::DATE].to_str().unwrap();
    assert!((ahead - 1..=ahead + 1).any(|t| crate::clock::http_date(t) == date), "Date {date} is on the moved clock");
    let p = proof(&key, "POST", &url(A, "/auth/token"), None, None);
    let (_, _, body) = call(&app, "POST", "/auth/token?ns=clock&ttl=20", &[("host", A), ("dpop", &p)]).await;
    assert_eq!(body["error"], "invalid_dpop_proof", "a proof on the wall clock is 300 s behind");
    assert_eq!(last_entry(&app, "clock").await["reason"], "iat_out_of_window");
    let mut c = claims("POST", &url(A, "/auth/token"));
    c["iat"] = json!(ahead);
    let (_, _, body) =
        call(&app, "POST", "/auth/token?ns=clock&ttl=20", &[("host", A), ("dpop", &key.sign(&key.header(), &c))]).await;
    let fresh = access_token(&body);
    assert!((jwt_claims(&fresh)["iat"].as_i64().unwrap() - ahead).abs() <= 1);
    let entry = last_entry(&app, "clock").await;
    assert!((entry["serverTime"].as_i64().unwrap() - ahead).abs() <= 1);

    let (status, _, _) = call(&app, "POST", "/control/clock?ns=clock&offsetSeconds=99999999999", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Other namespaces keep the wall clock.
    let (_, headers, _) = call(&app, "POST", "/auth/token?ns=other", &[]).await;
    assert!(headers.get(header::DATE).is_none(), "hyper writes the real Date itself");
}

#[tokio::test]
async fn the_log_tells_what_was_seen_and_never_a_token() {
    let app = app();
    enable(&app, "ns=log&rotate=5").await;
    let key = Key::new(13);
    let (login, nonce) = bound_login(&app, "log", &key).await;
    let nonce = nonce.unwrap();
    let token = access_token(&login);
    let api = url(A, "/api/me");
    let sent = proof(&key, "GET", &api, Some(&nonce), Some(&token));
    let (status, _, _) = me(&app, A, "DPoP", &token, Some(&sent)).await;
    assert_eq!(status, StatusCode::OK);

    let seen = log(&app, "log").await;
    assert_eq!(
        (seen["enabled"].clone(), seen["nonce"].clone(), seen["rotate"].clone()),
        (json!(true), json!("required"), json!(5))
    );
    let entries = seen["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let first = &entries[0];
    assert_eq!(first["endpoint"], "token");
    assert_eq!(first["route"], "/oauth/login");
    assert_eq!(first["reason"], "use_dpop_nonce");
    assert_eq!((first["nonce"].clone(), first["nonceCheck"].clone()), (Value::Null, json!("missing")));
    let api_entry = &entries[2];
    let iat = api_entry["iat"].as_i64().unwrap();
    assert!((api_entry["serverTime"].as_i64().unwrap() - iat).abs() <= 1);
    let expected = json!({
        "seq": 3, "endpoint": "resource", "route": "/api/me", "origin": format!("http://{A}"), "method": "GET",
        "expectedHtu": api, "scheme": "DPoP", "proof": true, "htm": "GET", "htu": api, "iat": iat,
        "jti": jwt_claims(&sent)["jti"], "jkt": key.thumbprint(), "nonce": nonce, "serverTime": api_entry["serverTime"],
        "nonceCheck": "current", "athMatched": true, "boundJkt": key.thumbprint(), "accepted": true, "reason": null,
        "checkMicros": api_entry["checkMicros"],
    });
    assert!(api_entry["checkMicros"].as_u64().is_some_and(|us| us > 0), "how long the check took: {api_entry}");
    assert_eq!(api_entry, &expected);
    assert_eq!(seen["keys"], json!([key.thumbprint()]));
    assert_eq!(seen["nonces"][format!("http://{A}")]["issued"], json!([nonce]));
    assert_eq!(seen["counts"]["proofs"], 3);
    let text = seen.to_string();
    assert!(!text.contains(&token) && !text.contains(&sent), "no token, no proof");
    assert!(!text.contains(login["refresh_token"].as_str().unwrap()));

    // Bearer requests in DPoP mode are logged as such; counters follow.
    let (_, _, bearer) = call(&app, "POST", "/auth/token?ns=log&bearer=1", &[("host", A)]).await;
    let (status, headers, _) = me(&app, A, "Bearer", &access_token(&bearer), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(nonce_of(&headers), nonce, "a Bearer answer in DPoP mode carries the nonce too");
    let entry = last_entry(&app, "log").await;
    assert_eq!(
        (entry["scheme"].clone(), entry["proof"].clone(), entry["accepted"].clone()),
        (json!("Bearer"), json!(false), json!(true))
    );
    let dpop = &stats(&app, "log").await["dpop"];
    assert_eq!(
        dpop,
        &json!({"enabled": true, "proofs": 3, "accepted": 3, "refused": 1, "nonceChallenges": 1, "boundTokensIssued": 1})
    );
    call(&app, "POST", "/control/reset?ns=log", &[]).await;
    assert_eq!(log(&app, "log").await["entries"], json!([]));
}

#[tokio::test]
async fn control_routes_refuse_what_they_do_not_know() {
    let app = app();
    for path in [
        "/control/dpop?ns=c&nonce=maybe",
        "/control/dpop?ns=c&mode=sometimes",
        "/control/dpop?ns=c&rotate=-1",
        "/control/dpop?ns=c&nonces=off",
        "/control/dpop-rotate?ns=c&origin=nope",
        "/control/clock?ns=c",
        "/control/clock?ns=c&offset=5",
    ] {
        let (status, _, body) = call(&app, "POST", path, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
    }
    let (_, _, body) = call(&app, "POST", "/control/dpop?ns=c&nonce=off&rotate=3", &[]).await;
    assert_eq!(body, json!({"ns": "c", "enabled": true, "nonce": "off", "rotate": 3}));
}
