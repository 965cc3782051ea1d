import { defineErrors } from '../../platform/http/errors.js';

export const MessageErrors = defineErrors({
  'messages.recipient_opted_out': {
    status: 400,
    message: 'The recipient has opted out of messages from this organisation',
  },
  'messages.sender_not_in_org': {
    status: 400,
    message: 'The from number does not belong to a department of this organisation',
  },
  'messages.agent_not_found': { status: 404, message: 'No active user with that email in this organisation' },
  'messages.invalid_number': { status: 400, message: 'The phone number is not a valid number' },
  'messages.invalid_text': { status: 400, message: 'The text must have 1 to 1600 characters' },
  'messages.not_found': { status: 404, message: 'Message not found' },
  'messages.invalid_media': { status: 400, message: 'The media is not usable' },
  'messages.too_many_media': { status: 400, message: 'At most 10 media items per message' },
  'messages.media_too_large': { status: 413, message: 'The media of one message may not exceed 5 MB in all' },
  'messages.unsupported_media_type': {
    status: 415,
    message: 'Media must be JPEG, PNG, GIF, MP4, MP3, PDF or vCard',
  },
  'messages.media_fetch_failed': { status: 400, message: 'A media URL could not be fetched' },
  'messages.media_required': { status: 400, message: 'An MMS needs at least one media item (mediaUrl or a file)' },
});

export type MessageErrorCode = keyof typeof MessageErrors;
