import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_TITLES } from '@desk/http';

/**
 * The OpenAPI 3.1 document of the API, generated from the controllers, the
 * body and query classes (fields.ts) and the response classes
 * (<area>.responses.ts), so it says what the code does. Nest writes OpenAPI
 * 3.0's `nullable`; 3.1 (JSON Schema 2020-12) spells it as a type that
 * includes 'null', which is what this turns it into.
 */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('Service desk')
      .setDescription(
        'Event-sourced service desk for internal and external customers, with the impact chain between them. ' +
          'Commands answer with the resource id, its stream revision and the global log position (ETag: the revision; send it back ' +
          'as If-Match). Read-model queries take minPosition (or X-Min-Position) for read-your-writes. ' +
          'Errors are application/problem+json (RFC 9457) with an `errors` list naming each invalid field.',
      )
      .setVersion('0.1.0')
      .setLicense('UNLICENSED', 'https://spdx.org/licenses/')
      .addServer('/', 'The desk serving this document')
      .addBearerAuth()
      .build(),
  );
  const problem = document.components?.schemas?.ProblemResponse as Record<string, unknown> | undefined;
  // A problem carries the members of its type beside the standard ones (RFC 9457 §3.2): currentRevision, checkpoints, checks…
  if (problem) problem.additionalProperties = true;
  withHttpEdgeProblems(document);
  return toOpenApi31(document) as OpenAPIObject;
}

/**
 * What the HTTP edge answers before any controller runs, on every route alike: a path parameter over the router's
 * length limit is a 414, and a body on a command route is a 413 past the body limit and a 415 when it is not JSON
 * (also on routes that take no body). Documented here once rather than on each route.
 */
function withHttpEdgeProblems(document: OpenAPIObject): void {
  const problem = (status: number, why: string) => ({
    description: `${PROBLEM_TITLES[status]}: ${why}`,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemResponse' } } },
  });
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, { responses?: Record<string, unknown> }>)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method) || !operation.responses) continue;
      const add = (status: number, why: string) => {
        operation.responses![String(status)] ??= problem(status, why);
      };
      if (path.includes('{')) add(414, 'a path parameter is longer than the server reads');
      if (method !== 'get') {
        add(413, 'the body is larger than the server accepts');
        add(415, 'the body is not application/json');
      }
    }
  }
}

/** Rewrites `nullable: true` (OpenAPI 3.0) as JSON Schema 2020-12 does: a type or a choice that admits null. */
export function toOpenApi31(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toOpenApi31);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>).map(([key, value]) =>
    key === 'example' || key === 'examples' ? [key, value] : [key, toOpenApi31(value)],
  );
  const schema: Record<string, unknown> = Object.fromEntries(entries);
  if (schema.nullable !== true) return schema;
  delete schema.nullable;
  const allOf = schema.allOf as Record<string, unknown>[] | undefined;
  if (typeof schema.$ref === 'string' || (allOf?.length === 1 && typeof allOf[0].$ref === 'string')) {
    const ref = typeof schema.$ref === 'string' ? schema.$ref : allOf![0].$ref;
    const { $ref: _ref, allOf: _allOf, type: _type, ...rest } = schema;
    return { ...rest, oneOf: [{ $ref: ref }, { type: 'null' }] };
  }
  if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...(schema.enum as unknown[]), null];
  return schema;
}
