import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, unwrap } from '../../platform/http/errors.js';
import { idempotencyKeyOf, requestHash } from '../../platform/http/idempotency.js';
import { pageRequest, sortRequest, springPage } from '../../platform/http/pagination.js';
import { mergeQueryIntoBody } from '../../platform/http/params.js';
import { MEDIA_LIMITS, type MediaStore } from './media.js';
import { presentAccepted, presentMessage } from './messages.presenters.js';
import type { MessageSort } from './messages.repository.js';
import {
  AgentEmailParams,
  MessageIdParams,
  MessageListQuery,
  MessagePageSchema,
  MessageSchema,
  SendAnswerSchema,
  SendMmsBody,
  SendSmsBody,
} from './messages.schemas.js';
import type { MessagesService, SendResult, Upload } from './messages.service.js';

const SORT_COLUMNS = { createdDateTime: 'created_at', lastUpdated: 'updated_at' } as const;
const SORT_FIELDS = Object.keys(SORT_COLUMNS) as (keyof typeof SORT_COLUMNS)[];
/** File parts of a multipart sendmms are read under these names (CONTRACT.md §4). */
const FILE_FIELDS = new Set(['file', 'files']);
/** Form fields a multipart body may carry besides files. */
const MAX_MULTIPART_FIELDS = 50;

/** Files of a multipart sendmms, read by its preValidation hook. */
const uploadsOf = new WeakMap<FastifyRequest, Upload[]>();

function sortOf(sort: string | undefined): MessageSort {
  const request = sortRequest(sort, SORT_FIELDS, { field: 'createdDateTime', direction: 'desc' });
  return { field: SORT_COLUMNS[request.field], direction: request.direction };
}

/** `since` / `until`: ISO-8601 or epoch milliseconds. */
function instant(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{1,15}$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new AppError('request.invalid', `${name} must be ISO-8601 or epoch milliseconds`);
  return ms;
}

/** Idempotency-Key scope of a send: the route and every parameter (files by their SHA-256). */
function idempotencyOf(request: FastifyRequest, parameters: unknown) {
  const key = idempotencyKeyOf(request);
  if (key === undefined) return {};
  return { idempotency: { key, hash: requestHash({ route: request.routeOptions.url, parameters }) } };
}

function answer(reply: FastifyReply, result: SendResult) {
  // Stripe's header: tells a client this is the remembered answer of an earlier request with the same key.
  if (result.replayed) reply.header('idempotent-replayed', 'true');
  return presentAccepted(result);
}

/**
 * Reads a multipart/form-data sendmms before validation: form fields become the body (repeated names become
 * arrays), file parts `file` / `files` are kept for the handler. Limits: 10 files, 5 MB per file (the 5 MB total
 * is checked by the service).
 */
async function readMultipart(request: FastifyRequest): Promise<void> {
  if (!request.isMultipart()) return;
  const fields: Record<string, unknown> = {};
  const uploads: Upload[] = [];
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (!FILE_FIELDS.has(part.fieldname)) continue;
        uploads.push({ bytes, declaredType: part.mimetype });
        continue;
      }
      const value = typeof part.value === 'string' ? part.value : String(part.value);
      const existing = fields[part.fieldname];
      fields[part.fieldname] =
        existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('messages.media_too_large');
    if (code === 'FST_FILES_LIMIT') throw new AppError('messages.too_many_media');
    if (code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
      throw new AppError('request.invalid', 'Too many form fields');
    }
    throw error;
  }
  request.body = fields;
  uploadsOf.set(request, uploads);
}

/** The Message API (CONTRACT.md §4). Every route needs the SendMessage scope. */
export async function registerMessageRoutes(api: FastifyInstance, deps: { messages: MessagesService }): Promise<void> {
  const routes = api.withTypeProvider<TypeBoxTypeProvider>();
  const { messages } = deps;

  const sendSms = {
    config: { scope: 'SendMessage' },
    preValidation: mergeQueryIntoBody,
    schema: {
      summary: 'Send SMS',
      description:
        'Accepts a text for sending. The answer comes once the message and its send job are committed; the ' +
        'status then moves on (sending, sent, delivered…). Honours `Idempotency-Key`.',
      tags: ['Messages'],
      body: SendSmsBody,
      response: { 200: SendAnswerSchema },
    },
  } as const;

  const sendSmsHandler = async (
    request: FastifyRequest<{ Body: Static<typeof SendSmsBody>; Params: { agentEmail?: string } }>,
    reply: FastifyReply,
  ) => {
    const { from, to, text } = request.body;
    const agentEmail = request.params.agentEmail;
    const result = await messages.send({
      orgId: request.auth.orgId,
      from,
      to,
      text,
      ...(agentEmail !== undefined ? { agentEmail } : {}),
      ...idempotencyOf(request, { from, to, text, agentEmail }),
    });
    return answer(reply, unwrap(result));
  };

  routes.post('/message/sendsms', { ...sendSms, handler: sendSmsHandler });
  routes.post('/message/sendsms/:agentEmail', {
    ...sendSms,
    schema: { ...sendSms.schema, summary: 'Send SMS as an agent', params: AgentEmailParams },
    handler: sendSmsHandler,
  });

  // sendmms takes multipart bodies too: its own plugin scope, so only these routes accept multipart/form-data.
  await api.register(async (scope) => {
    await scope.register(multipart, {
      limits: {
        fileSize: MEDIA_LIMITS.maxTotalBytes,
        files: MEDIA_LIMITS.maxItems,
        fields: MAX_MULTIPART_FIELDS,
        parts: MEDIA_LIMITS.maxItems + MAX_MULTIPART_FIELDS,
      },
    });
    const mmsRoutes = scope.withTypeProvider<TypeBoxTypeProvider>();
    const sendMms = {
      config: { scope: 'SendMessage' },
      preValidation: [readMultipart, mergeQueryIntoBody] as (typeof mergeQueryIntoBody)[],
      schema: {
        summary: 'Send MMS',
        description:
          'Accepts a text with media (fetched from `mediaUrl`s or uploaded as multipart file parts). SMPP routes ' +
          'cannot carry media: the message then goes out as its text plus short links to the media.',
        tags: ['Messages'],
        body: SendMmsBody,
        response: { 200: SendAnswerSchema },
      },
    } as const;
    const sendMmsHandler = async (
      request: FastifyRequest<{ Body: Static<typeof SendMmsBody>; Params: { agentEmail?: string } }>,
      reply: FastifyReply,
    ) => {
      const { from, to, text } = request.body;
      const mediaUrls = [...(request.body.mediaUrl ?? []), ...(request.body.mediaUrls ?? [])];
      const uploads = uploadsOf.get(request) ?? [];
      const agentEmail = request.params.agentEmail;
      const result = await messages.sendMms({
        orgId: request.auth.orgId,
        from,
        to,
        ...(text !== undefined ? { text } : {}),
        mediaUrls,
        uploads,
        ...(agentEmail !== undefined ? { agentEmail } : {}),
        ...idempotencyOf(request, { from, to, text, agentEmail, mediaUrls, files: uploads.map((u) => u.bytes) }),
      });
      return answer(reply, unwrap(result));
    };
    mmsRoutes.post('/message/sendmms', { ...sendMms, handler: sendMmsHandler });
    mmsRoutes.post('/message/sendmms/:agentEmail', {
      ...sendMms,
      schema: { ...sendMms.schema, summary: 'Send MMS as an agent', params: AgentEmailParams },
      handler: sendMmsHandler,
    });
  });

  routes.get('/message/getmessagebyid/:id', {
    config: { scope: 'SendMessage' },
    schema: {
      summary: 'Get Message by Id',
      description: 'One message of the organisation, with its current status.',
      tags: ['Messages'],
      params: MessageIdParams,
      response: { 200: MessageSchema },
    },
    handler: async (request) => presentMessage(unwrap(await messages.get(request.auth.orgId, request.params.id))),
  });

  routes.get('/message/all', {
    config: { scope: 'SendMessage' },
    schema: {
      summary: 'Get All Messages',
      description: 'A page of the organisation’s messages, newest first, optionally filtered.',
      tags: ['Messages'],
      querystring: MessageListQuery,
      response: { 200: MessagePageSchema },
    },
    handler: async (request) => {
      const page = pageRequest(request.query);
      const { departmentId, siteId, contact, direction, status } = request.query;
      const since = instant('since', request.query.since);
      const until = instant('until', request.query.until);
      const result = unwrap(
        await messages.page(
          request.auth.orgId,
          {
            ...(departmentId !== undefined ? { departmentId } : {}),
            ...(siteId !== undefined ? { siteId } : {}),
            ...(contact !== undefined ? { contactNumber: contact } : {}),
            ...(direction !== undefined ? { direction } : {}),
            ...(status !== undefined ? { status } : {}),
            ...(since !== undefined ? { since } : {}),
            ...(until !== undefined ? { until } : {}),
          },
          sortOf(request.query.sort),
          page.size,
          page.offset,
        ),
      );
      return springPage(result.messages.map(presentMessage), result.total, page);
    },
  });
}

/**
 * Stored media at `{PUBLIC_URL}/m/{key}`: public (MMS recipients follow these links from their phones) and
 * unguessable (128 random bits per key).
 */
export function registerMediaRoute(app: FastifyInstance, deps: { media: MediaStore }): void {
  app.get<{ Params: { key: string } }>('/m/:key', { config: { public: true } }, async (request, reply) => {
    const found = await deps.media.open(request.params.key);
    if (!found) throw new AppError('route.not_found');
    return reply
      .header('content-type', found.contentType)
      .header('content-length', String(found.size))
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('x-content-type-options', 'nosniff')
      .send(found.stream);
  });
}
