// panva's oidc-provider, run in the test process on 127.0.0.1 (a free port), set up as a provider
// that binds its tokens with DPoP would be: nonces required at the token endpoint, a public SPA
// client (no secret, PKCE), refresh tokens that rotate on every use, DPoP-bound JWT access tokens
// for one resource server (resource indicators), and a minimal login/consent interaction that
// signs "alice" in. `log` keeps what the provider saw: every token request (grant type, status,
// error, the nonce the proof carried, the nonce it answered) and the authorization codes it bound.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { decodeJwt, exportJWK, generateKeyPair } from "jose";
import Provider, { errors } from "oidc-provider";

export const CLIENT_ID = "spa";
export const REDIRECT_URI = "https://app.example.test/callback"; // never fetched: the login stops at it

/** Listens on a free port of 127.0.0.1 and resolves to the origin. */
export function listen(server) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

/**
 * Starts the provider for `resource` (the resource server's URL). `settings.accessTokenTtl`
 * (seconds, default 600) is read for every access token issued, so a test can shorten one.
 */
export async function startProvider({ resource }) {
  const server = createServer();
  const issuer = await listen(server);
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: "provider-es256", alg: "ES256", use: "sig" };
  const settings = { accessTokenTtl: 600 };
  const log = { tokenRequests: [], codes: [], prompts: [] };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: "none",
        application_type: "web",
        redirect_uris: [REDIRECT_URI],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        id_token_signed_response_alg: "ES256",
        dpop_bound_access_tokens: true, // a token request without a proof is refused
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    pkce: { required: () => true },
    scopes: ["openid", "offline_access"],
    features: {
      devInteractions: { enabled: false },
      dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true, // the refresh grant gets the resource's token again
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return { scope: "api:read", audience: resource, accessTokenFormat: "jwt", jwt: { sign: { alg: "ES256" } } };
        },
      },
    },
    issueRefreshToken: () => true,
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: () => settings.accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 600,
      RefreshToken: 3600,
      Grant: 3600,
      Session: 3600,
      Interaction: 600,
    },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError(ctx, out) {
      ctx.type = "json";
      ctx.body = out;
    },
  });

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === "/token") {
      const proof = ctx.get("DPoP");
      log.tokenRequests.push({
        grantType: ctx.oidc?.params?.grant_type ?? null,
        status: ctx.status,
        error: ctx.body?.error ?? null,
        tokenType: ctx.body?.token_type ?? null,
        proof: proof !== "",
        proofNonce: proof ? (decodeJwt(proof).nonce ?? null) : null,
        answeredNonce: ctx.response.get("DPoP-Nonce") || null,
      });
    }
  });
  provider.on("authorization_code.saved", (code) => log.codes.push({ dpopJkt: code.dpopJkt ?? null, resource: code.resource }));

  // The login and consent pages, answered at once: login as alice, grant what was asked for.
  async function interaction(req, res) {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params, session } = details;
    log.prompts.push(prompt.name);
    let result;
    if (prompt.name === "login") {
      result = { login: { accountId: "alice" } };
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
        grant.addResourceScope(indicator, scopes.join(" "));
      }
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  const callback = provider.callback();
  server.on("request", (req, res) => {
    if (!req.url.startsWith("/interaction/")) return callback(req, res);
    interaction(req, res).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });

  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  return {
    issuer,
    provider,
    discovery,
    settings,
    log,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A cookie jar for one user agent: cookies by name and path, sent where the path matches. */
export class CookieJar {
  #cookies = new Map();

  store(setCookies) {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(";").map((s) => s.trim());
      const [name, ...value] = pair.split("=");
      const attr = Object.fromEntries(attributes.map((a) => [a.split("=")[0].toLowerCase(), a.split("=").slice(1).join("=")]));
      const path = attr.path || "/";
      const expired = attr["max-age"] === "0" || (attr.expires && Date.parse(attr.expires) <= Date.now());
      if (expired) this.#cookies.delete(`${name} ${path}`);
      else this.#cookies.set(`${name} ${path}`, { name, value: value.join("="), path });
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }
}

/**
 * Signs alice in as a browser would: GET the authorization URL, follow the provider's redirects
 * through the interaction pages with cookies, and resolve to the redirect back to the app
 * (a URL with `code`, `state`, `iss`). Throws on any page that does not redirect.
 */
export async function login(authorizationUrl) {
  const jar = new CookieJar();
  let url = authorizationUrl;
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, { redirect: "manual", headers: { cookie: jar.header(url) } });
    jar.store(response.headers.getSetCookie());
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || !location) {
      throw new Error(`the login stopped at ${url}: ${response.status} ${(await response.text()).slice(0, 300)}`);
    }
    const next = new URL(location, url);
    if (next.href.startsWith(REDIRECT_URI)) return next;
    url = next.href;
  }
  throw new Error("the login did not come back to the app");
}
