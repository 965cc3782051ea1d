consent_keywords.org_id text not null
consent_keywords.keyword text not null
consent_keywords.consent_id text not null
consent_keywords.direction text not null
consent_keywords.created_at bigint not null
consent_ledger.id text not null
consent_ledger.org_id text not null
consent_ledger.contact_id text
consent_ledger.mobile_number text not null
consent_ledger.scope text not null
consent_ledger.status text not null
consent_ledger.source text not null
consent_ledger.actor text not null
consent_ledger.department_id text
consent_ledger.message_id text
consent_ledger.created_at bigint not null
consent_states.org_id text not null
consent_states.mobile_number text not null
consent_states.scope text not null
consent_states.status text not null
consent_states.source text not null
consent_states.ledger_id text not null
consent_states.updated_at bigint not null
contacts.id text not null
contacts.org_id text not null
contacts.first_name text
contacts.last_name text
contacts.mobile_number text not null
contacts.email text
contacts.company text
contacts.notes text
contacts.tags text not null default '[]'::text
contacts.site_ids text not null default '[]'::text
contacts.custom_fields text not null default '{}'::text
contacts.search_text text not null default ''::text
contacts.version integer not null default 1
contacts.created_at bigint not null
contacts.updated_at bigint not null
custom_consents.id text not null
custom_consents.org_id text not null
custom_consents.name text not null
custom_consents.description text
custom_consents.consent_level text not null
custom_consents.consent_types text not null default '[]'::text
custom_consents.opt_in_keywords text not null default '[]'::text
custom_consents.opt_out_keywords text not null default '[]'::text
custom_consents.opt_in_message text
custom_consents.opt_out_message text
custom_consents.active integer not null default 1
custom_consents.created_by text
custom_consents.version integer not null default 1
custom_consents.created_at bigint not null
custom_consents.updated_at bigint not null
department_members.department_id text not null
department_members.user_id text not null
department_members.org_id text not null
department_members.created_at bigint not null
departments.id text not null
departments.org_id text not null
departments.site_id text not null
departments.name text not null
departments.time_zone text not null
departments.active integer not null default 1
departments.created_at bigint not null
departments.updated_at bigint not null
events.id text not null
events.org_id text not null
events.type text not null
events.subject_id text not null
events.payload text not null
events.created_at bigint not null
events.dispatched_at bigint
jobs.id text not null
jobs.task text not null
jobs.payload text not null
jobs.priority integer not null default 0
jobs.run_at bigint not null
jobs.attempts integer not null default 0
jobs.max_attempts integer not null
jobs.locked_by text
jobs.locked_at bigint
jobs.last_error text
jobs.job_key text
jobs.failed_at bigint
jobs.created_at bigint not null
jobs.updated_at bigint not null
kysely_migration.name character varying not null
kysely_migration.timestamp character varying not null
kysely_migration_lock.id character varying not null
kysely_migration_lock.is_locked integer not null default 0
oauth_approvals.user_id text not null
oauth_approvals.client_id text not null
oauth_approvals.scope text not null
oauth_approvals.created_at bigint not null
oauth_clients.id text not null
oauth_clients.org_id text not null
oauth_clients.name text not null
oauth_clients.redirect_uris text not null
oauth_clients.scopes text not null
oauth_clients.secret_hash text not null
oauth_clients.api_key_hash text not null
oauth_clients.api_key_hint text not null
oauth_clients.client_credentials integer not null default 0
oauth_clients.created_by text
oauth_clients.created_at bigint not null
oauth_clients.updated_at bigint not null
oauth_codes.code_hash text not null
oauth_codes.client_id text not null
oauth_codes.org_id text not null
oauth_codes.user_id text not null
oauth_codes.family_id text not null
oauth_codes.redirect_uri text not null
oauth_codes.scope text not null
oauth_codes.code_challenge text
oauth_codes.code_challenge_method text
oauth_codes.expires_at bigint not null
oauth_codes.used_at bigint
oauth_codes.created_at bigint not null
oauth_refresh_tokens.token_hash text not null
oauth_refresh_tokens.family_id text not null
oauth_refresh_tokens.client_id text not null
oauth_refresh_tokens.org_id text not null
oauth_refresh_tokens.user_id text
oauth_refresh_tokens.scope text not null
oauth_refresh_tokens.expires_at bigint not null
oauth_refresh_tokens.rotated_at bigint
oauth_refresh_tokens.revoked_at bigint
oauth_refresh_tokens.created_at bigint not null
organizations.id text not null
organizations.name text not null
organizations.settings text not null default '{}'::text
organizations.created_at bigint not null
organizations.updated_at bigint not null
phone_numbers.number text not null
phone_numbers.org_id text not null
phone_numbers.department_id text not null
phone_numbers.created_at bigint not null
signing_keys.kid text not null
signing_keys.algorithm text not null
signing_keys.public_jwk text not null
signing_keys.private_jwk_encrypted text not null
signing_keys.created_at bigint not null
signing_keys.retired_at bigint
sites.id text not null
sites.org_id text not null
sites.name text not null
sites.time_zone text not null
sites.active integer not null default 1
sites.is_default integer not null default 0
sites.created_at bigint not null
sites.updated_at bigint not null
users.id text not null
users.org_id text not null
users.email text not null
users.name text not null
users.password_hash text not null
users.role text not null
users.active integer not null default 1
users.created_at bigint not null
users.updated_at bigint not null
web_sessions.id_hash text not null
web_sessions.user_id text not null
web_sessions.org_id text not null
web_sessions.csrf_token text not null
web_sessions.expires_at bigint not null
web_sessions.created_at bigint not null
consent_keywords constraint consent_keywords_consent_id_fkey FOREIGN KEY (consent_id) REFERENCES custom_consents(id) ON DELETE CASCADE
consent_keywords constraint consent_keywords_direction_check CHECK ((direction = ANY (ARRAY['in'::text, 'out'::text])))
consent_keywords constraint consent_keywords_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
consent_keywords constraint consent_keywords_pk PRIMARY KEY (org_id, keyword)
consent_ledger constraint consent_ledger_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
consent_ledger constraint consent_ledger_pkey PRIMARY KEY (id)
consent_ledger constraint consent_ledger_source_check CHECK ((source = ANY (ARRAY['keyword'::text, 'api'::text, 'app'::text, 'import'::text])))
consent_ledger constraint consent_ledger_status_check CHECK ((status = ANY (ARRAY['OPTED_IN'::text, 'OPTED_OUT'::text])))
consent_states constraint consent_states_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
consent_states constraint consent_states_pk PRIMARY KEY (org_id, mobile_number, scope)
consent_states constraint consent_states_status_check CHECK ((status = ANY (ARRAY['OPTED_IN'::text, 'OPTED_OUT'::text])))
contacts constraint contacts_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
contacts constraint contacts_org_number_unique UNIQUE (org_id, mobile_number)
contacts constraint contacts_pkey PRIMARY KEY (id)
custom_consents constraint custom_consents_consent_level_check CHECK ((consent_level = ANY (ARRAY['CONVERSATIONAL'::text, 'INFORMATIONAL'::text, 'PROMOTIONAL'::text])))
custom_consents constraint custom_consents_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
custom_consents constraint custom_consents_org_name_unique UNIQUE (org_id, name)
custom_consents constraint custom_consents_pkey PRIMARY KEY (id)
department_members constraint department_members_department_id_fkey FOREIGN KEY (department_id) REFERENCES departments(id) ON DELETE CASCADE
department_members constraint department_members_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
department_members constraint department_members_pk PRIMARY KEY (department_id, user_id)
department_members constraint department_members_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
departments constraint departments_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
departments constraint departments_pkey PRIMARY KEY (id)
departments constraint departments_site_id_fkey FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE
departments constraint departments_site_name_unique UNIQUE (site_id, name)
events constraint events_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
events constraint events_pkey PRIMARY KEY (id)
jobs constraint jobs_job_key_key UNIQUE (job_key)
jobs constraint jobs_pkey PRIMARY KEY (id)
kysely_migration constraint kysely_migration_pkey PRIMARY KEY (name)
kysely_migration_lock constraint kysely_migration_lock_pkey PRIMARY KEY (id)
oauth_approvals constraint oauth_approvals_client_id_fkey FOREIGN KEY (client_id) REFERENCES oauth_clients(id) ON DELETE CASCADE
oauth_approvals constraint oauth_approvals_pk PRIMARY KEY (user_id, client_id)
oauth_approvals constraint oauth_approvals_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
oauth_clients constraint oauth_clients_api_key_hash_key UNIQUE (api_key_hash)
oauth_clients constraint oauth_clients_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
oauth_clients constraint oauth_clients_pkey PRIMARY KEY (id)
oauth_codes constraint oauth_codes_client_id_fkey FOREIGN KEY (client_id) REFERENCES oauth_clients(id) ON DELETE CASCADE
oauth_codes constraint oauth_codes_pkey PRIMARY KEY (code_hash)
oauth_codes constraint oauth_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
oauth_refresh_tokens constraint oauth_refresh_tokens_client_id_fkey FOREIGN KEY (client_id) REFERENCES oauth_clients(id) ON DELETE CASCADE
oauth_refresh_tokens constraint oauth_refresh_tokens_pkey PRIMARY KEY (token_hash)
oauth_refresh_tokens constraint oauth_refresh_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
organizations constraint organizations_pkey PRIMARY KEY (id)
phone_numbers constraint phone_numbers_department_id_fkey FOREIGN KEY (department_id) REFERENCES departments(id) ON DELETE CASCADE
phone_numbers constraint phone_numbers_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
phone_numbers constraint phone_numbers_pkey PRIMARY KEY (number)
signing_keys constraint signing_keys_pkey PRIMARY KEY (kid)
sites constraint sites_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
sites constraint sites_org_name_unique UNIQUE (org_id, name)
sites constraint sites_pkey PRIMARY KEY (id)
users constraint users_email_key UNIQUE (email)
users constraint users_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
users constraint users_pkey PRIMARY KEY (id)
users constraint users_role_check CHECK ((role = ANY (ARRAY['admin'::text, 'manager'::text, 'agent'::text])))
web_sessions constraint web_sessions_pkey PRIMARY KEY (id_hash)
web_sessions constraint web_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
CREATE INDEX consent_keywords_consent_idx ON public.consent_keywords USING btree (consent_id)
CREATE UNIQUE INDEX consent_keywords_pk ON public.consent_keywords USING btree (org_id, keyword)
CREATE INDEX consent_ledger_number_idx ON public.consent_ledger USING btree (org_id, mobile_number, created_at, id)
CREATE UNIQUE INDEX consent_ledger_pkey ON public.consent_ledger USING btree (id)
CREATE UNIQUE INDEX consent_states_pk ON public.consent_states USING btree (org_id, mobile_number, scope)
CREATE INDEX contacts_org_created_idx ON public.contacts USING btree (org_id, created_at, id)
CREATE UNIQUE INDEX contacts_org_number_unique ON public.contacts USING btree (org_id, mobile_number)
CREATE UNIQUE INDEX contacts_pkey ON public.contacts USING btree (id)
CREATE INDEX custom_consents_org_created_idx ON public.custom_consents USING btree (org_id, created_at, id)
CREATE UNIQUE INDEX custom_consents_org_name_unique ON public.custom_consents USING btree (org_id, name)
CREATE UNIQUE INDEX custom_consents_pkey ON public.custom_consents USING btree (id)
CREATE UNIQUE INDEX department_members_pk ON public.department_members USING btree (department_id, user_id)
CREATE INDEX department_members_user_idx ON public.department_members USING btree (user_id)
CREATE INDEX departments_org_idx ON public.departments USING btree (org_id, site_id)
CREATE UNIQUE INDEX departments_pkey ON public.departments USING btree (id)
CREATE UNIQUE INDEX departments_site_name_unique ON public.departments USING btree (site_id, name)
CREATE INDEX events_pending_idx ON public.events USING btree (id) WHERE (dispatched_at IS NULL)
CREATE UNIQUE INDEX events_pkey ON public.events USING btree (id)
CREATE INDEX events_subject_idx ON public.events USING btree (org_id, subject_id, id)
CREATE INDEX jobs_claim_idx ON public.jobs USING btree (priority DESC, run_at, id) WHERE (failed_at IS NULL)
CREATE UNIQUE INDEX jobs_job_key_key ON public.jobs USING btree (job_key)
CREATE UNIQUE INDEX jobs_pkey ON public.jobs USING btree (id)
CREATE UNIQUE INDEX kysely_migration_pkey ON public.kysely_migration USING btree (name)
CREATE UNIQUE INDEX kysely_migration_lock_pkey ON public.kysely_migration_lock USING btree (id)
CREATE UNIQUE INDEX oauth_approvals_pk ON public.oauth_approvals USING btree (user_id, client_id)
CREATE UNIQUE INDEX oauth_clients_api_key_hash_key ON public.oauth_clients USING btree (api_key_hash)
CREATE INDEX oauth_clients_org_idx ON public.oauth_clients USING btree (org_id)
CREATE UNIQUE INDEX oauth_clients_pkey ON public.oauth_clients USING btree (id)
CREATE UNIQUE INDEX oauth_codes_pkey ON public.oauth_codes USING btree (code_hash)
CREATE INDEX oauth_refresh_tokens_family_idx ON public.oauth_refresh_tokens USING btree (family_id)
CREATE UNIQUE INDEX oauth_refresh_tokens_pkey ON public.oauth_refresh_tokens USING btree (token_hash)
CREATE UNIQUE INDEX organizations_pkey ON public.organizations USING btree (id)
CREATE INDEX phone_numbers_department_idx ON public.phone_numbers USING btree (department_id)
CREATE UNIQUE INDEX phone_numbers_pkey ON public.phone_numbers USING btree (number)
CREATE UNIQUE INDEX signing_keys_pkey ON public.signing_keys USING btree (kid)
CREATE UNIQUE INDEX sites_org_name_unique ON public.sites USING btree (org_id, name)
CREATE UNIQUE INDEX sites_pkey ON public.sites USING btree (id)
CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)
CREATE INDEX users_org_idx ON public.users USING btree (org_id)
CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)
CREATE UNIQUE INDEX web_sessions_pkey ON public.web_sessions USING btree (id_hash)
