import { type Static, Type } from '@sinclair/typebox';
import { AppError } from './errors.js';

/** Query parameters of every list (CONTRACT.md §3): 0-based `page`, `size` 1–1000 (default 20), `sort=field,asc|desc`. */
export const PageQuery = Type.Object({
  page: Type.Integer({ minimum: 0, default: 0, description: 'Page number, starting at 0.' }),
  size: Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'Items per page, 1 to 1000.' }),
  sort: Type.Optional(
    Type.String({ pattern: '^[A-Za-z]+(,(asc|desc|ASC|DESC))?$', description: 'Sort as `field,asc` or `field,desc`.' }),
  ),
});
export type PageQuery = Static<typeof PageQuery>;

export interface PageRequest {
  page: number;
  size: number;
  offset: number;
}

export function pageRequest(query: { page?: number; size?: number }): PageRequest {
  const page = query.page ?? 0;
  const size = query.size ?? 20;
  return { page, size, offset: page * size };
}

export interface SortRequest<Field extends string> {
  field: Field;
  direction: 'asc' | 'desc';
}

/** Reads `sort=field,dir` against the fields a resource allows; an unknown field is a 400. */
export function sortRequest<Field extends string>(
  sort: string | undefined,
  allowed: readonly Field[],
  fallback: SortRequest<Field>,
): SortRequest<Field> {
  if (!sort) return fallback;
  const [field, direction = 'asc'] = sort.split(',');
  if (!allowed.includes(field as Field)) {
    throw new AppError('request.invalid', `sort must name one of: ${allowed.join(', ')}`);
  }
  return { field: field as Field, direction: direction.toLowerCase() as 'asc' | 'desc' };
}

/** A Spring Data page, the list shape of the hosted API. */
export interface SpringPage<T> {
  content: T[];
  totalElements: number;
  totalPages: number;
  size: number;
  number: number;
  numberOfElements: number;
  first: boolean;
  last: boolean;
  empty: boolean;
}

export function springPage<T>(content: T[], totalElements: number, request: PageRequest): SpringPage<T> {
  const totalPages = Math.ceil(totalElements / request.size);
  return {
    content,
    totalElements,
    totalPages,
    size: request.size,
    number: request.page,
    numberOfElements: content.length,
    first: request.page === 0,
    last: request.page >= totalPages - 1,
    empty: content.length === 0,
  };
}

/** The JSON Schema of a page of `item`, for route responses and the OpenAPI document. */
export function SpringPageSchema<T extends ReturnType<typeof Type.Object>>(item: T) {
  return Type.Object({
    content: Type.Array(item, { description: 'The items of this page.' }),
    totalElements: Type.Integer({ description: 'Items in all pages.' }),
    totalPages: Type.Integer({ description: 'Number of pages.' }),
    size: Type.Integer({ description: 'Requested page size.' }),
    number: Type.Integer({ description: 'This page number, starting at 0.' }),
    numberOfElements: Type.Integer({ description: 'Items in this page.' }),
    first: Type.Boolean({ description: 'Whether this is the first page.' }),
    last: Type.Boolean({ description: 'Whether this is the last page.' }),
    empty: Type.Boolean({ description: 'Whether this page has no items.' }),
  });
}
