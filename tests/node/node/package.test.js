// The package as an app's unit tests meet it in Node (Vitest, environment "node"): what happens
// before init(), init() itself, and a real 401 → onTokenExpired → retry against the devserver.
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { watchBrowserGlobals } from "../support/globals.js";
import { startDevserver } from "../support/devserver.js";
import { mintToken, revoke, stats } from "../../../www/shared/devserver.js";

// Imported inside the first test, with the browser globals watched.
let init;
let AuthClient;

describe("before init()", () => {
  test("importing the package reads no window, document or location", async () => {
    const watch = watchBrowserGlobals();
    try {
      ({ default: init, AuthClient } = await import("tokenfetch"));
    } finally {
      watch.restore();
    }
    expect(watch.reads).toEqual([]);
    expect(typeof init).toBe("function");
  });

  test("new AuthClient() throws an Error that says to await init()", () => {
    let error;
    try {
      new AuthClient({ baseUrl: "http://127.0.0.1/" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError); // not the glue's "Cannot read properties of undefined"
    expect(error.message).toMatch(/init\(\)/);
  });

  test("new AuthClient() still throws while init() is pending", async () => {
    const loading = init();
    expect(() => new AuthClient()).toThrow(/init\(\)/);
    await loading;
  });
});

describe("init()", () => {
  test("loads the .wasm from disk and returns the same promise on every call", async () => {
    const first = init();
    const second = init();
    expect(second).toBe(first);
    await expect(first).resolves.toHaveProperty("memory");
    expect(init()).toBe(first);
  });

  test("after init(), a client is created and its state is readable", () => {
    const client = new AuthClient({ baseUrl: "http://127.0.0.1/" });
    try {
      expect(client).toBeInstanceOf(AuthClient);
      expect(client.hasToken).toBe(false);
      expect(client.expiresAt).toBe(null);
    } finally {
      client.free();
    }
  });
});

describe("against the devserver", () => {
  let server;
  beforeAll(async () => {
    server = await startDevserver();
  }, 40_000);
  afterAll(() => server?.stop());

  const ns = `node-${process.pid}-${Date.now()}`;
  // Tokens live 10 minutes, far from the refresh window: only the 401 may cause a refresh.
  // devserver.js throws on any answer but 2xx, so each call below also checks its status.
  const mint = () => mintToken(server.origin, ns, 600);

  test("a revoked token's 401 → onTokenExpired once → retried → 200 (baseUrl, Node's fetch)", async () => {
    await init();
    const onTokenExpired = vi.fn(mint);
    const events = [];
    const client = new AuthClient({
      baseUrl: `${server.origin}/`, // Node has no location: relative paths resolve against this
      token: await mint(),
      onTokenExpired,
      onEvent: (event) => events.push(event),
    });
    try {
      await revoke(server.origin, ns);

      const response = await client.fetch("api/me");
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ ns });
      expect(onTokenExpired).toHaveBeenCalledTimes(1);
      // One refresh, caused by the 401 (not by the timer or the expiry), and one retry.
      const of = (type) => events.filter((e) => e.type === type);
      expect(of("refresh-start")).toEqual([{ type: "refresh-start", trigger: "status" }]);
      expect(of("refreshed")).toHaveLength(1);
      expect(of("retry")).toEqual([{ type: "retry", status: 401, cause: "token" }]);

      // What the server saw: the revoked token refused once, the retry accepted once.
      const seen = await stats(server.origin, ns);
      expect(seen.unauthorized).toBe(1);
      expect(seen.authorized).toBe(1);
      expect(seen.tokensIssued).toBe(2);
    } finally {
      client.free();
    }
  });
});
