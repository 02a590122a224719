// DPoP's key and proofs (RFC 9449): the host's side. The engine decides which request gets a
// proof and what it says (htm, htu, iat, nonce, whether ath hashes the token); this module keeps
// the key and does the cryptography with WebCrypto, so the private key never leaves it: one ES256
// key pair per origin and channel name, private key non-extractable, kept in IndexedDB where the
// browser has it and lets it store a CryptoKey (every tab and a reloaded page sign with the same
// key), else in memory.

const DATABASE = "tokenfetch-dpop";
const STORE = "keys";
const CURVE = { name: "ECDSA", namedCurve: "P-256" };
const SIGNATURE = { name: "ECDSA", hash: "SHA-256" };

const bytes = (text) => new TextEncoder().encode(text);

/** Unpadded base64url of `data` (bytes, or an ArrayBuffer). */
function base64url(data) {
  let binary = "";
  for (const byte of new Uint8Array(data)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const sha256 = (text) => crypto.subtle.digest("SHA-256", bytes(text));

/** Whether this host can make proofs (WebCrypto exists only in secure contexts). */
export function supported() {
  return typeof crypto === "object" && crypto !== null && typeof crypto.subtle === "object";
}

/**
 * A client's key ring: the key named `name` (the tabs' channel name), made or loaded when first
 * needed; `onKey(stored)` hears of each key made or loaded.
 */
export function keyRing(name, onKey) {
  return { name, onKey, key: null, deleting: Promise.resolve() };
}

/** The ring's key as { pair, header, thumbprint }, made or loaded once (after any deletion). */
function key(ring) {
  if (ring.key) return ring.key;
  const attempt = ring.deleting
    .then(() => load(ring.name))
    .then(async ({ pair, stored }) => {
      const { crv, kty, x, y } = await crypto.subtle.exportKey("jwk", pair.publicKey);
      const jwk = { crv, kty, x, y }; // RFC 7638's members, in its order
      ring.onKey(stored);
      return {
        pair,
        header: base64url(bytes(JSON.stringify({ typ: "dpop+jwt", alg: "ES256", jwk }))),
        thumbprint: base64url(await sha256(JSON.stringify(jwk))),
      };
    });
  // A failed attempt is forgotten, so that the next proof tries again.
  attempt.catch(() => {
    if (ring.key === attempt) ring.key = null;
  });
  return (ring.key = attempt);
}

/** The stored key pair, or a new one stored if none is (tabs that start together end with one). */
async function load(name) {
  let database;
  try {
    database = await open();
  } catch {
    return { pair: await generate(), stored: false }; // no IndexedDB (Node, some private modes)
  }
  try {
    const found = await request(database, "readonly", (store) => store.get(name));
    if (found?.privateKey) return { pair: found, stored: true };
    // Made outside the transaction (it would end at the first await that is not its own), then
    // stored only if no other tab stored one meanwhile: get and put in one readwrite transaction.
    const fresh = await generate();
    try {
      const pair = await request(database, "readwrite", (store, finish) => {
        const get = store.get(name);
        get.onsuccess = () => {
          if (get.result?.privateKey) return finish(get.result);
          try {
            store.put(fresh, name); // DataCloneError where a CryptoKey cannot be stored
            finish(fresh);
          } catch {
            get.transaction.abort();
          }
        };
      });
      return { pair, stored: true };
    } catch {
      return { pair: fresh, stored: false };
    }
  } catch {
    return { pair: await generate(), stored: false };
  } finally {
    database.close();
  }
}

const generate = () => crypto.subtle.generateKey(CURVE, false, ["sign", "verify"]);

function open() {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
}

/**
 * Runs `work(store, finish)` in a transaction and resolves, once it committed, with what
 * `finish` got (or with the one request `work` returns); rejects when it aborts or throws.
 */
function request(database, mode, work) {
  return new Promise((resolve, reject) => {
    const transaction = database.transaction(STORE, mode);
    let result;
    const finish = (value) => (result = value);
    transaction.oncomplete = () => resolve(result);
    transaction.onerror = transaction.onabort = () => reject(transaction.error);
    try {
      const one = work(transaction.objectStore(STORE), finish);
      if (one) one.onsuccess = () => finish(one.result);
    } catch (error) {
      transaction.abort();
      reject(error);
    }
  });
}

/**
 * Forgets the ring's key: the next proof uses another. `stored`: delete it from IndexedDB too
 * (after a load still under way), and make no key before the deletion is done.
 */
export function forget(ring, stored) {
  const pending = ring.key;
  ring.key = null;
  if (!stored) return;
  ring.deleting = Promise.all([ring.deleting, pending?.catch(() => {})])
    .then(() => open())
    .then((database) => request(database, "readwrite", (store) => store.delete(ring.name)).finally(() => database.close()))
    .catch(() => {}); // no IndexedDB: nothing stored
}

/**
 * A proof: header { typ, alg, jwk }, claims { jti (128 random bits), htm, htu, iat, nonce?,
 * ath? (SHA-256 of `token`) }, signed by the ring's key (ECDSA P-256 with SHA-256 gives JWS's
 * r‖s as it is).
 */
export async function proof(ring, htm, htu, iat, nonce, token) {
  const { pair, header } = await key(ring);
  const claims = { jti: base64url(crypto.getRandomValues(new Uint8Array(16))), htm, htu, iat };
  if (nonce !== undefined) claims.nonce = nonce;
  if (token !== undefined) claims.ath = base64url(await sha256(token));
  const input = `${header}.${base64url(bytes(JSON.stringify(claims)))}`;
  return `${input}.${base64url(await crypto.subtle.sign(SIGNATURE, pair.privateKey, bytes(input)))}`;
}

/** The JWK SHA-256 thumbprint of the ring's key (RFC 7638, base64url), for `dpop_jkt`. */
export async function thumbprint(ring) {
  return (await key(ring)).thumbprint;
}
