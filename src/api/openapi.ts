// The OpenAPI 3.1 document served at /api/v1/openapi.json. Each feature contributes its paths;
// request and response schemas come from the same zod schemas that validate the requests, so
// the document cannot drift from the code.
import { z } from 'zod';

export type PathItems = Record<string, Record<string, unknown>>;

/** schemaOf turns a zod schema into the JSON Schema of a request (io: input) or response. */
export function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** jsonBody describes a JSON request body validated by `schema`. */
export function jsonBody(schema: z.ZodType) {
  return { required: true, content: { 'application/json': { schema: schemaOf(schema) } } };
}

/** dataResponse describes `{data: <schema>}`. */
export function dataResponse(description: string, schema: Record<string, unknown>) {
  return {
    description,
    content: { 'application/json': { schema: { type: 'object', required: ['data'], properties: { data: schema } } } },
  };
}

/** listResponse describes a page: `{data: [<schema>], next_cursor}`. */
export function listResponse(description: string, item: Record<string, unknown>) {
  return {
    description,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['data', 'next_cursor'],
          properties: { data: { type: 'array', items: item }, next_cursor: { type: ['string', 'null'] } },
        },
      },
    },
  };
}

export const pageParameters = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } },
  { name: 'cursor', in: 'query', description: 'next_cursor of the previous page', schema: { type: 'string' } },
];

export const idParameter = (name = 'id') => ({ name, in: 'path', required: true, schema: { type: 'string', format: 'uuid' } });

export const commonErrors = {
  401: errorResponse('Missing, unknown or revoked token'),
  404: errorResponse('Not found (or belongs to another workspace)'),
  422: errorResponse('Invalid input; `fields` names each bad field'),
};

/** openapiDocument assembles the document from every feature's paths. */
export function openapiDocument(baseUrl: string, version: string, parts: PathItems[]): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'PAR CRM API',
      version,
      description:
        'Workspace API of PAR CRM. Authenticate with `Authorization: Bearer <token>` (a token made in Settings → API tokens or by `cli token:create`). Errors are `{"error":{"code","message"}}`; list endpoints take `?limit=&cursor=` and return `{"data":[...],"next_cursor":...}`.',
    },
    servers: [{ url: `${baseUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string' },
                message: { type: 'string' },
                fields: { type: 'object', additionalProperties: { type: 'string' } },
              },
            },
          },
        },
      },
    },
    paths: Object.assign({}, ...parts),
  };
}
