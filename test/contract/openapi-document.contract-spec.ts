import { lint } from './client';
import { servedDocument } from './served-document';

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: Record<string, unknown> }[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }>; headers?: Record<string, unknown> }>;
}

type Paths = Record<string, Record<string, Operation>>;

/** The document the API serves, as the lint, the typed client and every HTTP spec's validator read it. */
describe('the OpenAPI document', () => {
  let document: { openapi: string; paths: Paths; components: { schemas: Record<string, Record<string, unknown>> } };
  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, method, path, operation })),
    );

  beforeAll(async () => {
    document = (await servedDocument()) as typeof document;
  }, 60_000);

  it('is OpenAPI 3.1, and redocly lint finds no error in it', () => {
    expect(document.openapi).toBe('3.1.0');
    const { status, report } = lint(document);
    if (status !== 0) throw new Error(`redocly lint failed:\n${report}`);
  }, 60_000);

  it('gives every route a success answer, with a schema for every JSON one', () => {
    const missing = operations().filter(({ operation }) => {
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      return (
        success.length === 0 ||
        success.some(([, response]) => !response.content || Object.values(response.content).some((media) => !media.schema))
      );
    });
    expect(missing.map(({ route }) => route)).toEqual([]);
  });

  it('documents the error statuses of every route but the probes and the scrape, each as a problem document', () => {
    const unprobed = operations().filter(({ path }) => path !== '/health/live' && path !== '/metrics');
    expect(
      unprobed
        .filter(({ operation }) => !Object.keys(operation.responses).some((status) => /^[45]/.test(status)))
        .map(({ route }) => route),
    ).toEqual([]);
    for (const { route, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status)) continue;
        expect({ route, status, content: Object.keys(response.content ?? {}) }).toEqual({
          route,
          status,
          content: ['application/problem+json'],
        });
        expect(response.content!['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/ProblemResponse' });
      }
    }
  });

  it('has no $ref that leads nowhere', () => {
    const text = JSON.stringify(document);
    const refs = [...text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]*)"/g)].map((match) => match[1]);
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.filter((name) => !document.components.schemas[name])).toEqual([]);
  });

  it('shows creates as 201, with their Location, and every command answer with its ETag', () => {
    const creates = ['POST /requests', 'POST /departments', 'POST /customers'];
    for (const route of creates) {
      const { operation } = operations().find((each) => each.route === route)!;
      expect({ route, statuses: Object.keys(operation.responses).filter((status) => status.startsWith('2')) }).toEqual({
        route,
        statuses: ['201'],
      });
      expect(Object.keys(operation.responses['201'].headers ?? {}).sort()).toEqual(['ETag', 'Location']);
    }
    const commands = operations().filter(({ operation }) =>
      Object.values(operation.responses).some(
        (response) => response.content?.['application/json']?.schema?.$ref === '#/components/schemas/CommandAnswer',
      ),
    );
    expect(commands.length).toBeGreaterThanOrEqual(20);
    for (const { route, operation } of commands) {
      const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'))!;
      expect({ route, headers: Object.keys(success[1].headers ?? {}) }).toEqual({ route, headers: expect.arrayContaining(['ETag']) });
      const headers = (operation.parameters ?? []).filter((parameter) => parameter.in === 'header').map((parameter) => parameter.name);
      expect({ route, headers }).toEqual({ route, headers: expect.arrayContaining(['Idempotency-Key', 'If-Match']) });
    }
  });

  it('takes X-Min-Position as an optional header wherever a route reads it', () => {
    const readers = operations().filter(({ operation }) =>
      (operation.parameters ?? []).some((parameter) => parameter.name.toLowerCase() === 'x-min-position'),
    );
    expect(readers.length).toBeGreaterThanOrEqual(5);
    for (const { route, operation } of readers) {
      const header = operation.parameters!.find((parameter) => parameter.name.toLowerCase() === 'x-min-position')!;
      expect({ route, required: header.required ?? false }).toEqual({ route, required: false });
    }
  });

  it('types whole numbers as integers with the bounds the server holds them to', () => {
    const queue = operations().find(({ route }) => route === 'GET /queues/{departmentId}')!;
    expect(queue.operation.parameters!.find((parameter) => parameter.name === 'limit')!.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 200,
    });
    expect(document.components.schemas.SatisfactionBody.properties).toMatchObject({ score: { type: 'integer', minimum: 1, maximum: 5 } });
  });
});
