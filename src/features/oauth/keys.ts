import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../../platform/clock.js';
import type { Database } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createOAuthRepository, type SigningKeyRow } from './oauth.repository.js';

/**
 * JWT signing keys (ES256). They live in the database so every process signs and verifies with the same set;
 * private parts are encrypted with AES-256-GCM under SECRET_KEY. `stratus keys rotate` adds a new signing key;
 * the retired one keeps verifying (and stays in the JWKS) until every token it signed has expired.
 * Verification needs no database round trip: keys are cached in memory and reloaded on an unknown `kid`.
 */
export const ALGORITHM = 'ES256';
export const ACCESS_TOKEN_TTL_SECONDS = 3600;
/** How often an unknown `kid` may trigger a reload of the key set, so forged kids cannot hammer the database. */
const RELOAD_INTERVAL_MS = 5000;

export interface AccessTokenClaims {
  sub: string;
  org_id: string;
  client_id: string;
  scope: string;
  /** The refresh-token family (grant) the token belongs to. */
  gid: string;
}

export interface VerifiedToken extends AccessTokenClaims {
  exp: number;
  /** `scope` split once, for the guard's per-request check. */
  scopes: string[];
}

/** The key that encrypts private JWKs: SECRET_KEY, or a random one kept in DATA_DIR/secret.key (0600). */
export function resolveSecretKey(secretKey: string | undefined, dataDir: string): Buffer {
  if (secretKey) return createHash('sha256').update(secretKey).digest();
  const file = join(dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first; read theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return createHash('sha256').update(readFileSync(file, 'utf8').trim()).digest();
}

function encrypt(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
}

function decrypt(sealed: string, key: Buffer): string {
  const [iv, tag, body] = sealed.split('.').map((part) => Buffer.from(part, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', key, iv!);
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
}

type ImportedKey = Awaited<ReturnType<typeof importJWK>>;

interface LoadedKey {
  row: SigningKeyRow;
  verifyKey: ImportedKey;
}

export function createKeyStore(deps: { database: Database; clock: Clock; encryptionKey: Buffer; issuer: string }) {
  const { database, clock, encryptionKey, issuer } = deps;
  const repository = createOAuthRepository();
  let keys = new Map<string, LoadedKey>();
  let signing: { kid: string; key: ImportedKey } | undefined;
  let lastLoad = 0;

  async function load(): Promise<void> {
    const rows = await repository.listSigningKeys(database.db, clock.now() - ACCESS_TOKEN_TTL_SECONDS * 1000);
    const next = new Map<string, LoadedKey>();
    for (const row of rows) {
      next.set(row.kid, { row, verifyKey: await importJWK(JSON.parse(row.public_jwk) as JWK, row.algorithm) });
    }
    keys = next;
    lastLoad = clock.now();
    const current = rows.find((r) => r.retired_at === null);
    if (current && current.kid !== signing?.kid) {
      const privateJwk = JSON.parse(decrypt(current.private_jwk_encrypted, encryptionKey)) as JWK;
      signing = { kid: current.kid, key: await importJWK(privateJwk, current.algorithm) };
    }
  }

  async function createKey(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    const kid = newId(clock.now());
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' };
    const privateJwk = await exportJWK(privateKey);
    await database.transaction(async (trx) => {
      await repository.retireSigningKeys(trx, clock.now());
      await repository.insertSigningKey(trx, {
        kid,
        algorithm: ALGORITHM,
        public_jwk: JSON.stringify(publicJwk),
        private_jwk_encrypted: encrypt(JSON.stringify(privateJwk), encryptionKey),
        created_at: clock.now(),
        retired_at: null,
      });
    });
    return kid;
  }

  return {
    /** Loads the keys, creating the first one on a new database. */
    async init(): Promise<void> {
      await load();
      if (!signing) {
        await createKey();
        await load();
      }
    },

    /** Makes a new key the signing key; the old one verifies until its tokens expire. Returns the new kid. */
    async rotate(): Promise<string> {
      const kid = await createKey();
      await load();
      return kid;
    },

    async sign(claims: AccessTokenClaims, jti: string): Promise<string> {
      if (!signing || clock.now() - lastLoad > RELOAD_INTERVAL_MS * 12) await load();
      const now = Math.floor(clock.now() / 1000);
      return new SignJWT({ ...claims } as unknown as JWTPayload)
        .setProtectedHeader({ alg: ALGORITHM, kid: signing!.kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setIssuedAt(now)
        .setExpirationTime(now + ACCESS_TOKEN_TTL_SECONDS)
        .setJti(jti)
        .sign(signing!.key);
    },

    /** Verifies signature, issuer, expiry and key id; null for any token that fails. */
    async verify(token: string): Promise<VerifiedToken | null> {
      try {
        const { payload } = await jwtVerify(
          token,
          async (header) => {
            const kid = header.kid ?? '';
            if (!keys.has(kid) && clock.now() - lastLoad > RELOAD_INTERVAL_MS) await load();
            const found = keys.get(kid);
            if (!found) throw new Error('unknown key');
            return found.verifyKey;
          },
          { issuer, algorithms: [ALGORITHM], currentDate: new Date(clock.now()), typ: 'at+jwt' },
        );
        if (
          typeof payload.sub !== 'string' ||
          typeof payload.org_id !== 'string' ||
          typeof payload.client_id !== 'string' ||
          typeof payload.scope !== 'string' ||
          typeof payload.exp !== 'number'
        ) {
          return null;
        }
        return { ...(payload as unknown as AccessTokenClaims), exp: payload.exp, scopes: payload.scope.split(' ') };
      } catch {
        return null;
      }
    },

    /** The JWKS document: every key that may still have live tokens. */
    jwks(): { keys: JWK[] } {
      return { keys: [...keys.values()].map((k) => JSON.parse(k.row.public_jwk) as JWK) };
    },
  };
}

export type KeyStore = ReturnType<typeof createKeyStore>;
