import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, unwrap } from '../../platform/http/errors.js';
import { pageRequest, sortRequest, springPage } from '../../platform/http/pagination.js';
import { mergeQueryIntoBody } from '../../platform/http/params.js';
import { rejectUnknownFields } from '../../platform/http/unknown-fields.js';
import { presentContact, presentLedgerEntry } from './contacts.presenters.js';
import type { ContactSort } from './contacts.repository.js';
import {
  ConsentHistoryPageSchema,
  ConsentHistoryQuery,
  ContactIdParams,
  ContactPageQuery,
  ContactPageSchema,
  ContactSchema,
  ContactSearchQuery,
  MobileNumberParams,
  UpdateContactBody,
  UpsertContactBody,
} from './contacts.schemas.js';
import type { ContactsService, ContactUpdate } from './contacts.service.js';

const SORT_COLUMNS = { createdDateTime: 'created_at', lastUpdateDateTime: 'updated_at' } as const;
const SORT_FIELDS = Object.keys(SORT_COLUMNS) as (keyof typeof SORT_COLUMNS)[];

function sortOf(sort: string | undefined): ContactSort {
  const request = sortRequest(sort, SORT_FIELDS, { field: 'createdDateTime', direction: 'asc' });
  return { field: SORT_COLUMNS[request.field], direction: request.direction };
}

/** The number under any of its accepted names (CONTRACT.md §5), mobileNumber first. */
function numberOf(body: Static<typeof UpdateContactBody>): string | undefined {
  return body.mobileNumber ?? body.mobile ?? body.mobilePhone ?? body.phoneNumber ?? body.number;
}

function updateOf(body: Static<typeof UpdateContactBody>): ContactUpdate {
  const { mobileNumber: _m, mobile: _a, mobilePhone: _b, phoneNumber: _c, number: _d, ...fields } = body;
  const number = numberOf(body);
  return number === undefined ? fields : { ...fields, mobileNumber: number };
}

const bodyHooks = (schema: typeof UpsertContactBody) => [mergeQueryIntoBody, rejectUnknownFields(schema)];

/** The Contacts API (CONTRACT.md §5). */
export function registerContactRoutes(api: FastifyInstance, deps: { contacts: ContactsService }): void {
  const routes = api.withTypeProvider<TypeBoxTypeProvider>();
  const { contacts } = deps;

  routes.get('/contact/all', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Get All Contacts in an Org',
      description: 'A page of the organisation’s contacts, oldest first; optionally of one site or one tag.',
      tags: ['Contacts'],
      querystring: ContactPageQuery,
      response: { 200: ContactPageSchema },
    },
    handler: async (request) => {
      const page = pageRequest(request.query);
      const { siteId, tag } = request.query;
      const result = await contacts.page(
        request.auth.orgId,
        {
          ...(siteId !== undefined ? { siteId } : {}),
          ...(tag !== undefined ? { tag } : {}),
          sort: sortOf(request.query.sort),
        },
        page.size,
        page.offset,
      );
      return springPage(result.contacts.map(presentContact), result.total, page);
    },
  });

  routes.get('/contact/search', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Search a contact using Number',
      description: 'Contacts whose number contains the digits of `number` and whose name or email contains `q`.',
      tags: ['Contacts'],
      querystring: ContactSearchQuery,
      response: { 200: ContactPageSchema },
    },
    handler: async (request) => {
      const page = pageRequest(request.query);
      const { page: _p, size: _s, sort, ...filters } = request.query;
      const result = unwrap(
        await contacts.search(request.auth.orgId, { ...filters, sort: sortOf(sort) }, page.size, page.offset),
      );
      return springPage(result.contacts.map(presentContact), result.total, page);
    },
  });

  routes.get('/contact/mobile/:mobileNumber', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Find contact using Mobile number',
      description: 'The contact of a number; 404 contacts.not_found when the organisation has none.',
      tags: ['Contacts'],
      params: MobileNumberParams,
      response: { 200: ContactSchema },
    },
    handler: async (request) =>
      presentContact(unwrap(await contacts.getByNumber(request.auth.orgId, request.params.mobileNumber))),
  });

  routes.post('/contact', {
    config: { scope: 'WriteContact' },
    preValidation: bodyHooks(UpsertContactBody),
    schema: {
      summary: 'Create or Update Contact',
      description: 'Creates the contact of `mobileNumber` (201), or changes the fields sent of the existing one (200).',
      tags: ['Contacts'],
      body: UpsertContactBody,
      response: { 200: ContactSchema, 201: ContactSchema },
    },
    handler: async (request, reply) => {
      const { mobileNumber, ...fields } = updateOf(request.body);
      if (mobileNumber === undefined) throw new AppError('contacts.invalid_number', 'mobileNumber is required');
      const outcome = unwrap(await contacts.upsertByNumber({ ...fields, orgId: request.auth.orgId, mobileNumber }));
      return reply.code(outcome.created ? 201 : 200).send(presentContact(outcome.contact));
    },
  });

  routes.put('/contact/mobile/:mobileNumber', {
    config: { scope: 'WriteContact' },
    preValidation: bodyHooks(UpdateContactBody),
    schema: {
      summary: 'Update contact using Mobile number',
      description: 'Changes only the fields sent of the contact of a number; 404 when there is none.',
      tags: ['Contacts'],
      params: MobileNumberParams,
      body: UpdateContactBody,
      response: { 200: ContactSchema },
    },
    handler: async (request) =>
      presentContact(
        unwrap(await contacts.updateByNumber(request.auth.orgId, request.params.mobileNumber, updateOf(request.body))),
      ),
  });

  routes.get('/contact/:id', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Get Contact',
      description: 'One contact of the organisation by id.',
      tags: ['Contacts'],
      params: ContactIdParams,
      response: { 200: ContactSchema },
    },
    handler: async (request) => presentContact(unwrap(await contacts.getById(request.auth.orgId, request.params.id))),
  });

  routes.put('/contact/:id', {
    config: { scope: 'WriteContact' },
    preValidation: bodyHooks(UpdateContactBody),
    schema: {
      summary: 'Update Contact',
      description: 'Changes only the fields sent; a new number must not belong to another contact (409).',
      tags: ['Contacts'],
      params: ContactIdParams,
      body: UpdateContactBody,
      response: { 200: ContactSchema },
    },
    handler: async (request) =>
      presentContact(unwrap(await contacts.updateById(request.auth.orgId, request.params.id, updateOf(request.body)))),
  });

  routes.delete('/contact/:id', {
    config: { scope: 'WriteContact' },
    schema: {
      summary: 'Delete Contact',
      description: 'Deletes the contact and answers it as it was. Its consent history stays with the number.',
      tags: ['Contacts'],
      params: ContactIdParams,
      response: { 200: ContactSchema },
    },
    handler: async (request) => presentContact(unwrap(await contacts.delete(request.auth.orgId, request.params.id))),
  });

  routes.get('/contact/:id/consenthistory', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Get Contact Consent History',
      description: 'The append-only consent ledger of the contact’s number, oldest first.',
      tags: ['Contacts'],
      params: ContactIdParams,
      querystring: ConsentHistoryQuery,
      response: { 200: ConsentHistoryPageSchema },
    },
    handler: async (request) => {
      const page = pageRequest(request.query);
      const entries = unwrap(await contacts.consentHistory(request.auth.orgId, request.params.id));
      return springPage(
        entries.slice(page.offset, page.offset + page.size).map(presentLedgerEntry),
        entries.length,
        page,
      );
    },
  });
}
