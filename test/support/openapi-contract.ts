import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.1 document the contract reads. */
interface MediaType {
  schema?: Record<string, unknown>;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, { required?: boolean }>;
}
interface Operation {
  responses?: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

/** One answer as a spec received it. */
export interface ReceivedAnswer {
  method: string;
  /** The path and query asked. */
  url: string;
  status: number;
  contentType: string | undefined;
  body: string;
  /** The answer's headers by lower-case name, where the caller has them: required response headers must be there. */
  headers?: Record<string, unknown>;
}

/** Routes Swagger UI serves beside the API (the document itself, the UI's page and assets): not operations of the API. */
const SWAGGER_ROUTES = /^\/(openapi\.(json|yaml)|docs(\/.*)?)$/;
const COMPONENTS_ID = 'https://desk.invalid/openapi.json';
const PROBLEM_SCHEMA = { $ref: `${COMPONENTS_ID}#/components/schemas/ProblemResponse` };

interface Route {
  template: string;
  pattern: RegExp;
  /** Literal segments: /requests/{id}/history wins over /requests/{id}/{other} for the same path. */
  literals: number;
}

/**
 * The OpenAPI document as a contract the specs hold every answer to: the
 * answer's status must be documented for its route (path template) and
 * method, its content type must be one documented for that status, and a
 * JSON body must match the documented schema. Objects are held closed (an
 * object schema with properties and no additionalProperties takes no other
 * members), so a field the server sends and the document does not name fails
 * too. Answers to paths or methods the document does not have (a route that
 * does not exist) must be problem documents.
 */
export class OpenApiContract {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly document: OpenApiDocument) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: COMPONENTS_ID, components: { schemas: closed(document.components?.schemas ?? {}) } });
    this.routes = Object.keys(document.paths)
      .map((template) => ({
        template,
        pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}$`),
        literals: template.split('/').filter((segment) => segment !== '' && !segment.startsWith('{')).length,
      }))
      .sort((a, b) => b.literals - a.literals);
  }

  /** Throws, naming the route, the status and what is wrong, when the answer is not as the document says. */
  check(answer: ReceivedAnswer): void {
    const method = answer.method.toLowerCase();
    // What the server routes: no query, and no fragment (a client that sends one has it ignored).
    const path = answer.url.split(/[?#]/)[0];
    if (method === 'options' || method === 'head' || SWAGGER_ROUTES.test(path)) return;
    const route = this.routes.find((candidate) => candidate.pattern.test(path));
    const operation = route ? this.document.paths[route.template][method] : undefined;
    const where = `${answer.method.toUpperCase()} ${route?.template ?? path} → ${answer.status}`;
    if (!route || !operation) {
      // No such operation: whatever the server answers (404, 405…) is a problem document.
      this.validate(`problem`, PROBLEM_SCHEMA, answer, `${where} (no such operation in the document)`);
      return;
    }
    const response = operation.responses?.[String(answer.status)] ?? operation.responses?.[`${String(answer.status)[0]}XX`];
    if (!response) {
      const documented = Object.keys(operation.responses ?? {}).join(', ');
      throw new Error(
        `${where}: status ${answer.status} is not documented for this operation (documented: ${documented}); body: ${clip(answer.body)}`,
      );
    }
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if (header.required && answer.headers && answer.headers[name.toLowerCase()] === undefined) {
        throw new Error(`${where}: the document says the answer carries ${name}; it does not`);
      }
    }
    const content = response.content ?? {};
    const mediaTypes = Object.keys(content);
    if (mediaTypes.length === 0) {
      if (answer.body !== '') throw new Error(`${where}: the document says no body, the answer has one: ${clip(answer.body)}`);
      return;
    }
    const received = (answer.contentType ?? '').split(';')[0].trim().toLowerCase();
    const mediaType = mediaTypes.find((type) => type.toLowerCase() === received);
    if (!mediaType) {
      throw new Error(`${where}: content type ${received || '(none)'} is not documented (documented: ${mediaTypes.join(', ')})`);
    }
    const schema = content[mediaType].schema;
    if (!schema) return;
    if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
      this.validate(`${route.template} ${method} ${answer.status} ${mediaType}`, schema, answer, where);
    } else if (mediaType === 'application/x-ndjson' && schema['x-ndjson-line']) {
      const line = schema['x-ndjson-line'] as Record<string, unknown>;
      for (const text of answer.body.split('\n').filter((each) => each !== '')) {
        this.validate(`${route.template} ${method} ${answer.status} line`, line, { ...answer, body: text }, `${where} (a line)`);
      }
    }
  }

  private validate(key: string, schema: Record<string, unknown>, answer: ReceivedAnswer, where: string): void {
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      throw new Error(`${where}: the body is not JSON: ${clip(answer.body)}`);
    }
    let validator = this.validators.get(key);
    if (!validator) {
      validator = this.ajv.compile(anchored(schema));
      this.validators.set(key, validator);
    }
    if (!validator(body)) {
      throw new Error(`${where}: the body does not match the document: ${describe(validator.errors ?? [])}; body: ${clip(answer.body)}`);
    }
  }
}

/** Schemas of the document hold their objects closed: an object with properties takes no member it does not name. */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== 'object') return node;
  const schema = Object.fromEntries(
    Object.entries(node as Record<string, unknown>).map(([key, value]) => [
      key,
      key === 'example' || key === 'examples' ? value : closed(value),
    ]),
  );
  if (schema.properties && typeof schema.properties === 'object' && schema.additionalProperties === undefined) {
    schema.additionalProperties = false;
  }
  return schema;
}

/** A schema of an operation, its #/components references pointed at the components ajv holds. */
function anchored(schema: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(closed(schema)).replace(/"\$ref":"#\/components\//g, `"$ref":"${COMPONENTS_ID}#/components/`)) as Record<
    string,
    unknown
  >;
}

function describe(errors: readonly ErrorObject[]): string {
  return errors
    .slice(0, 8)
    .map((error) => `${error.instancePath || '(the body)'} ${error.message}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`)
    .join('; ');
}

function clip(text: string): string {
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

const contracts = new Map<string, OpenApiContract>();

/** The contract of a document, compiled once per document text (each desk of a test run serves the same one). */
export function contractOf(documentText: string): OpenApiContract {
  let contract = contracts.get(documentText);
  if (!contract) {
    contract = new OpenApiContract(JSON.parse(documentText) as OpenApiDocument);
    contracts.set(documentText, contract);
  }
  return contract;
}

/** The contract of the API serving at `baseUrl` (a child process), from its own GET /openapi.json. */
export async function contractAt(baseUrl: string): Promise<OpenApiContract> {
  const response = await fetch(`${baseUrl}/openapi.json`, { signal: AbortSignal.timeout(20_000) });
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/openapi.json answered ${response.status}`);
  return contractOf(await response.text());
}

/** A fetch answer held to the contract: its text is read (and handed back), so the caller reads `text` rather than the response's body. */
export async function checked(contract: OpenApiContract, method: string, path: string, response: Response): Promise<string> {
  const text = await response.text();
  const headers = Object.fromEntries(response.headers);
  contract.check({ method, url: path, status: response.status, contentType: response.headers.get('content-type') ?? '', body: text, headers });
  return text;
}
