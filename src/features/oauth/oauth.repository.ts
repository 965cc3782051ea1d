import type { Executor } from '../../platform/db/database.js';
import type {
  OAuthApprovalsTable,
  OAuthClientsTable,
  OAuthCodesTable,
  OAuthRefreshTokensTable,
  SigningKeysTable,
  WebSessionsTable,
} from '../../platform/db/tables.js';

export type ClientRow = OAuthClientsTable;
export type CodeRow = OAuthCodesTable;
export type RefreshTokenRow = OAuthRefreshTokensTable;
export type ApprovalRow = OAuthApprovalsTable;
export type SessionRow = WebSessionsTable;
export type SigningKeyRow = SigningKeysTable;

/** SQL of the authorization server. Hash columns hold SHA-256 hex of the secret values, never the values. */
export function createOAuthRepository() {
  return {
    async insertClient(db: Executor, row: ClientRow): Promise<void> {
      await db.insertInto('oauth_clients').values(row).execute();
    },

    async findClient(db: Executor, clientId: string): Promise<ClientRow | undefined> {
      return db.selectFrom('oauth_clients').selectAll().where('id', '=', clientId).executeTakeFirst();
    },

    async findClientInOrg(db: Executor, orgId: string, clientId: string): Promise<ClientRow | undefined> {
      return db
        .selectFrom('oauth_clients')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', clientId)
        .executeTakeFirst();
    },

    async findClientByApiKeyHash(db: Executor, apiKeyHash: string): Promise<ClientRow | undefined> {
      return db.selectFrom('oauth_clients').selectAll().where('api_key_hash', '=', apiKeyHash).executeTakeFirst();
    },

    async listClients(db: Executor, orgId: string): Promise<ClientRow[]> {
      return db
        .selectFrom('oauth_clients')
        .selectAll()
        .where('org_id', '=', orgId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },

    async updateClientSecret(db: Executor, orgId: string, clientId: string, secretHash: string, now: number) {
      const result = await db
        .updateTable('oauth_clients')
        .set({ secret_hash: secretHash, updated_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async updateClientCredentialsGrant(db: Executor, orgId: string, clientId: string, enabled: boolean, now: number) {
      const result = await db
        .updateTable('oauth_clients')
        .set({ client_credentials: enabled ? 1 : 0, updated_at: now })
        .where('org_id', '=', orgId)
        .where('id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /** Codes, refresh tokens and approvals of the client go with it (ON DELETE CASCADE). */
    async deleteClient(db: Executor, orgId: string, clientId: string): Promise<boolean> {
      const result = await db
        .deleteFrom('oauth_clients')
        .where('org_id', '=', orgId)
        .where('id', '=', clientId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async insertCode(db: Executor, row: CodeRow): Promise<void> {
      await db.insertInto('oauth_codes').values(row).execute();
    },

    async findCode(db: Executor, codeHash: string): Promise<CodeRow | undefined> {
      return db.selectFrom('oauth_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    },

    /** Marks a code used; false when it was already used (a replay). */
    async markCodeUsed(db: Executor, codeHash: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('oauth_codes')
        .set({ used_at: now })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async deleteExpiredCodes(db: Executor, before: number): Promise<void> {
      await db.deleteFrom('oauth_codes').where('expires_at', '<', before).execute();
    },

    async insertRefreshToken(db: Executor, row: RefreshTokenRow): Promise<void> {
      await db.insertInto('oauth_refresh_tokens').values(row).execute();
    },

    async findRefreshToken(db: Executor, tokenHash: string): Promise<RefreshTokenRow | undefined> {
      return db.selectFrom('oauth_refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    },

    /** Marks a refresh token rotated; false when it already was (a concurrent or replayed refresh). */
    async markRefreshTokenRotated(db: Executor, tokenHash: string, now: number): Promise<boolean> {
      const result = await db
        .updateTable('oauth_refresh_tokens')
        .set({ rotated_at: now })
        .where('token_hash', '=', tokenHash)
        .where('rotated_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async revokeFamily(db: Executor, familyId: string, now: number): Promise<void> {
      await db
        .updateTable('oauth_refresh_tokens')
        .set({ revoked_at: now })
        .where('family_id', '=', familyId)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async findApproval(db: Executor, userId: string, clientId: string): Promise<ApprovalRow | undefined> {
      return db
        .selectFrom('oauth_approvals')
        .selectAll()
        .where('user_id', '=', userId)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
    },

    async saveApproval(db: Executor, row: ApprovalRow): Promise<void> {
      await db
        .insertInto('oauth_approvals')
        .values(row)
        .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scope: row.scope }))
        .execute();
    },

    async insertSession(db: Executor, row: SessionRow): Promise<void> {
      await db.insertInto('web_sessions').values(row).execute();
    },

    async findSession(db: Executor, idHash: string, now: number): Promise<SessionRow | undefined> {
      return db
        .selectFrom('web_sessions')
        .selectAll()
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },

    async deleteSession(db: Executor, idHash: string): Promise<void> {
      await db.deleteFrom('web_sessions').where('id_hash', '=', idHash).execute();
    },

    /** Keys that may still verify a live token: the signing one and those retired since `retiredAfter`. */
    async listSigningKeys(db: Executor, retiredAfter: number): Promise<SigningKeyRow[]> {
      return db
        .selectFrom('signing_keys')
        .selectAll()
        .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
        .orderBy('created_at', 'desc')
        .execute();
    },

    async insertSigningKey(db: Executor, row: SigningKeyRow): Promise<void> {
      await db.insertInto('signing_keys').values(row).execute();
    },

    async retireSigningKeys(db: Executor, now: number): Promise<void> {
      await db.updateTable('signing_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
    },
  };
}

export type OAuthRepository = ReturnType<typeof createOAuthRepository>;
