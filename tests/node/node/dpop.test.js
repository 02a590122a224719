// `dpop: true` in Node (Vitest, environment "node"): Node has no IndexedDB, so the key lives in
// memory (`dpop-key` with `stored: false`); every proof the client makes is checked with `jose`
// (support/dpop.js), directly (dpopProof, a stubbed fetch) and as the devserver in DPoP mode
// receives it, next to what the devserver's own strict checks said (its /control/dpop-log).
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from "vitest";
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from "jose";
import init, { AuthClient } from "tokenfetch";
import { checkProof, sha256, verifyProof } from "../support/dpop.js";
import { startDevserver } from "../support/devserver.js";
import {
  dpopLog,
  enableDpop,
  issueDpopToken,
  oauthLoginBound,
  revoke,
  shiftServerClock,
  stats,
  uniqueNs,
} from "../../../www/shared/devserver.js";

const clients = [];
beforeAll(() => init());
afterEach(() => {
  vi.restoreAllMocks();
  for (const client of clients.splice(0)) client.free();
});

/** A client with `dpop: true` whose events land in `client.events`; freed after the test. */
function dpopClient(options = {}) {
  const events = [];
  const client = new AuthClient({ dpop: true, onEvent: (event) => events.push(event), ...options });
  client.events = events;
  clients.push(client);
  return client;
}
const ofType = (client, type) => client.events.filter((e) => e.type === type);

/** The log's entries for the client's requests (the test's own token minting left out). */
const clientEntries = (log) => log.entries.filter((e) => !["/auth/token", "/oauth/login"].includes(e.route));

/** Records every request the global fetch sends with a DPoP header, then sends it. */
function recordProofs() {
  const sent = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input, options) => {
    // The client may send a Request: read a copy, leave the original for the real fetch.
    const request = input instanceof Request ? new Request(input.clone(), options) : new Request(input, options);
    const proof = request.headers.get("dpop");
    if (proof) sent.push({ method: request.method, url: request.url, authorization: request.headers.get("authorization"), proof });
    return realFetch(input, options);
  });
  return sent;
}

describe("dpop: true in Node", () => {
  test("the key lives in memory: one dpop-key event with stored: false, one thumbprint, the proofs' key", async () => {
    expect(globalThis.indexedDB).toBeUndefined();
    const client = dpopClient({ baseUrl: "https://api.example.com/" });
    const thumbprint = await client.dpopThumbprint();
    expect(thumbprint).toMatch(/^[\w-]{43}$/); // base64url of 32 bytes
    expect(await client.dpopThumbprint()).toBe(thumbprint);
    const proof = await client.dpopProof("GET", "https://api.example.com/me");
    expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk, "sha256")).toBe(thumbprint);
    expect(ofType(client, "dpop-key")).toEqual([{ type: "dpop-key", stored: false }]);
  });

  test("dpopProof verifies with jose: typ dpop+jwt, ES256, public jwk, htm, htu without query or fragment, iat, distinct jti, no ath", async () => {
    const client = dpopClient({ baseUrl: "https://api.example.com/v1/" });
    const cases = [
      ["GET", "https://api.example.com/v1/orders?page=2#top", "https://api.example.com/v1/orders"],
      ["POST", new URL("https://token.example.net:443/oauth/token"), "https://token.example.net/oauth/token"],
      ["DELETE", "https://API.Example.com:8443/a/./b/../c", "https://api.example.com:8443/a/c"],
      ["GET", "orders/7", "https://api.example.com/v1/orders/7"], // relative: against baseUrl
    ];
    const jtis = new Set();
    for (const [method, url, htu] of cases) {
      const proof = await client.dpopProof(method, url);
      const { payload, header, jkt } = await verifyProof(proof, { method, url: htu, token: null, nonce: null });
      expect(payload.htu).toBe(htu);
      expect(header).toMatchObject({ typ: "dpop+jwt", alg: "ES256" });
      expect(jkt).toBe(await client.dpopThumbprint());
      jtis.add(payload.jti);
    }
    for (let i = 0; i < 200; i++) jtis.add(decodeJwt(await client.dpopProof("GET", "https://api.example.com/")).jti);
    expect(jtis.size).toBe(204);
  });

  test("clear() deletes the key: the next proof is signed with a new one", async () => {
    const client = dpopClient({ baseUrl: "https://api.example.com/" });
    const before = await client.dpopThumbprint();
    client.clear();
    const after = await client.dpopThumbprint();
    expect(after).not.toBe(before);
    const proof = await client.dpopProof("GET", "https://api.example.com/");
    expect((await verifyProof(proof, { method: "GET", url: "https://api.example.com/" })).jkt).toBe(after);
    expect(ofType(client, "dpop-key")).toEqual([
      { type: "dpop-key", stored: false },
      { type: "dpop-key", stored: false },
    ]);
  });

  test("bad input: a non-boolean dpop throws TypeError, an invalid method or URL rejects with TypeError", async () => {
    expect(() => new AuthClient({ dpop: "yes" })).toThrow(TypeError);
    expect(() => new AuthClient({ dpop: "yes" })).toThrow(/dpop/);
    const client = dpopClient({ baseUrl: "https://api.example.com/" });
    await expect(client.dpopProof("GE T", "https://api.example.com/")).rejects.toThrow(TypeError);
    await expect(client.dpopProof("", "https://api.example.com/")).rejects.toThrow(TypeError);
    await expect(client.dpopProof("GET", "https://exa mple.com/")).rejects.toThrow(TypeError);
    await expect(client.dpopProof("GET", "http://[::1")).rejects.toThrow(TypeError);
  });

  test("a stubbed fetch sees Authorization: DPoP and a proof with ath; a nonce challenge is answered once with the nonce", async () => {
    const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2RlIn0.c2ln";
    const sent = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, options) => {
      const request = new Request(input, options);
      sent.push({ url: request.url, method: request.method, authorization: request.headers.get("authorization"), proof: request.headers.get("dpop"), body: await request.text() });
      if (!request.url.startsWith("https://api.example.com/")) return new Response("other");
      if (decodeJwt(request.headers.get("dpop")).nonce !== "n-1") {
        return new Response(null, { status: 401, headers: { "WWW-Authenticate": 'DPoP error="use_dpop_nonce", algs="ES256"', "DPoP-Nonce": "n-1" } });
      }
      return Response.json({ ok: true });
    });
    const client = dpopClient({ baseUrl: "https://api.example.com/", token });
    const response = await client.fetch("orders?page=1", { method: "POST", body: "hello" });
    expect(response.status).toBe(200);
    expect(await client.fetch("https://cdn.example.net/app.js").then((r) => r.text())).toBe("other");

    expect(sent.map((s) => [s.method, s.url, s.authorization, s.body])).toEqual([
      ["POST", "https://api.example.com/orders?page=1", `DPoP ${token}`, "hello"],
      ["POST", "https://api.example.com/orders?page=1", `DPoP ${token}`, "hello"],
      ["GET", "https://cdn.example.net/app.js", null, ""],
    ]);
    const expected = { method: "POST", url: "https://api.example.com/orders", token };
    const first = await verifyProof(sent[0].proof, { ...expected, nonce: null });
    const second = await verifyProof(sent[1].proof, { ...expected, nonce: "n-1" });
    expect(second.payload.jti).not.toBe(first.payload.jti);
    expect(second.payload.ath).toBe(sha256(token));
    expect(sent[2].proof).toBe(null);
    expect(ofType(client, "retry")).toEqual([{ type: "retry", status: 401, cause: "dpop-nonce" }]);
  });

  test('token_type "Bearer" from the callback: the token goes as Bearer with no proof', async () => {
    const headers = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, options) => {
      const request = new Request(input, options);
      headers.push([request.headers.get("authorization"), request.headers.get("dpop")]);
      return Response.json({});
    });
    const client = dpopClient({
      baseUrl: "https://api.example.com/",
      onTokenExpired: () => ({ access_token: "plain-token", token_type: "bearer", expires_in: 600 }),
    });
    await client.fetch("me");
    expect(headers).toEqual([["Bearer plain-token", null]]);
  });
});

describe("against the devserver in DPoP mode", () => {
  let server;
  beforeAll(async () => {
    server = await startDevserver({ portOffset: 2 });
  }, 40_000);
  afterAll(() => server?.stop());
  const otherOrigin = () => server.origin.replace(/:(\d+)$/, (_, port) => `:${Number(port) + 1}`);

  test("a bound token: one nonce challenge, then every proof is accepted by the devserver and verifies with jose", async () => {
    const ns = uniqueNs("node-dpop");
    await enableDpop(server.origin, ns);
    const sent = recordProofs();
    const client = dpopClient({ baseUrl: `${server.origin}/` });
    const jkt = await client.dpopThumbprint();
    const { access_token: token, token_type } = await issueDpopToken(server.origin, ns, 600, { dpopJkt: jkt });
    expect(token_type).toBe("DPoP");
    client.setToken(token);

    const me = await client.fetch("api/me?view=full");
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ ns, jkt });
    const echo = await client.fetch("api/echo", { method: "PUT", body: JSON.stringify({ n: 1 }), headers: { "content-type": "application/json" } });
    expect(echo.status).toBe(200);
    expect(await echo.json()).toMatchObject({ method: "PUT", ns });
    expect((await client.fetch("api/me")).status).toBe(200);

    // What the devserver's checks saw: the first proof had no nonce, every later one the nonce.
    const log = await dpopLog(server.origin, ns);
    const nonce = log.nonces[server.origin].current;
    expect(clientEntries(log).map((e) => [e.route, e.accepted, e.reason, e.nonce])).toEqual([
      ["/api/me", false, "use_dpop_nonce", null],
      ["/api/me", true, null, nonce],
      ["/api/echo", true, null, nonce],
      ["/api/me", true, null, nonce],
    ]);
    expect(clientEntries(log).every((e) => e.jkt === jkt && e.htu === e.expectedHtu && e.athMatched !== false)).toBe(true);
    expect(log.keys).toEqual([jkt]);
    expect(log.counts.nonceChallenges).toBe(1);
    expect(ofType(client, "retry")).toEqual([{ type: "retry", status: 401, cause: "dpop-nonce" }]);

    // The same proofs, checked with jose: claims, ath of the bound token, the nonce once learned.
    expect(sent).toHaveLength(4);
    const routes = [["GET", "/api/me"], ["GET", "/api/me"], ["PUT", "/api/echo"], ["GET", "/api/me"]];
    for (const [i, { method, url, authorization, proof }] of sent.entries()) {
      expect([method, new URL(url).pathname]).toEqual(routes[i]);
      expect(authorization).toBe(`DPoP ${token}`);
      const { jkt: signer, payload } = await verifyProof(proof, { method, url, token, nonce: i === 0 ? null : nonce, now: log.serverTime });
      expect(signer).toBe(jkt);
      expect(payload.jti).toBe(clientEntries(log)[i].jti);
    }
  });

  test('refresh through auth: "proof": a revoked bound token → the refresh grant with a proof of the same key → the retry\'s proof hashes the new token', async () => {
    const ns = uniqueNs("node-dpop-refresh");
    await enableDpop(server.origin, ns);
    const sent = recordProofs();
    let client = null;
    let refreshToken;
    const tokenEndpoint = `${otherOrigin()}/oauth/token`; // the devserver's second origin: its own nonce
    const onTokenExpired = vi.fn(async () => {
      const body = new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken });
      const response = await client.fetch(tokenEndpoint, { auth: "proof", method: "POST", body });
      const answer = await response.json();
      if (!response.ok) throw new Error(`token endpoint: ${response.status} ${answer.error}`);
      refreshToken = answer.refresh_token;
      return answer;
    });
    client = dpopClient({ baseUrl: `${server.origin}/`, onTokenExpired });
    const jkt = await client.dpopThumbprint();
    const session = await oauthLoginBound(server.origin, ns, jkt, { ttl: 600 });
    refreshToken = session.refresh_token;
    client.setToken(session.access_token);
    expect((await client.fetch("api/me")).status).toBe(200); // learns the API origin's nonce
    await revoke(server.origin, ns);

    const response = await client.fetch("api/me");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ns, jkt });
    expect(onTokenExpired).toHaveBeenCalledTimes(1);
    expect(refreshToken).not.toBe(session.refresh_token);

    const log = await dpopLog(server.origin, ns);
    expect(clientEntries(log).map((e) => [e.endpoint, e.origin, e.accepted, e.reason])).toEqual([
      ["resource", server.origin, false, "use_dpop_nonce"],
      ["resource", server.origin, true, null],
      ["resource", server.origin, false, "token_revoked"],
      ["token", otherOrigin(), false, "use_dpop_nonce"],
      ["token", otherOrigin(), true, null],
      ["resource", server.origin, true, null],
    ]);
    expect(log.counts.nonceChallenges).toBe(2); // one per origin
    expect(clientEntries(log).filter((e) => e.endpoint === "token").every((e) => e.boundJkt === jkt && e.jkt === jkt)).toBe(true);
    expect((await stats(server.origin, ns)).rotations).toBe(1);

    // jose: the token endpoint's proofs carry no ath and no token; the retry hashes the new token.
    const [tokenFirst, tokenRetry] = sent.filter((s) => s.url.startsWith(tokenEndpoint));
    expect(tokenFirst.authorization).toBe(null);
    await verifyProof(tokenFirst.proof, { method: "POST", url: tokenEndpoint, token: null, nonce: null });
    await verifyProof(tokenRetry.proof, { method: "POST", url: tokenEndpoint, token: null, nonce: log.nonces[otherOrigin()].current });
    const last = sent.at(-1);
    const fresh = last.authorization.replace(/^DPoP /, "");
    expect(fresh).not.toBe(session.access_token);
    await verifyProof(last.proof, { method: "GET", url: `${server.origin}/api/me`, token: fresh, nonce: log.nonces[server.origin].current });
    expect(ofType(client, "retry").map((e) => e.cause)).toEqual(["dpop-nonce", "dpop-nonce", "token"]);
  });

  test("the server's clock 5 minutes ahead: the first proof's iat is already on the server's clock", async () => {
    const ns = uniqueNs("node-dpop-clock");
    await enableDpop(server.origin, ns);
    await shiftServerClock(server.origin, ns, 300);
    const sent = recordProofs();
    const client = dpopClient({ baseUrl: `${server.origin}/` });
    const { access_token: token } = await issueDpopToken(server.origin, ns, 600, { dpopJkt: await client.dpopThumbprint() });
    client.setToken(token);
    expect((await client.fetch("api/me")).status).toBe(200);
    const log = await dpopLog(server.origin, ns);
    expect(clientEntries(log).map((e) => e.reason)).toEqual(["use_dpop_nonce", null]);
    for (const entry of clientEntries(log)) expect(Math.abs(entry.iat - entry.serverTime)).toBeLessThanOrEqual(5);
    const first = await checkProof(sent[0].proof, { method: "GET", url: `${server.origin}/api/me`, token, now: log.serverTime });
    expect(first.ok).toBe(true);
    expect(Math.abs(first.payload.iat - Date.now() / 1000)).toBeGreaterThan(250); // not the local clock
  });
});
