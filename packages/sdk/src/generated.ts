// Generated from openapi/openapi.json by `npm run openapi` (scripts/sdk-types.ts). Do not edit.
/** One entry of the append-only consent ledger. */
export interface ConsentHistoryEntry {
  /** Ledger entry id. */
  id: string;
  /** The contact at the time, if any. */
  contactId: string | null;
  /** The number, E.164. */
  mobileNumber: string;
  /** `global` (every message of the organisation) or a custom consent id. */
  scope: string;
  /** The custom consent; null for the global scope. */
  customConsentId: string | null;
  /** The new status. */
  status: 'OPTED_IN' | 'OPTED_OUT';
  /** keyword, api, app or import. */
  source: string;
  /** Who made the change: a user id, an API client id, or `system` (keywords). */
  actor: string;
  /** The department that received the keyword, for keyword entries. */
  departmentId: string | null;
  /** The message that carried the keyword. */
  messageId: string | null;
  /** When, ISO-8601 UTC. */
  createdDateTime: string;
}

export interface ConsentHistoryEntryPage {
  /** The items of this page. */
  content: ConsentHistoryEntry[];
  /** Items in all pages. */
  totalElements: number;
  /** Number of pages. */
  totalPages: number;
  /** Requested page size. */
  size: number;
  /** This page number, starting at 0. */
  number: number;
  /** Items in this page. */
  numberOfElements: number;
  /** Whether this is the first page. */
  first: boolean;
  /** Whether this is the last page. */
  last: boolean;
  /** Whether this page has no items. */
  empty: boolean;
}

/** A contact: a person the organisation texts. */
export interface Contact {
  /** Contact id (24 hex characters). */
  id: string;
  /** Organisation id. */
  orgId: string;
  /** First name. */
  firstName: string | null;
  /** Last name. */
  lastName: string | null;
  /** Mobile number, E.164; unique in the organisation. */
  mobileNumber: string;
  /** Email address. */
  email: string | null;
  /** Company. */
  company: string | null;
  /** Free notes. */
  notes: string | null;
  /** Labels. */
  tags: string[];
  /** Sites the contact belongs to. */
  siteIds: string[];
  /** Custom fields by name. */
  customFields: {
    [key: string]: string | number | boolean;
  };
  /** Whether the number opted out of all messages of the organisation (STOP). */
  optedOut: boolean;
  /** When it opted out, ISO-8601 UTC; null when not opted out. */
  optedOutDateTime: string | null;
  /** Current consent to each custom consent on record. */
  consents: ContactConsent[];
  /** Creation time, ISO-8601 UTC. */
  createdDateTime: string;
  /** Last change of the contact’s fields, ISO-8601 UTC. */
  lastUpdateDateTime: string;
}

/** The contact’s current consent to one custom consent. */
export interface ContactConsent {
  /** Id of the custom consent. */
  customConsentId: string;
  /** The latest consent status for this purpose. */
  status: 'OPTED_IN' | 'OPTED_OUT';
  /** How it was given or withdrawn: keyword, api, app or import. */
  source: string;
  /** When, ISO-8601 UTC. */
  updatedDateTime: string;
}

export interface ContactPage {
  /** The items of this page. */
  content: Contact[];
  /** Items in all pages. */
  totalElements: number;
  /** Number of pages. */
  totalPages: number;
  /** Requested page size. */
  size: number;
  /** This page number, starting at 0. */
  number: number;
  /** Items in this page. */
  numberOfElements: number;
  /** Whether this is the first page. */
  first: boolean;
  /** Whether this is the last page. */
  last: boolean;
  /** Whether this page has no items. */
  empty: boolean;
}

/** A custom consent: a purpose a contact may opt in to. */
export interface CustomConsent {
  /** Custom consent id (24 hex characters). */
  id: string;
  /** Organisation id. */
  orgId: string;
  /** Name, unique in the organisation. */
  name: string;
  /** What the contact consents to. */
  description: string | null;
  /** CONVERSATIONAL, INFORMATIONAL or PROMOTIONAL (the CTIA message categories). */
  consentLevel: 'CONVERSATIONAL' | 'INFORMATIONAL' | 'PROMOTIONAL';
  /** Free labels. */
  consentTypes: string[];
  /** Keywords that opt the sender in, as written. */
  optInKeywords: string[];
  /** Keywords that opt the sender out, as written. */
  optOutKeywords: string[];
  /** Reply to an opt-in keyword; a default naming the consent when null. */
  optInMessage: string | null;
  /** Reply to an opt-out keyword; a default naming the consent when null. */
  optOutMessage: string | null;
  /** Whether the consent is in use; an inactive one’s keywords are ignored. */
  active: boolean;
  /** Who created it: a user id or an API client id. */
  createdBy: string | null;
  /** Creation time, ISO-8601 UTC. */
  createdDateTime: string;
  /** Last change, ISO-8601 UTC. */
  lastUpdateDateTime: string;
}

export interface CustomConsentPage {
  /** The items of this page. */
  content: CustomConsent[];
  /** Items in all pages. */
  totalElements: number;
  /** Number of pages. */
  totalPages: number;
  /** Requested page size. */
  size: number;
  /** This page number, starting at 0. */
  number: number;
  /** Items in this page. */
  numberOfElements: number;
  /** Whether this is the first page. */
  first: boolean;
  /** Whether this is the last page. */
  last: boolean;
  /** Whether this page has no items. */
  empty: boolean;
}

/** A department: an inbox owning phone numbers. */
export interface Department {
  /** Department id; webhook filters name it. */
  id: string;
  /** Department (inbox) name. */
  name: string;
  /** Numbers the department owns, E.164. */
  phoneNumbers: string[];
  /** IANA time zone. */
  timeZone: string;
  /** Whether the department is in use. */
  active: boolean;
}

/** A filter that was not enabled. */
export interface DisabledFilter {
  /** The filter as sent (canonical form when it could be read). */
  filter: string;
  /** Why it is disabled: INVALID_FILTER, ORG_MISMATCH, UNKNOWN_DEPARTMENT or UNKNOWN_SITE. */
  reason: string;
  /** The reason in words. */
  message: string;
}

/** An error. Application errors have the Spring shape (`timestamp`, `status`, `error`, `message`, `path`, `code`, `requestId`); the gateway errors — 401 `auth.unauthorized`, 403 `auth.forbidden`, 429 `rate_limited` — only `message`, `code` and `requestId`, like the hosted API gateway. Never a stack trace. */
export interface ErrorBody {
  /** When the error happened, ISO-8601 UTC. Absent on gateway errors. */
  timestamp?: string;
  /** The HTTP status. Absent on gateway errors. */
  status?: number;
  /** The HTTP reason phrase. Absent on gateway errors. */
  error?: string;
  /** What went wrong, in words (the code’s default message or a more precise one). */
  message: string;
  /** The request path. Absent on gateway errors. */
  path?: string;
  code: ErrorCode;
  /** Id of the request, also in the `x-request-id` header and in every log line of the server. */
  requestId: string;
  /** For `request.invalid`: the validation failures (field and rule). Absent otherwise. */
  details?: unknown;
}

/**
 * Every error code of the platform, with its HTTP status and default message (one registry: code → status → message).
 *
 * | code | status | message |
 * |---|---|---|
 * | `accounts.department_not_found` | 404 | Department not found in the organisation |
 * | `accounts.email_taken` | 409 | A user with that email already exists |
 * | `accounts.invalid_email` | 400 | The email address is not valid |
 * | `accounts.invalid_org_name` | 400 | An organisation name must have 1 to 100 characters |
 * | `accounts.invalid_role` | 400 | A role is one of admin, manager, agent |
 * | `accounts.org_not_found` | 404 | Organisation not found |
 * | `accounts.user_not_found` | 404 | User not found |
 * | `accounts.weak_password` | 400 | A password must have at least 10 characters |
 * | `auth.forbidden` | 403 | Forbidden |
 * | `auth.unauthorized` | 401 | Unauthorized |
 * | `carrier.invalid_route` | 400 | The SMPP route URL is not valid |
 * | `consents.consent_inactive` | 409 | The custom consent is inactive |
 * | `consents.invalid_field` | 400 | A field of the custom consent is invalid |
 * | `consents.invalid_keyword` | 400 | A keyword must have 1 to 30 letters or digits |
 * | `consents.invalid_number` | 400 | The phone number is not a valid number |
 * | `consents.invalid_setting` | 400 | A messaging setting is invalid |
 * | `consents.keyword_taken` | 409 | Another custom consent of the organisation uses that keyword |
 * | `consents.name_taken` | 409 | The organisation already has a custom consent with that name |
 * | `consents.not_found` | 404 | Custom consent not found |
 * | `consents.org_not_found` | 404 | Organisation not found |
 * | `consents.reserved_keyword` | 400 | STOP, START and HELP keywords (and their synonyms) are reserved |
 * | `contacts.invalid_field` | 400 | A field of the contact is invalid |
 * | `contacts.invalid_number` | 400 | The mobile number is not a valid phone number |
 * | `contacts.invalid_site` | 400 | A site id is not a site of the organisation |
 * | `contacts.not_found` | 404 | Contact not found |
 * | `contacts.number_taken` | 409 | Another contact of the organisation has that mobile number |
 * | `internal` | 500 | Internal Server Error |
 * | `messages.agent_not_found` | 404 | No active user with that email in this organisation |
 * | `messages.invalid_media` | 400 | The media is not usable |
 * | `messages.invalid_number` | 400 | The phone number is not a valid number |
 * | `messages.invalid_text` | 400 | The text must have 1 to 1600 characters |
 * | `messages.media_fetch_failed` | 400 | A media URL could not be fetched |
 * | `messages.media_required` | 400 | An MMS needs at least one media item (mediaUrl or a file) |
 * | `messages.media_too_large` | 413 | The media of one message may not exceed 5 MB in all |
 * | `messages.not_found` | 404 | Message not found |
 * | `messages.recipient_opted_out` | 400 | The recipient has opted out of messages from this organisation |
 * | `messages.sender_not_in_org` | 400 | The from number does not belong to a department of this organisation |
 * | `messages.too_many_media` | 400 | At most 10 media items per message |
 * | `messages.unsupported_media_type` | 415 | Media must be JPEG, PNG, GIF, MP4, MP3, PDF or vCard |
 * | `oauth.client_not_found` | 404 | API client not found |
 * | `oauth.invalid_client_name` | 400 | A client app name must have 1 to 100 characters |
 * | `oauth.invalid_login` | 401 | Email or password is incorrect |
 * | `oauth.invalid_redirect_uri` | 400 | Callback URLs must be absolute https URLs (http only for localhost), without fragments |
 * | `oauth.invalid_scope` | 400 | Unknown scope |
 * | `oauth.too_many_attempts` | 429 | Too many sign-in attempts; try again later |
 * | `rate_limited` | 429 | Too Many Requests |
 * | `request.idempotency_mismatch` | 422 | This Idempotency-Key was used with a different request in the last 24 hours |
 * | `request.invalid` | 400 | The request is invalid |
 * | `request.malformed_body` | 400 | The request body could not be parsed |
 * | `request.too_large` | 413 | The request body is too large |
 * | `request.unsupported_media_type` | 415 | The request body has an unsupported media type |
 * | `route.not_found` | 404 | No such route |
 * | `service.unavailable` | 503 | The service is temporarily unavailable |
 * | `sites.department_name_taken` | 409 | The site already has a department with that name |
 * | `sites.department_not_found` | 404 | Department not found |
 * | `sites.invalid_name` | 400 | A name must have 1 to 100 characters |
 * | `sites.invalid_phone_number` | 400 | The phone number is not a valid number |
 * | `sites.invalid_time_zone` | 400 | The time zone is not a known IANA time zone |
 * | `sites.number_taken` | 409 | The phone number already belongs to a department |
 * | `sites.site_name_taken` | 409 | The organisation already has a site with that name |
 * | `sites.site_not_found` | 404 | Site not found |
 * | `webhooks.delivery_in_progress` | 409 | An attempt of the delivery is in flight |
 * | `webhooks.delivery_not_found` | 404 | Webhook delivery not found |
 * | `webhooks.invalid_expiration` | 400 | expiresDateInMillies must be a time in the future |
 * | `webhooks.invalid_filters` | 400 | No event filter of the subscription is valid |
 * | `webhooks.invalid_uri` | 400 | The uri must be an absolute http or https URL |
 * | `webhooks.not_found` | 404 | Webhook subscription not found |
 * | `webhooks.subscription_not_active` | 409 | The webhook subscription is not ACTIVE |
 * | `webhooks.uri_not_allowed` | 400 | The uri resolves to an address webhooks may not be sent to (private, loopback, link-local or multicast) |
 * | `webhooks.uri_taken` | 409 | Another subscription of the organisation has that uri |
 * | `webhooks.validation_failed` | 400 | The uri did not pass the validation handshake |
 */
export type ErrorCode =
  | 'accounts.department_not_found'
  | 'accounts.email_taken'
  | 'accounts.invalid_email'
  | 'accounts.invalid_org_name'
  | 'accounts.invalid_role'
  | 'accounts.org_not_found'
  | 'accounts.user_not_found'
  | 'accounts.weak_password'
  | 'auth.forbidden'
  | 'auth.unauthorized'
  | 'carrier.invalid_route'
  | 'consents.consent_inactive'
  | 'consents.invalid_field'
  | 'consents.invalid_keyword'
  | 'consents.invalid_number'
  | 'consents.invalid_setting'
  | 'consents.keyword_taken'
  | 'consents.name_taken'
  | 'consents.not_found'
  | 'consents.org_not_found'
  | 'consents.reserved_keyword'
  | 'contacts.invalid_field'
  | 'contacts.invalid_number'
  | 'contacts.invalid_site'
  | 'contacts.not_found'
  | 'contacts.number_taken'
  | 'internal'
  | 'messages.agent_not_found'
  | 'messages.invalid_media'
  | 'messages.invalid_number'
  | 'messages.invalid_text'
  | 'messages.media_fetch_failed'
  | 'messages.media_required'
  | 'messages.media_too_large'
  | 'messages.not_found'
  | 'messages.recipient_opted_out'
  | 'messages.sender_not_in_org'
  | 'messages.too_many_media'
  | 'messages.unsupported_media_type'
  | 'oauth.client_not_found'
  | 'oauth.invalid_client_name'
  | 'oauth.invalid_login'
  | 'oauth.invalid_redirect_uri'
  | 'oauth.invalid_scope'
  | 'oauth.too_many_attempts'
  | 'rate_limited'
  | 'request.idempotency_mismatch'
  | 'request.invalid'
  | 'request.malformed_body'
  | 'request.too_large'
  | 'request.unsupported_media_type'
  | 'route.not_found'
  | 'service.unavailable'
  | 'sites.department_name_taken'
  | 'sites.department_not_found'
  | 'sites.invalid_name'
  | 'sites.invalid_phone_number'
  | 'sites.invalid_time_zone'
  | 'sites.number_taken'
  | 'sites.site_name_taken'
  | 'sites.site_not_found'
  | 'webhooks.delivery_in_progress'
  | 'webhooks.delivery_not_found'
  | 'webhooks.invalid_expiration'
  | 'webhooks.invalid_filters'
  | 'webhooks.invalid_uri'
  | 'webhooks.not_found'
  | 'webhooks.subscription_not_active'
  | 'webhooks.uri_not_allowed'
  | 'webhooks.uri_taken'
  | 'webhooks.validation_failed';

/** A text message. */
export interface Message {
  /** Message id (24 hex characters). */
  id: string;
  /** Organisation id. */
  orgId: string;
  /** Site of the department. */
  siteId: string;
  /** Department (inbox) the message belongs to. */
  departmentId: string;
  /** `inbound` or `outbound`. */
  direction: string;
  /** Sender, E.164 (a short code or sender name as the carrier gave it). */
  from: string;
  /** Recipient, E.164. */
  to: string;
  /** The text as written (without the media links an SMPP route appends). */
  text: string;
  /** Media of an MMS. */
  media: MessageMedia[];
  /** `links` when the route cannot carry media and the MMS went out as text plus links to its media; else null. */
  mediaFallback: string | null;
  /** Outbound: queued, sending, sent, delivered, undelivered, failed. Inbound: received. */
  status: string;
  /** SMS parts. */
  segments: number;
  /** `GSM-7` or `UCS-2`. */
  encoding: string;
  /** The SMPP status ("0x0000000B") or the receipt’s err value, when it failed. */
  errorCode: string | null;
  /** What went wrong, when it did. */
  errorMessage: string | null;
  /** The user the message was sent as, if any. */
  agentEmail: string | null;
  /** The contact of the other party. */
  contactId: string | null;
  /** Creation time, ISO-8601 UTC. */
  createdDateTime: string;
  /** Last status change, epoch milliseconds. */
  lastUpdated: number;
}

export interface MessageMedia {
  /** Unguessable URL of the stored media. */
  url: string;
  /** MIME type. */
  contentType: string;
  /** Bytes. */
  size: number;
}

export interface MessagePage {
  /** The items of this page. */
  content: Message[];
  /** Items in all pages. */
  totalElements: number;
  /** Number of pages. */
  totalPages: number;
  /** Requested page size. */
  size: number;
  /** This page number, starting at 0. */
  number: number;
  /** Items in this page. */
  numberOfElements: number;
  /** Whether this is the first page. */
  first: boolean;
  /** Whether this is the last page. */
  last: boolean;
  /** Whether this page has no items. */
  empty: boolean;
}

/** A rotated signing secret. */
export interface RotatedSigningSecret {
  /** The new secret (`whsec_…`), shown once. */
  signingSecret: string;
  /** Until then deliveries carry a signature with the previous secret too, ISO-8601 UTC. */
  previousSecretExpirationTime: string;
}

/** The send answer. */
export interface SendAnswer {
  /** Always "Message Processed Successfully". */
  result: string;
  /** Id of the accepted message; getmessagebyid reads it. */
  id: string;
  /** Always `queued`: the message and its send job are committed. */
  status: string;
  /** SMS parts the text goes out as (160/153 GSM-7, 70/67 UCS-2). */
  segments: number;
  /** `GSM-7` or `UCS-2`, chosen from the text. */
  encoding: string;
}

/** A site: a branch of the organisation grouping departments. */
export interface Site {
  /** Site id (24 hex characters). */
  id: string;
  /** Organisation id. */
  orgId: string;
  /** Site (branch) name; "Main" for the default site. */
  name: string;
  /** IANA time zone. */
  timeZone: string;
  /** Whether the site is in use. */
  active: boolean;
  /** Departments of the site. */
  departments: Department[];
  /** Creation time, ISO-8601 UTC. */
  createdDateTime: string;
  /** Last change, ISO-8601 UTC. */
  lastUpdateDateTime: string;
}

export interface SitePage {
  /** The items of this page. */
  content: Site[];
  /** Items in all pages. */
  totalElements: number;
  /** Number of pages. */
  totalPages: number;
  /** Requested page size. */
  size: number;
  /** This page number, starting at 0. */
  number: number;
  /** Items in this page. */
  numberOfElements: number;
  /** Whether this is the first page. */
  first: boolean;
  /** Whether this is the last page. */
  last: boolean;
  /** Whether this page has no items. */
  empty: boolean;
}

/** One attempt to deliver an event. */
export interface WebhookAttempt {
  /** 1 for the first attempt of the delivery. */
  attempt: number;
  /** When the attempt started, ISO-8601 UTC. */
  attemptDateTime: string;
  /** HTTP status of the answer; null when there was none. */
  statusCode: number | null;
  /** Milliseconds from the start of the request to the end of the answer. */
  durationMs: number;
  /** The first 1024 bytes of the answer body. */
  responseBody: string | null;
  /** Why the attempt failed (timeout, refused, non-2xx answer, redirect); null on success. */
  error: string | null;
  /** Whether the receiver answered 2xx in time. */
  success: boolean;
}

/** The contact an event is about. */
export interface WebhookContactInfo {
  /** Id of the contact. */
  contactId: string;
  /** What happened to the contact. */
  action: 'CREATED' | 'UPDATED' | 'DELETED';
  /** The contact’s number, E.164. */
  mobileNumber: string | null;
  /** When, epoch milliseconds. */
  lastUpdated: number;
}

/** One event on its way to one subscription. */
export interface WebhookDelivery {
  /** Delivery id (24 hex characters), for the retry endpoint. */
  id: string;
  /** The `webhook-id` header and the body’s `uuid`: the same on every attempt. */
  webhookId: string;
  /** The subscription. */
  subscriptionId: string;
  /** The event delivered. */
  eventId: string;
  /** Its type, e.g. `message.received` or `contact.created`. */
  eventType: string;
  /** The filter of the subscription the event matched. */
  event: string;
  /** PENDING (an attempt is due or in flight), SUCCEEDED, FAILED (retries exhausted, or 410) or CANCELLED (the subscription stopped). */
  status: string;
  /** Attempts made so far. */
  attemptCount: number;
  /** When the next attempt is due, ISO-8601 UTC; null unless PENDING. */
  nextAttemptDateTime: string | null;
  /** Start of the last attempt. */
  lastAttemptDateTime: string | null;
  /** When a receiver accepted it; null until then. */
  deliveredDateTime: string | null;
  /** When the delivery was created (the event fanned out). */
  createdDateTime: string;
  /** Last change of the delivery. */
  lastUpdateDateTime: string;
  /** The JSON body POSTed on every attempt. */
  payload: unknown;
  /** Every attempt, oldest first. */
  attempts: WebhookAttempt[];
}

export interface WebhookDeliveryPage {
  /** The items of this page. */
  content: WebhookDelivery[];
  /** Items in all pages. */
  totalElements: number;
  /** Number of pages. */
  totalPages: number;
  /** Requested page size. */
  size: number;
  /** This page number, starting at 0. */
  number: number;
  /** Items in this page. */
  numberOfElements: number;
  /** Whether this is the first page. */
  first: boolean;
  /** Whether this is the last page. */
  last: boolean;
  /** Whether this page has no items. */
  empty: boolean;
}

/** The JSON body of a delivery: `messageInfo` for message filters, `contactInfo` for contact filters. Delivered at least once: deduplicate by `uuid`. */
export interface WebhookEvent {
  /** Id of the delivery, the same as the `webhook-id` header and on every retry. */
  uuid: string;
  /** When the event happened, ISO-8601 UTC. */
  timestamp: string;
  /** The filter of the subscription the event matched. */
  event: string;
  /** The subscription. */
  subscriptionId: string;
  /** The organisation. */
  orgId: string;
  messageInfo?: WebhookMessageInfo;
  contactInfo?: WebhookContactInfo;
}

/** The message an event is about. Read the whole message with getmessagebyid. */
export interface WebhookMessageInfo {
  /** Id of the message: GET /message/getmessagebyid/{messageId}. */
  messageId: string;
  /** inbound or outbound. */
  direction: 'inbound' | 'outbound';
  /** The status the message just took: queued, sending, sent, delivered, undelivered, failed; received for inbound. */
  status: string;
  /** Sender, E.164. */
  from: string;
  /** Recipient, E.164. */
  to: string;
  /** Site of the department. */
  siteId: string;
  /** Department (inbox) of the message. */
  departmentId: string;
  /** When the status changed, epoch milliseconds. */
  lastUpdated: number;
}

/** A webhook subscription. */
export interface WebhookSubscription {
  /** Subscription id (24 hex characters). */
  id: string;
  /** Where events are POSTed. */
  uri: string;
  /** The enabled filters, in canonical form. */
  eventFilters: string[];
  /** Filters that were not enabled, with why. */
  disabledFilters: DisabledFilter[];
  /** When the subscription expires, ISO-8601 UTC; null when it never does. */
  expirationTime: string | null;
  /** Seconds left before it expires (0 once expired); null when it never does. */
  expiresIn: number | null;
  /** ACTIVE; INACTIVE after a 410 Gone or 5 days of failed deliveries; EXPIRED after the expiration time. */
  status: string;
  /** Creation time, ISO-8601 UTC. */
  createdDateTime: string;
  /** Last change, ISO-8601 UTC. */
  lastUpdateDateTime: string;
  /** Organisation id. */
  orgId: string;
  /** Only in the answer that created the subscription: the Standard Webhooks secret (`whsec_…`) that signs every delivery. Shown once. */
  signingSecret?: string;
}

export interface WebhookSubscriptionPage {
  /** The items of this page. */
  content: WebhookSubscription[];
  /** Items in all pages. */
  totalElements: number;
  /** Number of pages. */
  totalPages: number;
  /** Requested page size. */
  size: number;
  /** This page number, starting at 0. */
  number: number;
  /** Items in this page. */
  numberOfElements: number;
  /** Whether this is the first page. */
  first: boolean;
  /** Whether this is the last page. */
  last: boolean;
  /** Whether this page has no items. */
  empty: boolean;
}

/** Every operation of the API by operationId: its path and query parameters, JSON body and answer. */
export interface Operations {
  /** Create or Update Contact: POST /contact */
  createOrUpdateContact: {
    path: never;
    query: never;
    body: {
      /** Mobile number, E.164 or national format. */
      mobileNumber?: string;
      /** Same as mobileNumber. */
      mobile?: string;
      /** Same as mobileNumber. */
      mobilePhone?: string;
      /** Same as mobileNumber. */
      phoneNumber?: string;
      /** Same as mobileNumber. */
      number?: string;
      /** First name, at most 100 characters; null or "" clears it. */
      firstName?: string | null;
      /** Last name, at most 100 characters; null or "" clears it. */
      lastName?: string | null;
      /** Email address, at most 254 characters; null or "" clears it. */
      email?: string | null;
      /** Company, at most 100 characters; null or "" clears it. */
      company?: string | null;
      /** Free notes, at most 5000 characters; null or "" clears them. */
      notes?: string | null;
      /** Labels, at most 50 of 1–50 characters each; replaces the old list; null clears it. */
      tags?: string[] | null;
      /** Ids of sites of the organisation the contact belongs to; replaces the old list; null clears it. */
      siteIds?: string[] | null;
      /** Custom fields by name (at most 50, names 1–50 characters); replaces the old set; null clears it. */
      customFields?: {
        [key: string]: string | number | boolean;
      } | null;
    };
    response: Contact;
  };
  /** Get All Contacts in an Org: GET /contact/all */
  getAllContactsInAnOrg: {
    path: never;
    query: {
      /** Page number, starting at 0. */
      page?: number;
      /** Items per page, 1 to 1000. */
      size?: number;
      /** Sort as `field,asc` or `field,desc`. */
      sort?: string;
      /** Only contacts belonging to this site. */
      siteId?: string;
      /** Only contacts carrying this tag (exact, case-sensitive). */
      tag?: string;
    };
    body: never;
    response: ContactPage;
  };
  /** Find contact using Mobile number: GET /contact/mobile/{mobileNumber} */
  findContactUsingMobileNumber: {
    path: {
      /** The contact’s mobile number, E.164 (`+12025550143`) or national format (read with the default region). */
      mobileNumber: string;
    };
    query: never;
    body: never;
    response: Contact;
  };
  /** Update contact using Mobile number: PUT /contact/mobile/{mobileNumber} */
  updateContactUsingMobileNumber: {
    path: {
      /** The contact’s mobile number, E.164 (`+12025550143`) or national format (read with the default region). */
      mobileNumber: string;
    };
    query: never;
    body: {
      /** Mobile number, E.164 or national format. */
      mobileNumber?: string;
      /** Same as mobileNumber. */
      mobile?: string;
      /** Same as mobileNumber. */
      mobilePhone?: string;
      /** Same as mobileNumber. */
      phoneNumber?: string;
      /** Same as mobileNumber. */
      number?: string;
      /** First name, at most 100 characters; null or "" clears it. */
      firstName?: string | null;
      /** Last name, at most 100 characters; null or "" clears it. */
      lastName?: string | null;
      /** Email address, at most 254 characters; null or "" clears it. */
      email?: string | null;
      /** Company, at most 100 characters; null or "" clears it. */
      company?: string | null;
      /** Free notes, at most 5000 characters; null or "" clears them. */
      notes?: string | null;
      /** Labels, at most 50 of 1–50 characters each; replaces the old list; null clears it. */
      tags?: string[] | null;
      /** Ids of sites of the organisation the contact belongs to; replaces the old list; null clears it. */
      siteIds?: string[] | null;
      /** Custom fields by name (at most 50, names 1–50 characters); replaces the old set; null clears it. */
      customFields?: {
        [key: string]: string | number | boolean;
      } | null;
    };
    response: Contact;
  };
  /** Search a contact using Number: GET /contact/search */
  searchAContactUsingNumber: {
    path: never;
    query: {
      /** Page number, starting at 0. */
      page?: number;
      /** Items per page, 1 to 1000. */
      size?: number;
      /** Sort as `field,asc` or `field,desc`. */
      sort?: string;
      /** Only contacts belonging to this site. */
      siteId?: string;
      /** Only contacts carrying this tag (exact, case-sensitive). */
      tag?: string;
      /** Digits the contact’s number contains; other characters are ignored. */
      number?: string;
      /** Text the name or email contains, case-insensitively; at most 100 characters. */
      q?: string;
    };
    body: never;
    response: ContactPage;
  };
  /** Get Contact: GET /contact/{id} */
  getContact: {
    path: {
      /** Id of the contact (24 hex characters). */
      id: string;
    };
    query: never;
    body: never;
    response: Contact;
  };
  /** Update Contact: PUT /contact/{id} */
  updateContact: {
    path: {
      /** Id of the contact (24 hex characters). */
      id: string;
    };
    query: never;
    body: {
      /** Mobile number, E.164 or national format. */
      mobileNumber?: string;
      /** Same as mobileNumber. */
      mobile?: string;
      /** Same as mobileNumber. */
      mobilePhone?: string;
      /** Same as mobileNumber. */
      phoneNumber?: string;
      /** Same as mobileNumber. */
      number?: string;
      /** First name, at most 100 characters; null or "" clears it. */
      firstName?: string | null;
      /** Last name, at most 100 characters; null or "" clears it. */
      lastName?: string | null;
      /** Email address, at most 254 characters; null or "" clears it. */
      email?: string | null;
      /** Company, at most 100 characters; null or "" clears it. */
      company?: string | null;
      /** Free notes, at most 5000 characters; null or "" clears them. */
      notes?: string | null;
      /** Labels, at most 50 of 1–50 characters each; replaces the old list; null clears it. */
      tags?: string[] | null;
      /** Ids of sites of the organisation the contact belongs to; replaces the old list; null clears it. */
      siteIds?: string[] | null;
      /** Custom fields by name (at most 50, names 1–50 characters); replaces the old set; null clears it. */
      customFields?: {
        [key: string]: string | number | boolean;
      } | null;
    };
    response: Contact;
  };
  /** Delete Contact: DELETE /contact/{id} */
  deleteContact: {
    path: {
      /** Id of the contact (24 hex characters). */
      id: string;
    };
    query: never;
    body: never;
    response: Contact;
  };
  /** Get Contact Consent History: GET /contact/{id}/consenthistory */
  getContactConsentHistory: {
    path: {
      /** Id of the contact (24 hex characters). */
      id: string;
    };
    query: {
      /** Page number, starting at 0. */
      page?: number;
      /** Items per page, 1 to 1000. */
      size?: number;
    };
    body: never;
    response: ConsentHistoryEntryPage;
  };
  /** Create Custom Consent: POST /customconsent */
  createCustomConsent: {
    path: never;
    query: never;
    body: {
      /** Name, 1–100 characters, unique in the organisation. */
      name: string;
      /** CONVERSATIONAL, INFORMATIONAL or PROMOTIONAL (the CTIA message categories). */
      consentLevel: 'CONVERSATIONAL' | 'INFORMATIONAL' | 'PROMOTIONAL';
      /** What the contact consents to, at most 1000 characters. */
      description?: string | null;
      /** Free labels (e.g. `sms`), at most 50 of 1–100 characters. */
      consentTypes?: string[] | null;
      /** Words that, sent as a whole message, opt the sender in: at most 20, each 1–30 letters or digits once punctuation and spaces are dropped, unique in the organisation, never a STOP/START/HELP word. */
      optInKeywords?: string[] | null;
      /** Words that opt the sender out of this consent; same rules as optInKeywords. */
      optOutKeywords?: string[] | null;
      /** Reply to an opt-in keyword, at most 640 characters; `{org}`, `{consent}` and `{keyword}` are filled in. */
      optInMessage?: string | null;
      /** Reply to an opt-out keyword, at most 640 characters. */
      optOutMessage?: string | null;
      /** Whether the consent is in use (default true). */
      active?: boolean;
    };
    response: CustomConsent;
  };
  /** Get All Custom Consents: GET /customconsent/all */
  getAllCustomConsents: {
    path: never;
    query: {
      /** Page number, starting at 0. */
      page?: number;
      /** Items per page, 1 to 1000. */
      size?: number;
      /** Sort as `field,asc` or `field,desc`. */
      sort?: string;
      /** Only active (true) or inactive (false) consents. */
      active?: boolean;
    };
    body: never;
    response: CustomConsentPage;
  };
  /** Get Custom Consent Details Using ID: GET /customconsent/{id} */
  getCustomConsentDetailsUsingId: {
    path: {
      /** Id of the custom consent (24 hex characters). */
      id: string;
    };
    query: never;
    body: never;
    response: CustomConsent;
  };
  /** Update Custom Consent: PUT /customconsent/{id} */
  updateCustomConsent: {
    path: {
      /** Id of the custom consent (24 hex characters). */
      id: string;
    };
    query: never;
    body: {
      /** Name, 1–100 characters, unique in the organisation. */
      name?: string;
      /** CONVERSATIONAL, INFORMATIONAL or PROMOTIONAL (the CTIA message categories). */
      consentLevel?: 'CONVERSATIONAL' | 'INFORMATIONAL' | 'PROMOTIONAL';
      /** What the contact consents to, at most 1000 characters. */
      description?: string | null;
      /** Free labels (e.g. `sms`), at most 50 of 1–100 characters. */
      consentTypes?: string[] | null;
      /** Words that, sent as a whole message, opt the sender in: at most 20, each 1–30 letters or digits once punctuation and spaces are dropped, unique in the organisation, never a STOP/START/HELP word. */
      optInKeywords?: string[] | null;
      /** Words that opt the sender out of this consent; same rules as optInKeywords. */
      optOutKeywords?: string[] | null;
      /** Reply to an opt-in keyword, at most 640 characters; `{org}`, `{consent}` and `{keyword}` are filled in. */
      optInMessage?: string | null;
      /** Reply to an opt-out keyword, at most 640 characters. */
      optOutMessage?: string | null;
      /** Whether the consent is in use (default true). */
      active?: boolean;
    };
    response: CustomConsent;
  };
  /** Change Custom Consent Status by Id: POST /customconsent/{id}/change */
  changeCustomConsentStatusById: {
    path: {
      /** Id of the custom consent (24 hex characters). */
      id: string;
    };
    query: never;
    body: {
      /** true to activate, false to deactivate. */
      active?: boolean;
      /** Same as active, by name. */
      status?: 'ACTIVE' | 'INACTIVE';
    };
    response: CustomConsent;
  };
  /** Add or Remove Custom Consent Type: POST /customconsent/{id}/type */
  addOrRemoveCustomConsentType: {
    path: {
      /** Id of the custom consent (24 hex characters). */
      id: string;
    };
    query: never;
    body: {
      /** `add` the types (those present are kept once) or `remove` them (absent ones are ignored). */
      action: 'add' | 'remove';
      /** The consent types to add or remove. */
      consentTypes: string[];
    };
    response: CustomConsent;
  };
  /** Get All Messages: GET /message/all */
  getAllMessages: {
    path: never;
    query: {
      /** Page number, starting at 0. */
      page?: number;
      /** Items per page, 1 to 1000. */
      size?: number;
      /** createdDateTime or lastUpdated, then `,asc` or `,desc` (default createdDateTime,desc). */
      sort?: string;
      /** Only this department’s messages. */
      departmentId?: string;
      /** Only messages of this site’s departments. */
      siteId?: string;
      /** Only messages to or from this number. */
      contact?: string;
      /** inbound or outbound. */
      direction?: 'inbound' | 'outbound';
      /** Only messages in this status. */
      status?: 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'received';
      /** Created at or after: ISO-8601 or epoch milliseconds. */
      since?: string;
      /** Created before: ISO-8601 or epoch milliseconds. */
      until?: string;
    };
    body: never;
    response: MessagePage;
  };
  /** Get Message by Id: GET /message/getmessagebyid/{id} */
  getMessageById: {
    path: {
      /** Message id (24 hex characters). */
      id: string;
    };
    query: never;
    body: never;
    response: Message;
  };
  /** Send MMS: POST /message/sendmms */
  sendMms: {
    path: never;
    query: never;
    body: {
      /** Sender: a number of one of the organisation’s departments, E.164 or national format. */
      from: string;
      /** Recipient number, E.164 or national format (read with the default region). */
      to: string;
      /** Optional text, up to 1600 characters. */
      text?: string;
      /** Media to fetch and send: one URL, the parameter repeated, or an array. */
      mediaUrl?: string[];
      /** Same as mediaUrl. */
      mediaUrls?: string[];
    };
    response: SendAnswer;
  };
  /** Send MMS as an agent: POST /message/sendmms/{agentEmail} */
  sendMmsAsAnAgent: {
    path: {
      /** Email of the user of the organisation the message is sent as. */
      agentEmail: string;
    };
    query: never;
    body: {
      /** Sender: a number of one of the organisation’s departments, E.164 or national format. */
      from: string;
      /** Recipient number, E.164 or national format (read with the default region). */
      to: string;
      /** Optional text, up to 1600 characters. */
      text?: string;
      /** Media to fetch and send: one URL, the parameter repeated, or an array. */
      mediaUrl?: string[];
      /** Same as mediaUrl. */
      mediaUrls?: string[];
    };
    response: SendAnswer;
  };
  /** Send SMS: POST /message/sendsms */
  sendSms: {
    path: never;
    query: never;
    body: {
      /** Sender: a number of one of the organisation’s departments, E.164 or national format. */
      from: string;
      /** Recipient number, E.164 or national format (read with the default region). */
      to: string;
      /** The text, 1 to 1600 characters; long texts go out as concatenated parts. */
      text: string;
    };
    response: SendAnswer;
  };
  /** Send SMS as an agent: POST /message/sendsms/{agentEmail} */
  sendSmsAsAnAgent: {
    path: {
      /** Email of the user of the organisation the message is sent as. */
      agentEmail: string;
    };
    query: never;
    body: {
      /** Sender: a number of one of the organisation’s departments, E.164 or national format. */
      from: string;
      /** Recipient number, E.164 or national format (read with the default region). */
      to: string;
      /** The text, 1 to 1600 characters; long texts go out as concatenated parts. */
      text: string;
    };
    response: SendAnswer;
  };
  /** Get Sites: GET /site/all */
  getSites: {
    path: never;
    query: {
      /** Page number, starting at 0. */
      page?: number;
      /** Items per page, 1 to 1000. */
      size?: number;
      /** Sort as `field,asc` or `field,desc`. */
      sort?: string;
    };
    body: never;
    response: SitePage;
  };
  /** Get Site: GET /site/{id} */
  getSite: {
    path: {
      /** Id of the site (24 hex characters). */
      id: string;
    };
    query: never;
    body: never;
    response: Site;
  };
  /** Create or Update Webhook Subscription: POST /webhooksubscription */
  createOrUpdateWebhookSubscription: {
    path: never;
    query: never;
    body: {
      /** Id of an existing subscription to update; without it, the uri decides. */
      id?: string;
      /** Where events are POSTed: an http(s) URL that answers the validation handshake (GET with a `validation-token` header, echoed back on a 2xx). */
      uri: string;
      /** Event filters: `/orgId/{orgId}/department/{departmentId}/message?direction=inbound|outbound` (no direction: both), `/orgId/{orgId}/site/{siteId}/message`, `/orgId/{orgId}/message`, `/orgId/{orgId}/contact`. */
      eventFilters: string[];
      /** When the subscription expires, epoch milliseconds (that spelling). Omitted on create: it never expires; omitted on update: unchanged. */
      expiresDateInMillies?: number;
    };
    response: WebhookSubscription;
  };
  /** Get All Webhook Subscriptions: GET /webhooksubscription/all */
  getAllWebhookSubscriptions: {
    path: never;
    query: {
      /** Page number, starting at 0. */
      page?: number;
      /** Items per page, 1 to 1000. */
      size?: number;
      /** Sort as `field,asc` or `field,desc`. */
      sort?: string;
    };
    body: never;
    response: WebhookSubscriptionPage;
  };
  /** Get Webhook Subscription: GET /webhooksubscription/{id} */
  getWebhookSubscription: {
    path: {
      /** Id of the webhook subscription (24 hex characters). */
      id: string;
    };
    query: never;
    body: never;
    response: WebhookSubscription;
  };
  /** Delete Webhook Subscription: DELETE /webhooksubscription/{id} */
  deleteWebhookSubscription: {
    path: {
      /** Id of the webhook subscription (24 hex characters). */
      id: string;
    };
    query: never;
    body: never;
    response: WebhookSubscription;
  };
  /** Get Webhook Deliveries: GET /webhooksubscription/{id}/deliveries */
  getWebhookDeliveries: {
    path: {
      /** Id of the webhook subscription (24 hex characters). */
      id: string;
    };
    query: {
      /** Page number, starting at 0. */
      page?: number;
      /** Items per page, 1 to 1000. */
      size?: number;
      /** Only deliveries in this status. */
      status?: 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
    };
    body: never;
    response: WebhookDeliveryPage;
  };
  /** Retry Webhook Delivery: POST /webhooksubscription/{id}/deliveries/{deliveryId}/retry */
  retryWebhookDelivery: {
    path: {
      /** Id of the webhook subscription (24 hex characters). */
      id: string;
      /** Id of the delivery (24 hex characters). */
      deliveryId: string;
    };
    query: never;
    body: never;
    response: WebhookDelivery;
  };
  /** Rotate Webhook Signing Secret: POST /webhooksubscription/{id}/secret */
  rotateWebhookSigningSecret: {
    path: {
      /** Id of the webhook subscription (24 hex characters). */
      id: string;
    };
    query: never;
    body: never;
    response: RotatedSigningSecret;
  };
}

/** Method and path of every operation; `idempotent`: it takes an Idempotency-Key; `paged`: it answers a page. */
export const OPERATIONS = {
  createOrUpdateContact: { method: 'POST', path: '/contact', idempotent: false, paged: false },
  getAllContactsInAnOrg: { method: 'GET', path: '/contact/all', idempotent: false, paged: true },
  findContactUsingMobileNumber: {
    method: 'GET',
    path: '/contact/mobile/{mobileNumber}',
    idempotent: false,
    paged: false,
  },
  updateContactUsingMobileNumber: {
    method: 'PUT',
    path: '/contact/mobile/{mobileNumber}',
    idempotent: false,
    paged: false,
  },
  searchAContactUsingNumber: { method: 'GET', path: '/contact/search', idempotent: false, paged: true },
  getContact: { method: 'GET', path: '/contact/{id}', idempotent: false, paged: false },
  updateContact: { method: 'PUT', path: '/contact/{id}', idempotent: false, paged: false },
  deleteContact: { method: 'DELETE', path: '/contact/{id}', idempotent: false, paged: false },
  getContactConsentHistory: { method: 'GET', path: '/contact/{id}/consenthistory', idempotent: false, paged: true },
  createCustomConsent: { method: 'POST', path: '/customconsent', idempotent: false, paged: false },
  getAllCustomConsents: { method: 'GET', path: '/customconsent/all', idempotent: false, paged: true },
  getCustomConsentDetailsUsingId: { method: 'GET', path: '/customconsent/{id}', idempotent: false, paged: false },
  updateCustomConsent: { method: 'PUT', path: '/customconsent/{id}', idempotent: false, paged: false },
  changeCustomConsentStatusById: {
    method: 'POST',
    path: '/customconsent/{id}/change',
    idempotent: false,
    paged: false,
  },
  addOrRemoveCustomConsentType: { method: 'POST', path: '/customconsent/{id}/type', idempotent: false, paged: false },
  getAllMessages: { method: 'GET', path: '/message/all', idempotent: false, paged: true },
  getMessageById: { method: 'GET', path: '/message/getmessagebyid/{id}', idempotent: false, paged: false },
  sendMms: { method: 'POST', path: '/message/sendmms', idempotent: false, paged: false },
  sendMmsAsAnAgent: { method: 'POST', path: '/message/sendmms/{agentEmail}', idempotent: false, paged: false },
  sendSms: { method: 'POST', path: '/message/sendsms', idempotent: true, paged: false },
  sendSmsAsAnAgent: { method: 'POST', path: '/message/sendsms/{agentEmail}', idempotent: true, paged: false },
  getSites: { method: 'GET', path: '/site/all', idempotent: false, paged: true },
  getSite: { method: 'GET', path: '/site/{id}', idempotent: false, paged: false },
  createOrUpdateWebhookSubscription: { method: 'POST', path: '/webhooksubscription', idempotent: false, paged: false },
  getAllWebhookSubscriptions: { method: 'GET', path: '/webhooksubscription/all', idempotent: false, paged: true },
  getWebhookSubscription: { method: 'GET', path: '/webhooksubscription/{id}', idempotent: false, paged: false },
  deleteWebhookSubscription: { method: 'DELETE', path: '/webhooksubscription/{id}', idempotent: false, paged: false },
  getWebhookDeliveries: { method: 'GET', path: '/webhooksubscription/{id}/deliveries', idempotent: false, paged: true },
  retryWebhookDelivery: {
    method: 'POST',
    path: '/webhooksubscription/{id}/deliveries/{deliveryId}/retry',
    idempotent: false,
    paged: false,
  },
  rotateWebhookSigningSecret: {
    method: 'POST',
    path: '/webhooksubscription/{id}/secret',
    idempotent: false,
    paged: false,
  },
} as const;

export type OperationId = keyof Operations;
