import { Type } from '@sinclair/typebox';
import { SpringPageSchema } from '../../platform/http/pagination.js';

export const SiteIdParams = Type.Object({
  id: Type.String({ description: 'Id of the site (24 hex characters).' }),
});

export const DepartmentSchema = Type.Object(
  {
    id: Type.String({ description: 'Department id; webhook filters name it.', examples: ['6b092a0a3e1c1f0d3a77670c'] }),
    name: Type.String({ description: 'Department (inbox) name.' }),
    phoneNumbers: Type.Array(Type.String(), { description: 'Numbers the department owns, E.164.' }),
    timeZone: Type.String({ description: 'IANA time zone.' }),
    active: Type.Boolean({ description: 'Whether the department is in use.' }),
  },
  { description: 'A department: an inbox owning phone numbers.' },
);

export const SiteSchema = Type.Object(
  {
    id: Type.String({ description: 'Site id (24 hex characters).' }),
    orgId: Type.String({ description: 'Organisation id.' }),
    name: Type.String({ description: 'Site (branch) name; "Main" for the default site.' }),
    timeZone: Type.String({ description: 'IANA time zone.' }),
    active: Type.Boolean({ description: 'Whether the site is in use.' }),
    departments: Type.Array(DepartmentSchema, { description: 'Departments of the site.' }),
    createdDateTime: Type.String({ description: 'Creation time, ISO-8601 UTC.' }),
    lastUpdateDateTime: Type.String({ description: 'Last change, ISO-8601 UTC.' }),
  },
  { description: 'A site: a branch of the organisation grouping departments.' },
);

export const SitePageSchema = SpringPageSchema(SiteSchema);
