// An app's unit test with no server: the client sends through the global fetch, so a test can
// stub it (vi.spyOn, or MSW's interceptors, which patch the same global).
import { afterEach, beforeAll, expect, test, vi } from "vitest";
import init, { AuthClient } from "tokenfetch";
import { tokenExpiringIn } from "../support/jwt.js";

beforeAll(() => init());
afterEach(() => vi.restoreAllMocks());

test("a stubbed fetch sees the token; its 401 makes the client ask once and retry with the new token", async () => {
  const old = tokenExpiringIn(600).token;
  const fresh = tokenExpiringIn(900).token;
  const sent = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, options) => {
    const request = new Request(input, options);
    const auth = request.headers.get("authorization");
    sent.push([request.method, request.url, auth]);
    return auth === `Bearer ${fresh}` ? Response.json({ ok: true }) : new Response("expired", { status: 401 });
  });
  const onTokenExpired = vi.fn(async () => ({ access_token: fresh, expires_in: 900 }));
  const client = new AuthClient({ baseUrl: "https://api.example.com/v1/", token: old, onTokenExpired });
  try {
    const response = await client.fetch("orders", { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(onTokenExpired).toHaveBeenCalledTimes(1);
    expect(sent).toEqual([
      ["POST", "https://api.example.com/v1/orders", `Bearer ${old}`],
      ["POST", "https://api.example.com/v1/orders", `Bearer ${fresh}`],
    ]);
  } finally {
    client.free();
  }
});

test("another origin gets no token", async () => {
  const seen = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, options) => {
    seen.push(new Request(input, options).headers.get("authorization"));
    return new Response("ok");
  });
  const client = new AuthClient({ baseUrl: "https://api.example.com/", token: tokenExpiringIn(600).token });
  try {
    await client.fetch("https://cdn.example.net/config.json");
    await client.fetch("/me");
    expect(seen[0]).toBe(null);
    expect(seen[1]).toMatch(/^Bearer /);
  } finally {
    client.free();
  }
});
