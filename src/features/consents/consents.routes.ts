import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, unwrap } from '../../platform/http/errors.js';
import { pageRequest, springPage } from '../../platform/http/pagination.js';
import { mergeQueryIntoBody } from '../../platform/http/params.js';
import { rejectUnknownFields } from '../../platform/http/unknown-fields.js';
import { presentCustomConsent } from './consents.presenters.js';
import {
  ChangeStatusBody,
  ChangeTypesBody,
  ConsentIdParams,
  ConsentPageQuery,
  CreateConsentBody,
  CustomConsentPageSchema,
  CustomConsentSchema,
  UpdateConsentBody,
} from './consents.schemas.js';
import type { ConsentsService } from './consents.service.js';

/** The Consent API (CONTRACT.md §6): custom consents. */
export function registerConsentRoutes(api: FastifyInstance, deps: { consents: ConsentsService }): void {
  const routes = api.withTypeProvider<TypeBoxTypeProvider>();
  const { consents } = deps;

  routes.post('/customconsent', {
    config: { scope: 'WriteContact' },
    preValidation: [mergeQueryIntoBody, rejectUnknownFields(CreateConsentBody)],
    schema: {
      summary: 'Create Custom Consent',
      description: 'Creates a custom consent with its keywords.',
      tags: ['Consent'],
      body: CreateConsentBody,
      response: { 200: CustomConsentSchema },
    },
    handler: async (request) =>
      presentCustomConsent(
        unwrap(await consents.create({ ...request.body, orgId: request.auth.orgId, createdBy: request.auth.subject })),
      ),
  });

  routes.get('/customconsent/all', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Get All Custom Consents',
      description: 'A page of the organisation’s custom consents, oldest first; optionally only active or inactive.',
      tags: ['Consent'],
      querystring: ConsentPageQuery,
      response: { 200: CustomConsentPageSchema },
    },
    handler: async (request) => {
      const page = pageRequest(request.query);
      const { active } = request.query;
      const result = await consents.page(
        request.auth.orgId,
        active === undefined ? {} : { active },
        page.size,
        page.offset,
      );
      return springPage(result.consents.map(presentCustomConsent), result.total, page);
    },
  });

  routes.get('/customconsent/:id', {
    config: { scope: 'ReadContact' },
    schema: {
      summary: 'Get Custom Consent Details Using ID',
      description: 'One custom consent of the organisation.',
      tags: ['Consent'],
      params: ConsentIdParams,
      response: { 200: CustomConsentSchema },
    },
    handler: async (request) => presentCustomConsent(unwrap(await consents.get(request.auth.orgId, request.params.id))),
  });

  routes.put('/customconsent/:id', {
    config: { scope: 'WriteContact' },
    preValidation: [mergeQueryIntoBody, rejectUnknownFields(UpdateConsentBody)],
    schema: {
      summary: 'Update Custom Consent',
      description: 'Changes only the fields sent; keywords are checked again as a whole.',
      tags: ['Consent'],
      params: ConsentIdParams,
      body: UpdateConsentBody,
      response: { 200: CustomConsentSchema },
    },
    handler: async (request) =>
      presentCustomConsent(unwrap(await consents.update(request.auth.orgId, request.params.id, request.body))),
  });

  routes.post('/customconsent/:id/change', {
    config: { scope: 'WriteContact' },
    preValidation: [mergeQueryIntoBody, rejectUnknownFields(ChangeStatusBody)],
    schema: {
      summary: 'Change Custom Consent Status by Id',
      description: 'Activates or deactivates the consent: `active=true|false` or `status=ACTIVE|INACTIVE`.',
      tags: ['Consent'],
      params: ConsentIdParams,
      body: ChangeStatusBody,
      response: { 200: CustomConsentSchema },
    },
    handler: async (request) => {
      const { active, status } = request.body;
      const wanted = active ?? (status === undefined ? undefined : status === 'ACTIVE');
      if (wanted === undefined) throw new AppError('request.invalid', 'active (or status) is required');
      return presentCustomConsent(unwrap(await consents.changeStatus(request.auth.orgId, request.params.id, wanted)));
    },
  });

  routes.post('/customconsent/:id/type', {
    config: { scope: 'WriteContact' },
    preValidation: [mergeQueryIntoBody, rejectUnknownFields(ChangeTypesBody)],
    schema: {
      summary: 'Add or Remove Custom Consent Type',
      description: 'Adds consent types (without duplicates) or removes them (removing an absent one changes nothing).',
      tags: ['Consent'],
      params: ConsentIdParams,
      body: ChangeTypesBody,
      response: { 200: CustomConsentSchema },
    },
    handler: async (request) =>
      presentCustomConsent(
        unwrap(
          await consents.changeTypes(
            request.auth.orgId,
            request.params.id,
            request.body.action,
            request.body.consentTypes,
          ),
        ),
      ),
  });
}
