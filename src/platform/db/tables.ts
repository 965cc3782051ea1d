/**
 * The shape of every table, for Kysely's typed queries. It mirrors the migrations in ./migrations;
 * the schema snapshots in /schema catch any drift between the two dialects.
 *
 * Conventions: ids are 24-hex text (platform/ids.ts); times are epoch milliseconds in BIGINT columns
 * (`*_at`); flags are 0/1 integers, the one boolean both dialects store alike; lists and settings are JSON text.
 */
export interface Tables {
  organizations: OrganizationsTable;
  sites: SitesTable;
  departments: DepartmentsTable;
  phone_numbers: PhoneNumbersTable;
  users: UsersTable;
  department_members: DepartmentMembersTable;
  jobs: JobsTable;
  oauth_clients: OAuthClientsTable;
  oauth_codes: OAuthCodesTable;
  oauth_refresh_tokens: OAuthRefreshTokensTable;
  oauth_approvals: OAuthApprovalsTable;
  web_sessions: WebSessionsTable;
  signing_keys: SigningKeysTable;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  /** JSON object of organisation settings (help and confirmation texts, multisite, …). */
  settings: string;
  created_at: number;
  updated_at: number;
}

export interface SitesTable {
  id: string;
  org_id: string;
  name: string;
  time_zone: string;
  active: number;
  /** 1 for the organisation's "Main" site, created with it; exactly one per organisation. */
  is_default: number;
  created_at: number;
  updated_at: number;
}

export interface DepartmentsTable {
  id: string;
  org_id: string;
  site_id: string;
  name: string;
  time_zone: string;
  active: number;
  created_at: number;
  updated_at: number;
}

export interface PhoneNumbersTable {
  /** E.164; the primary key, so a number belongs to at most one department platform-wide. */
  number: string;
  org_id: string;
  department_id: string;
  created_at: number;
}

export interface UsersTable {
  id: string;
  org_id: string;
  /** Lower-cased; unique platform-wide, since a person signs in with it. */
  email: string;
  name: string;
  password_hash: string;
  role: 'admin' | 'manager' | 'agent';
  active: number;
  created_at: number;
  updated_at: number;
}

export interface DepartmentMembersTable {
  department_id: string;
  user_id: string;
  org_id: string;
  created_at: number;
}

export interface JobsTable {
  id: string;
  /** Name of the handler that runs it, e.g. `messages.send`. */
  task: string;
  /** JSON payload given to the handler. */
  payload: string;
  /** Higher runs first among due jobs. */
  priority: number;
  /** Not run before this time. */
  run_at: number;
  attempts: number;
  max_attempts: number;
  /** Worker holding the job; null when it is free. */
  locked_by: string | null;
  locked_at: number | null;
  last_error: string | null;
  /** De-duplication key: at most one pending job per key. */
  job_key: string | null;
  /** Set when the job has used all its attempts; it stays for inspection and is never claimed again. */
  failed_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface OAuthClientsTable {
  /** The Client ID. */
  id: string;
  org_id: string;
  name: string;
  /** JSON array of callback URLs. */
  redirect_uris: string;
  /** JSON array of the scopes the client may be granted. */
  scopes: string;
  secret_hash: string;
  api_key_hash: string;
  /** The API key's last characters, to tell keys apart on screen. */
  api_key_hint: string;
  /** 1 when the client may use the client_credentials grant. */
  client_credentials: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface OAuthCodesTable {
  code_hash: string;
  client_id: string;
  org_id: string;
  user_id: string;
  /** The refresh-token family the code's tokens will start. */
  family_id: string;
  redirect_uri: string;
  scope: string;
  code_challenge: string | null;
  code_challenge_method: string | null;
  expires_at: number;
  /** Set on first use; a second use revokes the family (RFC 6749 §4.1.2). */
  used_at: number | null;
  created_at: number;
}

export interface OAuthRefreshTokensTable {
  token_hash: string;
  /** All refresh tokens descending from one grant; reuse of a rotated one revokes them all. */
  family_id: string;
  client_id: string;
  org_id: string;
  user_id: string | null;
  scope: string;
  expires_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface OAuthApprovalsTable {
  user_id: string;
  client_id: string;
  /** Space-separated scopes the user approved for the client. */
  scope: string;
  created_at: number;
}

export interface WebSessionsTable {
  id_hash: string;
  user_id: string;
  org_id: string;
  csrf_token: string;
  expires_at: number;
  created_at: number;
}

export interface SigningKeysTable {
  kid: string;
  algorithm: string;
  public_jwk: string;
  /** AES-256-GCM encrypted private JWK (see features/oauth/keys.ts). */
  private_jwk_encrypted: string;
  created_at: number;
  /** Set when a newer key took over signing; the key still verifies until its tokens expire. */
  retired_at: number | null;
}
