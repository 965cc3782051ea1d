import type { Static } from '@sinclair/typebox';
import type { MessageSchema, SendAnswerSchema } from './messages.schemas.js';
import type { MessageView, SendResult } from './messages.service.js';

/** The hosted API's send answer (CONTRACT.md §4 [known]) plus our id, status, segments and encoding [ext]. */
export function presentAccepted(result: SendResult): Static<typeof SendAnswerSchema> {
  const { id, status, segments, encoding } = result.accepted;
  return { result: 'Message Processed Successfully', id, status, segments, encoding };
}

export function presentMessage(message: MessageView): Static<typeof MessageSchema> {
  return {
    id: message.id,
    orgId: message.org_id,
    siteId: message.site_id,
    departmentId: message.department_id,
    direction: message.direction,
    from: message.from_number,
    to: message.to_number,
    text: message.text,
    media: message.media.map(({ url, contentType, size }) => ({ url, contentType, size })),
    mediaFallback: message.media_fallback,
    status: message.status,
    segments: message.segments,
    encoding: message.encoding,
    errorCode: message.error_code,
    errorMessage: message.error_message,
    agentEmail: message.agent_email,
    contactId: message.contact_id,
    createdDateTime: new Date(message.created_at).toISOString(),
    lastUpdated: message.updated_at,
  };
}
