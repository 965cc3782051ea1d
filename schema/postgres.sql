carrier_link_leases.route_id text not null
carrier_link_leases.holder text not null
carrier_link_leases.expires_at bigint not null
carrier_link_leases.updated_at bigint not null
carrier_routes.id text not null
carrier_routes.kind text not null
carrier_routes.match text not null
carrier_routes.url_encrypted text not null
carrier_routes.url_redacted text not null
carrier_routes.created_at bigint not null
carrier_routes.updated_at bigint not null
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
idempotency_keys.org_id text not null
idempotency_keys.key text not null
idempotency_keys.request_hash text not null
idempotency_keys.response text not null
idempotency_keys.created_at bigint not null
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
message_parts.message_id text not null
message_parts.seq integer not null
message_parts.route_id text not null
message_parts.smsc_message_id text not null
message_parts.status text not null
message_parts.error_code text
message_parts.created_at bigint not null
message_parts.updated_at bigint not null
messages.id text not null
messages.org_id text not null
messages.site_id text not null
messages.department_id text not null
messages.direction text not null
messages.from_number text not null
messages.to_number text not null
messages.contact_number text not null
messages.text text not null
messages.media text not null default '[]'::text
messages.media_fallback text
messages.status text not null
messages.segments integer not null
messages.encoding text not null
messages.error_code text
messages.error_message text
messages.agent_user_id text
messages.agent_email text
messages.contact_id text
messages.route_id text
messages.submit_attempts integer not null default 0
messages.created_at bigint not null
messages.updated_at bigint not null
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
unmatched_receipts.id text not null
unmatched_receipts.route_id text not null
unmatched_receipts.smsc_message_id text not null
unmatched_receipts.status text not null
unmatched_receipts.error_code text
unmatched_receipts.received_at bigint not null
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
webhook_attempts.id text not null
webhook_attempts.delivery_id text not null
webhook_attempts.subscription_id text not null
webhook_attempts.attempt integer not null
webhook_attempts.attempted_at bigint not null
webhook_attempts.duration_ms integer not null
webhook_attempts.status_code integer
webhook_attempts.response_body text
webhook_attempts.error text
webhook_attempts.succeeded integer not null
webhook_deliveries.id text not null
webhook_deliveries.webhook_id text not null
webhook_deliveries.org_id text not null
webhook_deliveries.subscription_id text not null
webhook_deliveries.event_id text not null
webhook_deliveries.event_type text not null
webhook_deliveries.event_at bigint not null
webhook_deliveries.filter text not null
webhook_deliveries.payload text not null
webhook_deliveries.state text not null
webhook_deliveries.attempts integer not null default 0
webhook_deliveries.next_attempt_at bigint
webhook_deliveries.locked_by text
webhook_deliveries.locked_at bigint
webhook_deliveries.last_attempt_at bigint
webhook_deliveries.last_status_code integer
webhook_deliveries.last_error text
webhook_deliveries.delivered_at bigint
webhook_deliveries.created_at bigint not null
webhook_deliveries.updated_at bigint not null
webhook_subscriptions.id text not null
webhook_subscriptions.org_id text not null
webhook_subscriptions.uri text not null
webhook_subscriptions.event_filters text not null default '[]'::text
webhook_subscriptions.disabled_filters text not null default '[]'::text
webhook_subscriptions.has_message_filters integer not null default 0
webhook_subscriptions.has_contact_filters integer not null default 0
webhook_subscriptions.status text not null
webhook_subscriptions.status_reason text
webhook_subscriptions.expires_at bigint
webhook_subscriptions.secret_sealed text not null
webhook_subscriptions.previous_secret_sealed text
webhook_subscriptions.previous_secret_expires_at bigint
webhook_subscriptions.failing_since bigint
webhook_subscriptions.last_failure_at bigint
webhook_subscriptions.created_at bigint not null
webhook_subscriptions.updated_at bigint not null
carrier_link_leases constraint carrier_link_leases_pkey PRIMARY KEY (route_id)
carrier_routes constraint carrier_routes_kind_check CHECK ((kind = ANY (ARRAY['number'::text, 'department'::text, 'default'::text])))
carrier_routes constraint carrier_routes_kind_match_unique UNIQUE (kind, match)
carrier_routes constraint carrier_routes_pkey PRIMARY KEY (id)
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
idempotency_keys constraint idempotency_keys_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
idempotency_keys constraint idempotency_keys_pk PRIMARY KEY (org_id, key)
jobs constraint jobs_job_key_key UNIQUE (job_key)
jobs constraint jobs_pkey PRIMARY KEY (id)
kysely_migration constraint kysely_migration_pkey PRIMARY KEY (name)
kysely_migration_lock constraint kysely_migration_lock_pkey PRIMARY KEY (id)
message_parts constraint message_parts_message_id_fkey FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE
message_parts constraint message_parts_pk PRIMARY KEY (message_id, seq)
message_parts constraint message_parts_status_check CHECK ((status = ANY (ARRAY['sent'::text, 'delivered'::text, 'undelivered'::text, 'failed'::text])))
messages constraint messages_direction_check CHECK ((direction = ANY (ARRAY['inbound'::text, 'outbound'::text])))
messages constraint messages_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
messages constraint messages_pkey PRIMARY KEY (id)
messages constraint messages_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'sending'::text, 'sent'::text, 'delivered'::text, 'undelivered'::text, 'failed'::text, 'received'::text])))
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
unmatched_receipts constraint unmatched_receipts_pkey PRIMARY KEY (id)
unmatched_receipts constraint unmatched_receipts_status_check CHECK ((status = ANY (ARRAY['delivered'::text, 'undelivered'::text, 'failed'::text])))
users constraint users_email_key UNIQUE (email)
users constraint users_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
users constraint users_pkey PRIMARY KEY (id)
users constraint users_role_check CHECK ((role = ANY (ARRAY['admin'::text, 'manager'::text, 'agent'::text])))
web_sessions constraint web_sessions_pkey PRIMARY KEY (id_hash)
web_sessions constraint web_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
webhook_attempts constraint webhook_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries(id) ON DELETE CASCADE
webhook_attempts constraint webhook_attempts_pkey PRIMARY KEY (id)
webhook_deliveries constraint webhook_deliveries_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
webhook_deliveries constraint webhook_deliveries_pkey PRIMARY KEY (id)
webhook_deliveries constraint webhook_deliveries_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text])))
webhook_deliveries constraint webhook_deliveries_subscription_event_unique UNIQUE (subscription_id, event_id)
webhook_deliveries constraint webhook_deliveries_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES webhook_subscriptions(id) ON DELETE CASCADE
webhook_subscriptions constraint webhook_subscriptions_org_id_fkey FOREIGN KEY (org_id) REFERENCES organizations(id) ON DELETE CASCADE
webhook_subscriptions constraint webhook_subscriptions_org_uri_unique UNIQUE (org_id, uri)
webhook_subscriptions constraint webhook_subscriptions_pkey PRIMARY KEY (id)
webhook_subscriptions constraint webhook_subscriptions_status_check CHECK ((status = ANY (ARRAY['ACTIVE'::text, 'INACTIVE'::text, 'EXPIRED'::text])))
CREATE UNIQUE INDEX carrier_link_leases_pkey ON public.carrier_link_leases USING btree (route_id)
CREATE UNIQUE INDEX carrier_routes_kind_match_unique ON public.carrier_routes USING btree (kind, match)
CREATE UNIQUE INDEX carrier_routes_pkey ON public.carrier_routes USING btree (id)
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
CREATE INDEX idempotency_keys_created_idx ON public.idempotency_keys USING btree (created_at)
CREATE UNIQUE INDEX idempotency_keys_pk ON public.idempotency_keys USING btree (org_id, key)
CREATE INDEX jobs_claim_idx ON public.jobs USING btree (priority DESC, run_at, id) WHERE (failed_at IS NULL)
CREATE UNIQUE INDEX jobs_job_key_key ON public.jobs USING btree (job_key)
CREATE UNIQUE INDEX jobs_pkey ON public.jobs USING btree (id)
CREATE UNIQUE INDEX kysely_migration_pkey ON public.kysely_migration USING btree (name)
CREATE UNIQUE INDEX kysely_migration_lock_pkey ON public.kysely_migration_lock USING btree (id)
CREATE UNIQUE INDEX message_parts_pk ON public.message_parts USING btree (message_id, seq)
CREATE INDEX message_parts_smsc_idx ON public.message_parts USING btree (smsc_message_id, route_id)
CREATE INDEX messages_org_contact_idx ON public.messages USING btree (org_id, contact_number, created_at)
CREATE INDEX messages_org_created_idx ON public.messages USING btree (org_id, created_at, id)
CREATE INDEX messages_org_department_idx ON public.messages USING btree (org_id, department_id, created_at)
CREATE UNIQUE INDEX messages_pkey ON public.messages USING btree (id)
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
CREATE UNIQUE INDEX unmatched_receipts_pkey ON public.unmatched_receipts USING btree (id)
CREATE INDEX unmatched_receipts_received_idx ON public.unmatched_receipts USING btree (received_at)
CREATE INDEX unmatched_receipts_smsc_idx ON public.unmatched_receipts USING btree (smsc_message_id, route_id)
CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)
CREATE INDEX users_org_idx ON public.users USING btree (org_id)
CREATE UNIQUE INDEX users_pkey ON public.users USING btree (id)
CREATE UNIQUE INDEX web_sessions_pkey ON public.web_sessions USING btree (id_hash)
CREATE INDEX webhook_attempts_delivery_idx ON public.webhook_attempts USING btree (delivery_id, attempt)
CREATE UNIQUE INDEX webhook_attempts_pkey ON public.webhook_attempts USING btree (id)
CREATE INDEX webhook_deliveries_due_idx ON public.webhook_deliveries USING btree (next_attempt_at, id) WHERE (state = 'pending'::text)
CREATE UNIQUE INDEX webhook_deliveries_pkey ON public.webhook_deliveries USING btree (id)
CREATE INDEX webhook_deliveries_subscription_due_idx ON public.webhook_deliveries USING btree (subscription_id, next_attempt_at, id) WHERE (state = 'pending'::text)
CREATE UNIQUE INDEX webhook_deliveries_subscription_event_unique ON public.webhook_deliveries USING btree (subscription_id, event_id)
CREATE INDEX webhook_deliveries_subscription_idx ON public.webhook_deliveries USING btree (subscription_id, created_at, id)
CREATE INDEX webhook_subscriptions_expiry_idx ON public.webhook_subscriptions USING btree (expires_at) WHERE (status = 'ACTIVE'::text)
CREATE INDEX webhook_subscriptions_org_status_idx ON public.webhook_subscriptions USING btree (org_id, status)
CREATE UNIQUE INDEX webhook_subscriptions_org_uri_unique ON public.webhook_subscriptions USING btree (org_id, uri)
CREATE UNIQUE INDEX webhook_subscriptions_pkey ON public.webhook_subscriptions USING btree (id)
