import { defineErrors } from '../../platform/http/errors.js';

export const ConsentErrors = defineErrors({
  'consents.not_found': { status: 404, message: 'Custom consent not found' },
  'consents.invalid_field': { status: 400, message: 'A field of the custom consent is invalid' },
  'consents.name_taken': { status: 409, message: 'The organisation already has a custom consent with that name' },
  'consents.invalid_keyword': { status: 400, message: 'A keyword must have 1 to 30 letters or digits' },
  'consents.reserved_keyword': {
    status: 400,
    message: 'STOP, START and HELP keywords (and their synonyms) are reserved',
  },
  'consents.keyword_taken': { status: 409, message: 'Another custom consent of the organisation uses that keyword' },
  'consents.consent_inactive': { status: 409, message: 'The custom consent is inactive' },
  'consents.invalid_number': { status: 400, message: 'The phone number is not a valid number' },
  'consents.invalid_setting': { status: 400, message: 'A messaging setting is invalid' },
  'consents.org_not_found': { status: 404, message: 'Organisation not found' },
});

export type ConsentErrorCode = keyof typeof ConsentErrors;
