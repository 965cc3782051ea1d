/**
 * TypeScript types of the SDK (packages/sdk/src/generated.ts) from the OpenAPI document: one type per component
 * schema, and per operation its method, path, parameters, body and answer. `npm run openapi` writes the file; the
 * snapshot test fails while it differs from what the document gives, and the SDK does not compile when an
 * operation it wraps is gone.
 */
type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Component names that would shadow a global of the SDK's modules. */
const RENAMED: Record<string, string> = { Error: 'ErrorBody' };

function typeName(name: string): string {
  return RENAMED[name] ?? name;
}

function comment(text: unknown, indent = ''): string {
  if (typeof text !== 'string' || text.trim() === '') return '';
  const lines = text.replace(/\*\//g, '*\\/').split('\n');
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((line) => `${indent} * ${line}`.trimEnd()).join('\n')}\n${indent} */\n`;
}

function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function literal(value: unknown): string {
  return JSON.stringify(value);
}

/** The TypeScript type of a JSON schema of the document. */
export function typeOf(schema: unknown, indent = ''): string {
  if (!schema || typeof schema !== 'object') return 'unknown';
  const s = schema as Json;
  if (typeof s.$ref === 'string') return typeName(s.$ref.split('/').pop()!);
  if (s.const !== undefined) return literal(s.const);
  if (Array.isArray(s.enum)) return s.enum.map(literal).join(' | ');
  if (Array.isArray(s.anyOf) || Array.isArray(s.oneOf)) {
    const members = ((s.anyOf ?? s.oneOf) as unknown[]).map((member) => typeOf(member, indent));
    return [...new Set(members)].join(' | ');
  }
  if (Array.isArray(s.allOf)) {
    return (s.allOf as Json[])
      .map((member) => {
        // A member that only narrows `code` (the error responses) adds nothing to the type.
        const onlyNarrows = !member.$ref && member.properties && !member.required;
        return onlyNarrows ? null : typeOf(member, indent);
      })
      .filter((member): member is string => member !== null)
      .join(' & ');
  }
  const types = Array.isArray(s.type) ? (s.type as string[]) : typeof s.type === 'string' ? [s.type] : [];
  if (types.length > 1) return types.map((type) => typeOf({ ...s, type }, indent)).join(' | ');
  switch (types[0]) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `${wrap(typeOf(s.items, indent))}[]`;
    case 'object':
      return objectType(s, indent);
    default:
      return s.properties ? objectType(s, indent) : 'unknown';
  }
}

function wrap(type: string): string {
  return /[|&]/.test(type) ? `(${type})` : type;
}

function objectType(schema: Json, indent: string): string {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const inner = `${indent}  `;
  const members = Object.entries(properties).map(
    ([name, property]) =>
      `${comment(property.description, inner)}${inner}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, inner)};`,
  );
  const additional = schema.additionalProperties;
  if (additional && typeof additional === 'object') {
    members.push(`${inner}[key: string]: ${typeOf(additional, inner)};`);
  }
  if (members.length === 0) return additional === false ? 'Record<string, never>' : 'Record<string, unknown>';
  return `{\n${members.join('\n')}\n${indent}}`;
}

interface ParameterDoc {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Json;
}

function parametersType(parameters: ParameterDoc[], where: string): string {
  const chosen = parameters.filter((parameter) => parameter.in === where);
  if (chosen.length === 0) return 'never';
  const members = chosen.map(
    (parameter) =>
      `${comment(parameter.description, '      ')}      ${propertyKey(parameter.name)}${parameter.required ? '' : '?'}: ${typeOf(parameter.schema, '      ')};`,
  );
  return `{\n${members.join('\n')}\n    }`;
}

/** The generated module's source (formatted by the caller). */
export function sdkTypes(document: Json): string {
  const schemas = ((document.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const out: string[] = [
    '// Generated from openapi/openapi.json by `npm run openapi` (scripts/sdk-types.ts). Do not edit.',
    '',
  ];
  for (const [name, schema] of Object.entries(schemas)) {
    const type = typeOf(schema);
    const declaration = type.startsWith('{')
      ? `export interface ${typeName(name)} ${type}\n`
      : `export type ${typeName(name)} = ${type};\n`;
    out.push(`${comment(schema.description)}${declaration}`);
  }

  const operations: string[] = [];
  const runtime: string[] = [];
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Json>)) {
    for (const [method, value] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const operation = value as Json;
      const id = String(operation.operationId);
      const parameters = (operation.parameters ?? []) as ParameterDoc[];
      const body = ((operation.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.[
        'application/json'
      ]?.schema;
      const responses = (operation.responses ?? {}) as Record<string, Json>;
      const success = Object.entries(responses)
        .filter(([status]) => /^2\d\d$/.test(status))
        .map(([, response]) => (response.content as Record<string, Json> | undefined)?.['application/json']?.schema);
      const answer = [...new Set(success.map((schema) => (schema ? typeOf(schema, '    ') : 'unknown')))].join(' | ');
      const idempotent = parameters.some(
        (parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key',
      );
      const paged = /Page$/.test(answer);
      operations.push(
        `${comment(`${String(operation.summary ?? '')}: ${method.toUpperCase()} ${path}`, '  ')}  ${id}: {\n` +
          `    path: ${parametersType(parameters, 'path')};\n` +
          `    query: ${parametersType(parameters, 'query')};\n` +
          `    body: ${body ? typeOf(body, '    ') : 'never'};\n` +
          `    response: ${answer || 'unknown'};\n` +
          '  };',
      );
      runtime.push(
        `  ${id}: { method: '${method.toUpperCase()}', path: '${path}', idempotent: ${idempotent}, paged: ${paged} },`,
      );
    }
  }
  out.push('/** Every operation of the API by operationId: its path and query parameters, JSON body and answer. */');
  out.push(`export interface Operations {\n${operations.join('\n')}\n}\n`);
  out.push(
    '/** Method and path of every operation; `idempotent`: it takes an Idempotency-Key; `paged`: it answers a page. */',
  );
  out.push(`export const OPERATIONS = {\n${runtime.join('\n')}\n} as const;\n`);
  out.push('export type OperationId = keyof Operations;');
  return `${out.filter((line) => line !== '').join('\n')}\n`;
}
