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
