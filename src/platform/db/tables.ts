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
  contacts: ContactsTable;
  custom_consents: CustomConsentsTable;
  consent_keywords: ConsentKeywordsTable;
  consent_ledger: ConsentLedgerTable;
  consent_states: ConsentStatesTable;
  events: EventsTable;
  messages: MessagesTable;
  message_parts: MessagePartsTable;
  unmatched_receipts: UnmatchedReceiptsTable;
  idempotency_keys: IdempotencyKeysTable;
  carrier_routes: CarrierRoutesTable;
  carrier_link_leases: CarrierLinkLeasesTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
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

export interface ContactsTable {
  id: string;
  org_id: string;
  first_name: string | null;
  last_name: string | null;
  /** E.164; unique in the organisation (`contacts_org_number_unique`). */
  mobile_number: string;
  email: string | null;
  company: string | null;
  notes: string | null;
  /** JSON array of strings. */
  tags: string;
  /** JSON array of site ids of the organisation the contact is limited to. */
  site_ids: string;
  /** JSON object of custom field values (string, number, boolean). */
  custom_fields: string;
  /** Lower-cased (in JavaScript, so alike on both dialects) "first last" newline email, for `q` searches. */
  search_text: string;
  /** Incremented by every update; updates are conditional on it (optimistic concurrency). */
  version: number;
  created_at: number;
  updated_at: number;
}

export interface CustomConsentsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  consent_level: 'CONVERSATIONAL' | 'INFORMATIONAL' | 'PROMOTIONAL';
  /** JSON array of strings. */
  consent_types: string;
  /** JSON arrays of the keywords as written; their matching forms are in consent_keywords. */
  opt_in_keywords: string;
  opt_out_keywords: string;
  opt_in_message: string | null;
  opt_out_message: string | null;
  active: number;
  created_by: string | null;
  /** Incremented by every update; updates are conditional on it (optimistic concurrency). */
  version: number;
  created_at: number;
  updated_at: number;
}

export interface ConsentKeywordsTable {
  org_id: string;
  /** Matching form: upper case, letters and digits only ("opt-in" → OPTIN); unique in the organisation. */
  keyword: string;
  consent_id: string;
  direction: 'in' | 'out';
  created_at: number;
}

export interface ConsentLedgerTable {
  id: string;
  org_id: string;
  /** The contact at the time, if any; kept (not a foreign key) when the contact is deleted. */
  contact_id: string | null;
  /** E.164. */
  mobile_number: string;
  /** `global` (the whole organisation) or a custom consent id. */
  scope: string;
  status: 'OPTED_IN' | 'OPTED_OUT';
  source: 'keyword' | 'api' | 'app' | 'import';
  /** A user id, an OAuth client id, or `system`. */
  actor: string;
  /** The department (inbox) that received the keyword, for keyword entries. */
  department_id: string | null;
  /** The inbound message that carried the keyword, when known. */
  message_id: string | null;
  created_at: number;
}

export interface ConsentStatesTable {
  org_id: string;
  mobile_number: string;
  scope: string;
  status: 'OPTED_IN' | 'OPTED_OUT';
  source: string;
  /** The ledger entry this state is the result of; always the latest entry of (number, scope). */
  ledger_id: string;
  updated_at: number;
}

export interface EventsTable {
  id: string;
  org_id: string;
  /** e.g. contact.created, contact.updated, contact.deleted (later message.*). */
  type: string;
  /** Id of the thing the event is about (the contact, the message). */
  subject_id: string;
  /** JSON object. */
  payload: string;
  created_at: number;
  /** Set when the webhook dispatcher has fanned the event out; null while pending. */
  dispatched_at: number | null;
}

export type MessageDirection = 'inbound' | 'outbound';
export type MessageStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'received';

export interface MessagesTable {
  id: string;
  org_id: string;
  site_id: string;
  department_id: string;
  direction: MessageDirection;
  /** E.164 (or the carrier's form of a short code / alphanumeric sender on inbound). */
  from_number: string;
  to_number: string;
  /** The other party: `to` of an outbound message, `from` of an inbound one (the `contact` filter). */
  contact_number: string;
  text: string;
  /** JSON array of {url, contentType, size}. */
  media: string;
  /** How media went out on a route that cannot carry it: `links` (text plus short links); null when not MMS. */
  media_fallback: string | null;
  status: MessageStatus;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  /** A PermanentCarrierError's "0x0000000B", or a receipt's `err:` value as sent. */
  error_code: string | null;
  error_message: string | null;
  agent_user_id: string | null;
  agent_email: string | null;
  contact_id: string | null;
  /** The carrier route that sent (or received) it: a carrier_routes id, `env` (SMPP_URL) or `simulator`. */
  route_id: string | null;
  /** submit attempts made so far (a re-send after a lost link or a crashed worker counts again). */
  submit_attempts: number;
  created_at: number;
  updated_at: number;
}

export interface MessagePartsTable {
  message_id: string;
  /** 1-based part number. */
  seq: number;
  route_id: string;
  /** The id the SMSC answered in submit_sm_resp; receipts name it. */
  smsc_message_id: string;
  status: 'sent' | 'delivered' | 'undelivered' | 'failed';
  error_code: string | null;
  created_at: number;
  updated_at: number;
}

export interface UnmatchedReceiptsTable {
  id: string;
  route_id: string;
  smsc_message_id: string;
  status: 'delivered' | 'undelivered' | 'failed';
  error_code: string | null;
  received_at: number;
}

export interface IdempotencyKeysTable {
  org_id: string;
  /** The Idempotency-Key header as sent. */
  key: string;
  /** SHA-256 (hex) of the method, route and parameters of the first request. */
  request_hash: string;
  /** JSON {statusCode, body} of the first answer, replayed for a repeat. */
  response: string;
  created_at: number;
}

export interface CarrierRoutesTable {
  id: string;
  kind: 'number' | 'department' | 'default';
  /** The E.164 number, the department id, or '' for the default route. */
  match: string;
  /** AES-256-GCM sealed smpp:// URL (it holds the bind password). */
  url_encrypted: string;
  /** The URL with its password hidden, for lists and logs. */
  url_redacted: string;
  created_at: number;
  updated_at: number;
}

/** Who owns the bind of an exclusive carrier route (features/carrier/link-leases.ts). */
export interface CarrierLinkLeasesTable {
  /** A carrier_routes id, or `env` (SMPP_URL). */
  route_id: string;
  /** The lease keeper of one process: `<host>/<pid>/<random>`. */
  holder: string;
  /** The holder's clock when it took or last renewed the lease, plus the lease TTL. */
  expires_at: number;
  updated_at: number;
}

export interface WebhookSubscriptionsTable {
  id: string;
  org_id: string;
  /** Unique in the organisation (`webhook_subscriptions_org_uri_unique`): a POST with a known uri updates. */
  uri: string;
  /** JSON array of the enabled filters, canonical form. */
  event_filters: string;
  /** JSON array of `{filter, reason, message}`: the filters not enabled and why. */
  disabled_filters: string;
  /** 1 when an enabled filter is a message filter (needs SendMessage). */
  has_message_filters: number;
  /** 1 when an enabled filter is a contact filter (needs ReadContact). */
  has_contact_filters: number;
  status: 'ACTIVE' | 'INACTIVE' | 'EXPIRED';
  /** Why the subscription is not ACTIVE (410 Gone, failing for 5 days, expired); null when ACTIVE. */
  status_reason: string | null;
  /** `expiresDateInMillies`; null never expires. */
  expires_at: number | null;
  /** The `whsec_…` signing secret, AES-256-GCM sealed (features/webhooks/webhooks.signing.ts). */
  secret_sealed: string;
  /** The secret replaced by the last rotation; it still signs until previous_secret_expires_at. */
  previous_secret_sealed: string | null;
  previous_secret_expires_at: number | null;
  /** Time of the first failed attempt since the last success; null while deliveries succeed. */
  failing_since: number | null;
  last_failure_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookDeliveriesTable {
  id: string;
  /** The `webhook-id` header and the body's `uuid`: stable across retries, for receivers to deduplicate. */
  webhook_id: string;
  org_id: string;
  subscription_id: string;
  /** The outbox event (platform/events); unique with subscription_id. */
  event_id: string;
  event_type: string;
  /** When the event was recorded (its commit, give or take the transaction). */
  event_at: number;
  /** The subscription filter the event matched: the body's `event`. */
  filter: string;
  /** The JSON body, frozen at fan-out so every attempt sends the same bytes. */
  payload: string;
  state: 'pending' | 'succeeded' | 'failed' | 'cancelled';
  /** Attempts made so far. */
  attempts: number;
  /** When the next attempt is due; null unless pending. */
  next_attempt_at: number | null;
  /** Runner holding the delivery while an attempt is in flight; null when free. */
  locked_by: string | null;
  locked_at: number | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  subscription_id: string;
  /** 1 for the first attempt of the delivery. */
  attempt: number;
  attempted_at: number;
  duration_ms: number;
  /** HTTP status of the answer; null when there was none (timeout, refused, …). */
  status_code: number | null;
  /** The first 1024 bytes of the answer's body. */
  response_body: string | null;
  /** Why the attempt failed without an answer, or why the answer was not a success. */
  error: string | null;
  succeeded: number;
}
