import { Type } from '@sinclair/typebox';
import { PageQuery, SpringPageSchema } from '../../platform/http/pagination.js';

const from = Type.String({
  description: 'Sender: a number of one of the organisation’s departments, E.164 or national format.',
  examples: ['+12025550100'],
});
const to = Type.String({
  description: 'Recipient number, E.164 or national format (read with the default region).',
  examples: ['+12025550143'],
});

export const SendSmsBody = Type.Object(
  {
    from,
    to,
    text: Type.String({ description: 'The text, 1 to 1600 characters; long texts go out as concatenated parts.' }),
  },
  { description: 'Parameters in the query string, a form body or a JSON body; body fields win.' },
);

const urls = (description: string) =>
  Type.Optional(Type.Array(Type.String({ description: 'An http(s) URL.' }), { maxItems: 10, description }));

export const SendMmsBody = Type.Object(
  {
    from,
    to,
    text: Type.Optional(Type.String({ description: 'Optional text, up to 1600 characters.' })),
    mediaUrl: urls('Media to fetch and send: one URL, the parameter repeated, or an array.'),
    mediaUrls: urls('Same as mediaUrl.'),
  },
  {
    description:
      'The sendsms fields plus media: URLs the server fetches, or multipart/form-data file parts named `file` or ' +
      '`files`. At most 10 items and 5 MB in all; JPEG, PNG, GIF, MP4, MP3, PDF or vCard.',
  },
);

export const AgentEmailParams = Type.Object({
  agentEmail: Type.String({ description: 'Email of the user of the organisation the message is sent as.' }),
});

export const MessageIdParams = Type.Object({
  id: Type.String({ description: 'Message id (24 hex characters).' }),
});

export const SendAnswerSchema = Type.Object(
  {
    result: Type.String({ description: 'Always "Message Processed Successfully".' }),
    id: Type.String({ description: 'Id of the accepted message; getmessagebyid reads it.' }),
    status: Type.String({ description: 'Always `queued`: the message and its send job are committed.' }),
    segments: Type.Integer({ description: 'SMS parts the text goes out as (160/153 GSM-7, 70/67 UCS-2).' }),
    encoding: Type.String({ description: '`GSM-7` or `UCS-2`, chosen from the text.' }),
  },
  { description: 'The send answer.' },
);

const nullableString = (description: string) => Type.Union([Type.String(), Type.Null()], { description });

export const MessageSchema = Type.Object(
  {
    id: Type.String({ description: 'Message id (24 hex characters).' }),
    orgId: Type.String({ description: 'Organisation id.' }),
    siteId: Type.String({ description: 'Site of the department.' }),
    departmentId: Type.String({ description: 'Department (inbox) the message belongs to.' }),
    direction: Type.String({ description: '`inbound` or `outbound`.' }),
    from: Type.String({ description: 'Sender, E.164 (a short code or sender name as the carrier gave it).' }),
    to: Type.String({ description: 'Recipient, E.164.' }),
    text: Type.String({ description: 'The text as written (without the media links an SMPP route appends).' }),
    media: Type.Array(
      Type.Object({
        url: Type.String({ description: 'Unguessable URL of the stored media.' }),
        contentType: Type.String({ description: 'MIME type.' }),
        size: Type.Integer({ description: 'Bytes.' }),
      }),
      { description: 'Media of an MMS.' },
    ),
    mediaFallback: nullableString(
      '`links` when the route cannot carry media and the MMS went out as text plus links to its media; else null.',
    ),
    status: Type.String({
      description: 'Outbound: queued, sending, sent, delivered, undelivered, failed. Inbound: received.',
    }),
    segments: Type.Integer({ description: 'SMS parts.' }),
    encoding: Type.String({ description: '`GSM-7` or `UCS-2`.' }),
    errorCode: nullableString('The SMPP status ("0x0000000B") or the receipt’s err value, when it failed.'),
    errorMessage: nullableString('What went wrong, when it did.'),
    agentEmail: nullableString('The user the message was sent as, if any.'),
    contactId: nullableString('The contact of the other party.'),
    createdDateTime: Type.String({ description: 'Creation time, ISO-8601 UTC.' }),
    lastUpdated: Type.Integer({ description: 'Last status change, epoch milliseconds.' }),
  },
  { description: 'A text message.' },
);

export const MessagePageSchema = SpringPageSchema(MessageSchema);

const STATUSES = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'received'] as const;

export const MessageListQuery = Type.Object({
  ...PageQuery.properties,
  sort: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z]+(,(asc|desc|ASC|DESC))?$',
      description: 'createdDateTime or lastUpdated, then `,asc` or `,desc` (default createdDateTime,desc).',
    }),
  ),
  departmentId: Type.Optional(Type.String({ description: 'Only this department’s messages.' })),
  siteId: Type.Optional(Type.String({ description: 'Only messages of this site’s departments.' })),
  contact: Type.Optional(Type.String({ description: 'Only messages to or from this number.' })),
  direction: Type.Optional(
    Type.Union([Type.Literal('inbound'), Type.Literal('outbound')], { description: 'inbound or outbound.' }),
  ),
  status: Type.Optional(
    Type.Union(
      STATUSES.map((s) => Type.Literal(s)),
      { description: 'Only messages in this status.' },
    ),
  ),
  since: Type.Optional(Type.String({ description: 'Created at or after: ISO-8601 or epoch milliseconds.' })),
  until: Type.Optional(Type.String({ description: 'Created before: ISO-8601 or epoch milliseconds.' })),
});
