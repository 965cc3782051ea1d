import { defineErrors } from '../../platform/http/errors.js';

export const AccountErrors = defineErrors({
  'accounts.org_not_found': { status: 404, message: 'Organisation not found' },
  'accounts.user_not_found': { status: 404, message: 'User not found' },
  'accounts.invalid_org_name': { status: 400, message: 'An organisation name must have 1 to 100 characters' },
  'accounts.invalid_email': { status: 400, message: 'The email address is not valid' },
  'accounts.email_taken': { status: 409, message: 'A user with that email already exists' },
  'accounts.weak_password': { status: 400, message: 'A password must have at least 10 characters' },
  'accounts.invalid_role': { status: 400, message: 'A role is one of admin, manager, agent' },
  'accounts.department_not_found': { status: 404, message: 'Department not found in the organisation' },
});

export type AccountErrorCode = keyof typeof AccountErrors;
