import { defineErrors } from '../../platform/http/errors.js';

export const SiteErrors = defineErrors({
  'sites.site_not_found': { status: 404, message: 'Site not found' },
  'sites.department_not_found': { status: 404, message: 'Department not found' },
  'sites.site_name_taken': { status: 409, message: 'The organisation already has a site with that name' },
  'sites.department_name_taken': { status: 409, message: 'The site already has a department with that name' },
  'sites.number_taken': { status: 409, message: 'The phone number already belongs to a department' },
  'sites.invalid_phone_number': { status: 400, message: 'The phone number is not a valid number' },
  'sites.invalid_time_zone': { status: 400, message: 'The time zone is not a known IANA time zone' },
  'sites.invalid_name': { status: 400, message: 'A name must have 1 to 100 characters' },
});

export type SiteErrorCode = keyof typeof SiteErrors;
