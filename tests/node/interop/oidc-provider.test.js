// Interoperability with a provider nobody here wrote: panva's oidc-provider (interop/provider.js)
// with DPoP on and nonces required, and a resource server that checks proofs and the bound JWT
// access tokens with jose (interop/resource-server.js), both in this process on free ports of
// 127.0.0.1. The app is what a SPA using tokenfetch would be: a login through the authorization
// endpoint with `dpop_jkt = await client.dpopThumbprint()`, then every token request (the code
// exchange, each refresh grant) made by `onTokenExpired` through
// `client.fetch(tokenEndpoint, { auth: "proof", method: "POST", body })`. Each test checks what the
// caller got and what the provider and the resource server saw.
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import init, { AuthClient } from "tokenfetch";
import { sha256 } from "../support/dpop.js";
import { CLIENT_ID, REDIRECT_URI, login, startProvider } from "./provider.js";
import { startResourceServer } from "./resource-server.js";

let op; // the provider
let rs; // the resource server
const apps = [];

beforeAll(async () => {
  await init();
  rs = await startResourceServer();
  op = await startProvider({ resource: rs.resource });
  rs.trust = { issuer: op.issuer, jwksUri: op.discovery.jwks_uri };
});
afterAll(async () => {
  await rs?.stop();
  await op?.stop();
});
afterEach(() => {
  for (const app of apps.splice(0)) app.client.free();
  op.settings.accessTokenTtl = 600;
});

/**
 * The SPA: a DPoP client for the resource server whose `onTokenExpired` redeems the pending
 * authorization code, else the current refresh token, at the provider's token endpoint with a
 * proof. `app.answers` keeps every token endpoint answer (status and JSON).
 */
function startApp(options = {}) {
  const app = { events: [], answers: [], code: null, verifier: null, refreshToken: null };
  app.onTokenExpired = vi.fn(async () => {
    const body = new URLSearchParams({ client_id: CLIENT_ID });
    if (app.code) {
      body.set("grant_type", "authorization_code");
      body.set("code", app.code);
      body.set("redirect_uri", REDIRECT_URI);
      body.set("code_verifier", app.verifier);
      app.code = null;
    } else if (app.refreshToken) {
      body.set("grant_type", "refresh_token");
      body.set("refresh_token", app.refreshToken);
    } else {
      return null; // not signed in yet
    }
    const response = await app.client.fetch(op.discovery.token_endpoint, { auth: "proof", method: "POST", body });
    const answer = await response.json();
    app.answers.push({ status: response.status, ...answer });
    if (answer.error === "invalid_grant") return false; // signed out
    if (!response.ok) throw new Error(`token endpoint answered ${response.status} ${answer.error}`);
    app.refreshToken = answer.refresh_token;
    return answer; // { access_token, token_type: "DPoP", expires_in, refresh_token, id_token, scope }
  });
  app.client = new AuthClient({
    dpop: true,
    baseUrl: rs.resource,
    onTokenExpired: app.onTokenExpired,
    onEvent: (event) => app.events.push(event),
    ...options,
  });
  apps.push(app);
  return app;
}

/** The login: authorization request with PKCE and dpop_jkt, through the interaction pages. */
async function signIn(app) {
  app.verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(8).toString("hex");
  const url = new URL(op.discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: "openid api:read",
    resource: rs.resource,
    state,
    code_challenge: sha256(app.verifier), // S256: base64url SHA-256 of the verifier
    code_challenge_method: "S256",
    dpop_jkt: await app.client.dpopThumbprint(),
  });
  const back = await login(url.href);
  expect(back.searchParams.get("state")).toBe(state);
  expect(back.searchParams.get("iss")).toBe(op.issuer);
  app.code = back.searchParams.get("code");
  expect(app.code).toBeTruthy();
  return app;
}

const since = (list, start) => list.slice(start);
const retries = (app) => app.events.filter((e) => e.type === "retry").map(({ status, cause }) => [status, cause]);

describe("oidc-provider with DPoP and nonces required", () => {
  test("login with dpop_jkt; the code exchange through auth: \"proof\" meets use_dpop_nonce and retries; API calls are accepted after one nonce challenge", async () => {
    expect(op.discovery.dpop_signing_alg_values_supported).toContain("ES256");
    const ops = op.log.tokenRequests.length;
    const rss = rs.log.length;
    const challenges = rs.challenges;
    const app = startApp();
    const jkt = await app.client.dpopThumbprint();
    expect(app.events.filter((e) => e.type === "dpop-key")).toEqual([{ type: "dpop-key", stored: false }]);
    await signIn(app);
    expect(op.log.codes.at(-1).dpopJkt).toBe(jkt); // the provider bound the code to the key
    expect(op.log.prompts.slice(-2)).toEqual(["login", "consent"]);

    // No token yet: the first request has the callback exchange the code, then goes out.
    const me = await app.client.fetch("api/me");
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ sub: "alice", client_id: CLIENT_ID, scope: "api:read", jkt, method: "GET", path: "/api/me", body: "" });
    expect(app.onTokenExpired).toHaveBeenCalledTimes(1);

    // The provider: one use_dpop_nonce, then the exchange with its nonce, a DPoP-bound answer.
    const [challenge, exchange] = since(op.log.tokenRequests, ops);
    expect(since(op.log.tokenRequests, ops)).toHaveLength(2);
    expect(challenge).toMatchObject({ grantType: "authorization_code", status: 400, error: "use_dpop_nonce", proof: true, proofNonce: null });
    expect(challenge.answeredNonce).toBeTruthy();
    expect(exchange).toMatchObject({ grantType: "authorization_code", status: 200, error: null, tokenType: "DPoP", proofNonce: challenge.answeredNonce });
    const [answer] = app.answers;
    expect(answer).toMatchObject({ status: 200, token_type: "DPoP" });
    expect(answer.refresh_token).toBeTruthy();
    const claims = decodeJwt(answer.access_token);
    expect(claims).toMatchObject({ iss: op.issuer, aud: rs.resource, sub: "alice", client_id: CLIENT_ID, cnf: { jkt } });

    // The resource server: its own nonce demanded once, then the proof (ath of that token) accepted.
    expect(since(rs.log, rss)).toEqual([
      expect.objectContaining({ path: "/api/me", scheme: "DPoP", proofNonce: null, accepted: false, reason: "use_dpop_nonce" }),
      expect.objectContaining({ path: "/api/me", proofNonce: rs.nonce, ath: sha256(answer.access_token), tokenJti: claims.jti, jkt, accepted: true }),
    ]);
    expect(rs.challenges - challenges).toBe(1);

    // More calls, a body among them: no challenge anywhere, every one accepted.
    const echo = await app.client.fetch("api/orders?page=2", { method: "POST", body: JSON.stringify({ item: 7 }), headers: { "content-type": "application/json" } });
    expect(echo.status).toBe(200);
    expect(await echo.json()).toMatchObject({ method: "POST", path: "/api/orders", body: '{"item":7}', jkt });
    expect((await app.client.fetch("api/me", { method: "DELETE" })).status).toBe(200);
    // A nonce announced on a 200 is the one the next proof carries: still no challenge.
    const firstNonce = rs.nonce;
    rs.rotateNonce();
    expect((await app.client.fetch("api/me")).status).toBe(200);
    expect(rs.nonce).not.toBe(firstNonce);
    expect((await app.client.fetch("api/me")).status).toBe(200);
    expect(since(rs.log, rss + 2).map((e) => [e.method, e.accepted, e.proofNonce])).toEqual([
      ["POST", true, firstNonce],
      ["DELETE", true, firstNonce],
      ["GET", true, firstNonce],
      ["GET", true, rs.nonce],
    ]);
    expect(rs.challenges - challenges).toBe(1);
    expect(op.log.tokenRequests.length - ops).toBe(2);
    expect(retries(app)).toEqual([[400, "dpop-nonce"], [401, "dpop-nonce"]]);
  });

  test("the resource server revokes the access token: its 401 → onTokenExpired → the refresh grant with a proof (no challenge) → rotated refresh token → the retry is accepted", async () => {
    const app = await signIn(startApp());
    const jkt = await app.client.dpopThumbprint();
    expect((await app.client.fetch("api/me")).status).toBe(200);
    const first = app.answers.at(-1);
    rs.revoke(decodeJwt(first.access_token).jti);
    const ops = op.log.tokenRequests.length;
    const rss = rs.log.length;
    const challenges = rs.challenges;

    const response = await app.client.fetch("api/me");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: "alice", jkt });
    expect(app.onTokenExpired).toHaveBeenCalledTimes(2); // the code, then one refresh

    const refreshed = app.answers.at(-1);
    expect(refreshed).toMatchObject({ status: 200, token_type: "DPoP" });
    expect(refreshed.refresh_token).not.toBe(first.refresh_token); // rotated
    expect(decodeJwt(refreshed.access_token).cnf).toEqual({ jkt });
    expect(since(op.log.tokenRequests, ops)).toEqual([
      expect.objectContaining({ grantType: "refresh_token", status: 200, tokenType: "DPoP", proofNonce: expect.any(String) }),
    ]);
    expect(since(rs.log, rss)).toEqual([
      expect.objectContaining({ accepted: false, reason: "token_revoked", ath: sha256(first.access_token) }),
      expect.objectContaining({ accepted: true, ath: sha256(refreshed.access_token), tokenJti: decodeJwt(refreshed.access_token).jti }),
    ]);
    expect(rs.challenges).toBe(challenges);
    expect(app.events.filter((e) => e.type === "refresh-start").map((e) => e.trigger)).toEqual(["expiry", "status"]);
    expect(retries(app).at(-1)).toEqual([401, "token"]);

    // Rotation for real: the spent refresh token is refused (and the provider ends the grant).
    const reuse = await app.client.fetch(op.discovery.token_endpoint, {
      auth: "proof",
      method: "POST",
      body: new URLSearchParams({ client_id: CLIENT_ID, grant_type: "refresh_token", refresh_token: first.refresh_token }),
    });
    expect(reuse.status).toBe(400);
    expect((await reuse.json()).error).toBe("invalid_grant");
  });

  test("the access token expires: the next request refreshes ahead through onTokenExpired and the resource server accepts the new token", async () => {
    op.settings.accessTokenTtl = 2;
    const app = await signIn(startApp({ autoRefresh: false }));
    expect(await app.client.refresh()).toBe(true); // the code exchange, with no request waiting
    const first = app.answers.at(-1);
    expect(first).toMatchObject({ status: 200, expires_in: 2 });
    op.settings.accessTokenTtl = 600;
    const { exp } = decodeJwt(first.access_token);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 100));
    const jwks = createRemoteJWKSet(new URL(op.discovery.jwks_uri));
    await expect(jwtVerify(first.access_token, jwks, { issuer: op.issuer, audience: rs.resource })).rejects.toMatchObject({ code: "ERR_JWT_EXPIRED" });
    const rss = rs.log.length;
    const ops = op.log.tokenRequests.length;

    const response = await app.client.fetch("api/me");
    expect(response.status).toBe(200);
    const refreshed = app.answers.at(-1);
    expect(refreshed).toMatchObject({ status: 200, token_type: "DPoP", expires_in: 600 });
    expect(refreshed.refresh_token).not.toBe(first.refresh_token);
    expect(app.events.filter((e) => e.type === "refresh-start").map((e) => e.trigger)).toEqual(["manual", "expiry"]);
    expect(since(op.log.tokenRequests, ops)).toEqual([expect.objectContaining({ grantType: "refresh_token", status: 200, tokenType: "DPoP" })]);
    // The expired token never went to the resource server: both sends (its nonce challenge, then
    // the accepted one) carried the new token.
    expect(since(rs.log, rss).map((e) => [e.accepted, e.reason, e.ath])).toEqual([
      [false, "use_dpop_nonce", sha256(refreshed.access_token)],
      [true, null, sha256(refreshed.access_token)],
    ]);
  });

  test("a copied token or refresh token is useless without the key: refused with another key's proof, or as Bearer", async () => {
    const app = await signIn(startApp());
    expect((await app.client.fetch("api/me")).status).toBe(200);
    const { access_token: stolen, refresh_token: stolenRefresh } = app.answers.at(-1);
    const thief = startApp();
    thief.client.setToken(stolen);
    const rss = rs.log.length;

    expect((await thief.client.fetch("api/me")).status).toBe(401);
    expect(since(rs.log, rss).map((e) => [e.accepted, e.reason])).toEqual([
      [false, "use_dpop_nonce"],
      [false, "jkt_mismatch"], // the proof verifies, but with the thief's key, not the token's
    ]);
    const bearer = await fetch(`${rs.origin}/api/me`, { headers: { authorization: `Bearer ${stolen}` } });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get("www-authenticate")).toMatch(/^DPoP /);

    thief.refreshToken = stolenRefresh;
    expect(await thief.client.refresh()).toBe(false);
    expect(thief.answers.at(-1)).toMatchObject({ status: 400, error: "invalid_grant" });
    // The owner's refresh token still works with the owner's key.
    expect(await app.client.refresh()).toBe(true);
    expect(app.answers.at(-1)).toMatchObject({ status: 200, token_type: "DPoP" });
  });
});
