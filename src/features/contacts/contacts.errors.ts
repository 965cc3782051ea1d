import { defineErrors } from '../../platform/http/errors.js';

export const ContactErrors = defineErrors({
  'contacts.not_found': { status: 404, message: 'Contact not found' },
  'contacts.invalid_number': { status: 400, message: 'The mobile number is not a valid phone number' },
  'contacts.invalid_field': { status: 400, message: 'A field of the contact is invalid' },
  'contacts.invalid_site': { status: 400, message: 'A site id is not a site of the organisation' },
  'contacts.number_taken': { status: 409, message: 'Another contact of the organisation has that mobile number' },
});

export type ContactErrorCode = keyof typeof ContactErrors;
