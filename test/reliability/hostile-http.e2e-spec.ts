import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import {
  displaySpoofing,
  isWellFormedUnicode,
  AUDIENCES,
  CHANNELS,
  COMPENSATION_KINDS,
  EXTERNAL_CUSTOMER_KINDS,
  HOLD_REASONS,
  IMPACT_RELATIONS,
  INTERNAL_CUSTOMER_KINDS,
  LEVELS,
  OPEN_STATUSES,
  PRIORITIES,
  VISIBILITIES,
  WEEKDAYS,
} from '@desk/domain';
import { openRequest, seedOrganisation } from '../api/support/org';
import { TEST_SECRET, TestDesk, agent, type HttpAnswer } from '../api/support/test-desk';

/**
 * Generated hostile input over HTTP (fast-check), at every route of the API:
 * bodies with one field wrong, arbitrary JSON, raw text, huge and
 * prototype-polluting bodies; hostile ids in paths; arbitrary query strings;
 * hostile headers; every kind of bad token. For every generated request:
 *
 * 1. never a 5xx;
 * 2. every 4xx is application/problem+json with type, title, status (the HTTP
 *    status) and a detail; a body the generator made invalid in one field is a
 *    400 whose `errors` name that field and nothing else;
 * 3. a refused request appends nothing (the head of the log does not move);
 *    an accepted command appends one to four events and answers its own
 *    resource, the position of its last event and its revision as ETag; a
 *    query appends nothing at all.
 *
 * And, where the generator knows what it sent: a bad token is a 401 and a
 * role not allowed a 403; a requester on someone else's request a 404 (403
 * when acting); an id that names nothing is never accepted; an unknown query
 * parameter, a malformed Idempotency-Key, X-Correlation-Id or If-Match, or a
 * day past the end of its month is a 400 naming it; an Idempotency-Key sent
 * again with the same command gets the first answer, with another command on
 * the same stream a 409; a problem's correlation id is the answer's; an
 * export is events only, never an {"error"} line.
 *
 * About 503s: the only legitimate one a client could cause here is a
 * read-your-writes wait that runs out (minPosition beyond what the read models
 * reached). After every accepted command the spec waits until every
 * projection and process has caught up with the head of the log (and every
 * rebuild has swapped in), so any position at or below the head is already
 * reached and one beyond it is a 400: no 503 is acceptable either. waitMs is
 * generated small all the same, so a defect there costs milliseconds.
 *
 * Seeded: RELIABILITY_SEED reproduces a run, RELIABILITY_SCALE runs more.
 */
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261124);
const SCALE = Number(process.env.RELIABILITY_SCALE ?? 1);
const runs = (base: number) => Math.max(1, Math.round(base * SCALE));

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Role = 'requester' | 'agent' | 'manager' | 'analyst' | 'operator';
const ROLES: Role[] = ['requester', 'agent', 'manager', 'analyst', 'operator'];

// ---------------------------------------------------------------- body schemas

type Field = { optional?: boolean } & (
  | { kind: 'id'; pool?: readonly string[] }
  | { kind: 'text'; min?: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'amount'; max: number }
  | { kind: 'bool' }
  | { kind: 'pattern'; valid: fc.Arbitrary<string>; invalid: unknown[] }
  | { kind: 'strings'; valid: fc.Arbitrary<string>; invalid: unknown[]; max: number; late?: string[] }
  | { kind: 'array'; of: Schema; min: number; max: number }
  | { kind: 'object'; of: Schema }
);
type Schema = Record<string, Field>;

const SPARE_REQUESTS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];
const REQUESTS = ['phones', 'booking', 'printer', 'laptop', 'refund', ...SPARE_REQUESTS];
const CUSTOMERS = ['anna', 'bob', 'carl'];
/** Who asked for each request the spec opens. */
const OWNERS: Record<string, string> = {
  phones: 'anna',
  booking: 'bob',
  printer: 'carl',
  laptop: 'anna',
  refund: 'bob',
  ...Object.fromEntries(SPARE_REQUESTS.map((id, index) => [id, CUSTOMERS[index % 3]])),
};
const DEPARTMENTS = ['it', 'front-desk'];
const PROJECTIONS = ['request-summaries', 'impact-chain', 'satisfaction-follow-up'];

const freshId = fc.stringMatching(/^[a-z][a-z0-9-]{2,12}$/);
const wrongType = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, [], {}, ['x'], { x: 1 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const notAString = fc.oneof(wrongType.filter((v) => typeof v !== 'string'));
const TIME = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${pad(h)}:${pad(m)}`);
const pad = (n: number) => String(n).padStart(2, '0');

const REASON: Field = { kind: 'text', max: 2000 };
/** Cancelling and reopening need no reason. */
const OPTIONAL_REASON: Field = { kind: 'text', min: 0, max: 2000, optional: true };
const TARGET: Schema = {
  priority: { kind: 'enum', values: PRIORITIES },
  audience: { kind: 'enum', values: AUDIENCES },
  firstResponseMinutes: { kind: 'int', min: 1, max: 527040 },
  resolutionMinutes: { kind: 'int', min: 1, max: 527040 },
};
const CALENDAR: Schema = {
  timeZone: {
    kind: 'pattern',
    valid: fc.constantFrom('UTC', 'Europe/Brussels', 'America/New_York', 'Asia/Kolkata'),
    invalid: ['x'.repeat(65)],
  },
  weeklyHours: {
    kind: 'array',
    min: 1,
    max: 70,
    of: {
      day: { kind: 'enum', values: WEEKDAYS },
      start: { kind: 'pattern', valid: TIME, invalid: ['9:00', '24:01', '12:60', 'noon', '', '09:00:00'] },
      end: { kind: 'pattern', valid: TIME, invalid: ['25:00', '1200', 'x'] },
    },
  },
  holidays: {
    kind: 'strings',
    optional: true,
    max: 400,
    valid: fc
      .date({ min: new Date('2026-01-01'), max: new Date('2027-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
    invalid: ['2026-1-1', 'tomorrow', '', '2026-01-01T00:00'],
    // Shaped like dates, so only the domain's own validation (after the department is looked up) can refuse them.
    late: ['2026-02-30', '2026-13-01', '0000-00-00'],
  },
};
const STANDARD: Schema = {
  targets: { kind: 'array', of: TARGET, min: 1, max: 8 },
  calendar: { kind: 'object', of: CALENDAR, optional: true },
};
const ISO = fc.constantFrom('2026-01-01', '2026-03-01T00:00:00Z', '2026-03-02T08:00');

interface Route {
  method: Method;
  path: string;
  roles: Role[] | 'any';
  /** Appends events when accepted. */
  command: boolean;
  /** The body's schema; null for routes that read no body. */
  body: Schema | null;
  /** The query parameters the route knows; null for routes that read no query string. */
  query: string[] | null;
}

const WORKERS: Role[] = ['agent', 'manager'];
const WORKERS_AND_REQUESTER: Role[] = ['agent', 'manager', 'requester'];
const READERS: Role[] = ['agent', 'manager', 'operator', 'analyst'];
const FRESH = ['minPosition', 'waitMs', 'asOf'];

const command = (method: Method, path: string, roles: Role[], body: Schema | null): Route => ({
  method,
  path,
  roles,
  command: true,
  body,
  query: null,
});
const query = (
  path: string,
  roles: Role[] | 'any',
  params: string[] | null,
  method: Method = 'GET',
  body: Schema | null = null,
): Route => ({
  method,
  path,
  roles,
  command: false,
  body,
  query: params,
});

const ROUTES: Route[] = [
  command('POST', '/departments', ['manager', 'operator'], { id: { kind: 'id' }, name: { kind: 'text', max: 200 } }),
  command('PUT', '/departments/{department}/service-standard', ['manager', 'operator'], STANDARD),
  command('POST', '/customers', ['manager', 'operator'], {
    id: { kind: 'id' },
    name: { kind: 'text', max: 200 },
    type: { kind: 'enum', values: ['internal', 'external'] },
    kind: { kind: 'enum', values: [...INTERNAL_CUSTOMER_KINDS, ...EXTERNAL_CUSTOMER_KINDS] },
    departmentId: { kind: 'id', optional: true, pool: DEPARTMENTS },
    customerFacing: { kind: 'bool', optional: true },
  }),
  command('POST', '/requests', WORKERS_AND_REQUESTER, {
    id: { kind: 'id', optional: true },
    requesterId: { kind: 'id', pool: CUSTOMERS },
    departmentId: { kind: 'id', pool: DEPARTMENTS },
    subject: { kind: 'text', max: 200 },
    description: { kind: 'text', min: 0, max: 10000, optional: true },
    priority: { kind: 'enum', values: PRIORITIES, optional: true },
    impact: { kind: 'enum', values: LEVELS, optional: true },
    urgency: { kind: 'enum', values: LEVELS, optional: true },
    channel: { kind: 'enum', values: CHANNELS, optional: true },
    category: { kind: 'text', min: 0, max: 100, optional: true },
  }),
  command('POST', '/requests/{request}/assign', WORKERS, { agentId: { kind: 'id', pool: ['agent-1', 'agent-2'] } }),
  command('POST', '/requests/{request}/start', WORKERS, {}),
  command('POST', '/requests/{request}/resume', WORKERS, {}),
  command('POST', '/requests/{request}/close', WORKERS_AND_REQUESTER, {}),
  command('POST', '/requests/{request}/hold', WORKERS, {
    reason: { kind: 'enum', values: HOLD_REASONS },
    note: { kind: 'text', min: 0, max: 2000, optional: true },
    blockingRequestId: { kind: 'id', optional: true, pool: REQUESTS },
  }),
  command('POST', '/requests/{request}/comments', WORKERS_AND_REQUESTER, {
    body: { kind: 'text', max: 10000 },
    visibility: { kind: 'enum', values: VISIBILITIES, optional: true },
  }),
  command('POST', '/requests/{request}/transfer', WORKERS, { departmentId: { kind: 'id', pool: DEPARTMENTS }, reason: REASON }),
  command('POST', '/requests/{request}/escalate', WORKERS, { reason: REASON }),
  command('POST', '/requests/{request}/priority', WORKERS, {
    priority: { kind: 'enum', values: PRIORITIES, optional: true },
    impact: { kind: 'enum', values: LEVELS, optional: true },
    urgency: { kind: 'enum', values: LEVELS, optional: true },
    reason: REASON,
  }),
  command('POST', '/requests/{request}/resolve', WORKERS, { resolution: { kind: 'text', max: 10000 } }),
  command('POST', '/requests/{request}/reopen', WORKERS_AND_REQUESTER, { reason: OPTIONAL_REASON }),
  command('POST', '/requests/{request}/cancel', WORKERS_AND_REQUESTER, { reason: OPTIONAL_REASON }),
  command('POST', '/requests/{request}/satisfaction', ['requester'], {
    score: { kind: 'int', min: 1, max: 5 },
    comment: { kind: 'text', min: 0, max: 2000, optional: true },
  }),
  command('POST', '/requests/{request}/impacts', WORKERS, {
    effectRequestId: { kind: 'id', pool: REQUESTS },
    relation: { kind: 'enum', values: IMPACT_RELATIONS },
  }),
  command('DELETE', '/requests/{request}/impacts/{request2}', WORKERS, null),
  command('POST', '/requests/{request}/compensation', WORKERS, {
    kind: { kind: 'enum', values: COMPENSATION_KINDS },
    amount: { kind: 'amount', max: 1_000_000_000 },
    currency: { kind: 'pattern', valid: fc.constantFrom('EUR', 'USD', 'GBP'), invalid: ['eur', 'EURO', 'E1R', '', 978] },
    note: { kind: 'text', min: 0, max: 2000, optional: true },
  }),
  query('/requests/{request}', 'any', ['asOf']),
  query('/requests/{request}/history', 'any', ['asOf']),
  query('/queues/{department}', READERS, [
    ...FRESH,
    'status',
    'assigneeId',
    'audience',
    'priority',
    'effectivePriority',
    'limit',
    'cursor',
  ]),
  query('/departments/{department}/workload', READERS, [...FRESH, 'from', 'to']),
  query('/workloads', ['manager', 'operator', 'analyst'], [...FRESH, 'from', 'to']),
  query('/impact/requests/{request}', READERS, FRESH),
  query('/impact/blockers', READERS, [...FRESH, 'departmentId', 'limit', 'cursor']),
  query('/events', ['analyst'], ['after', 'types', 'streamPrefix', 'from', 'to', 'limit']),
  query('/admin/projections', ['operator'], null),
  query('/admin/projections/{projection}/retry', ['operator'], null, 'POST'),
  query('/admin/projections/{projection}/skip', ['operator'], null, 'POST'),
  query('/admin/projections/{projection}/rebuild', ['operator'], null, 'POST'),
  query('/analytics/sla-what-if', ['analyst', 'manager'], null, 'POST', {
    ...STANDARD,
    departmentId: { kind: 'id', pool: DEPARTMENTS },
    from: { kind: 'pattern', valid: ISO, invalid: ['yesterday', '2026-3-1', '', '2026-03-01 10:00'] },
    to: { kind: 'pattern', valid: fc.constantFrom('2026-12-31', '2027-01-01T00:00:00+01:00'), invalid: ['tomorrow', 'x'.repeat(41)] },
  }),
  query('/customers/{customer}', 'any', null),
  query('/departments/{department}', 'any', null),
];

function validValue(field: Field): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'id':
      return field.pool ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...field.pool) }, { weight: 1, arbitrary: freshId }) : freshId;
    case 'text': {
      const length = { minLength: Math.max(field.min ?? 1, 1), maxLength: Math.min(field.max, 24) };
      // Any text a client can send as a name: emoji and their sequences, joiners that join, markup, SQL; not NUL, not a
      // lone surrogate, nothing that spoofs its display, and not blank where text is required: the domain refuses those
      // (see invalidValue).
      const meant = (text: string) =>
        !text.includes('\u0000') &&
        isWellFormedUnicode(text) &&
        displaySpoofing(text, 'name') === undefined &&
        text.trim().length >= (field.min ?? 1);
      return fc.oneof(
        { weight: 3, arbitrary: fc.string(length).filter(meant) },
        fc.string({ ...length, unit: 'binary' }).filter(meant),
        fc.constantFrom(
          'team \u{1F469}\u200d\u{1F4BB}',
          'مهدی\u200cزاده',
          '😀'.repeat(3),
          '<script>alert(1)</script>',
          "'; DROP TABLE events; --",
        ),
      );
    }
    case 'enum':
      return fc.constantFrom(...field.values);
    case 'int':
      return fc.oneof(fc.integer({ min: field.min, max: Math.min(field.max, 600) }), fc.constantFrom(field.min, field.max));
    case 'amount':
      return fc.integer({ min: 0, max: 100_000 }).map((cents) => cents / 100);
    case 'bool':
      return fc.boolean();
    case 'pattern':
      return field.valid;
    case 'strings':
      return fc.array(field.valid, { maxLength: 3 });
    case 'array':
      return fc.array(validBody(field.of), { minLength: field.min, maxLength: Math.min(field.max, 3) });
    case 'object':
      return validBody(field.of);
  }
}

const validBodies = new WeakMap<Schema, fc.Arbitrary<Record<string, unknown>>>();
function validBody(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  if (!validBodies.has(schema)) validBodies.set(schema, buildValidBody(schema));
  return validBodies.get(schema)!;
}

function buildValidBody(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(schema);
  const model = Object.fromEntries(keys.map((key) => [key, validValue(schema[key])]));
  return fc.record(model, { requiredKeys: keys.filter((key) => !schema[key].optional) }) as fc.Arbitrary<Record<string, unknown>>;
}

const invalidValues = new WeakMap<Field, fc.Arbitrary<unknown>>();
/** Values the field must refuse. */
function invalidValue(field: Field): fc.Arbitrary<unknown> {
  if (!invalidValues.has(field)) invalidValues.set(field, buildInvalidValue(field));
  return invalidValues.get(field)!;
}

function buildInvalidValue(field: Field): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'id':
      return fc.oneof(
        notAString,
        fc.constantFrom('', ' ', '-x', '.x', 'a b', 'a/b', '..', '\u0000', 'é', '😀', 'x'.repeat(129), '__proto__x'.replace('x', '/')),
        fc.string({ minLength: 1, maxLength: 8 }).map((s) => `${s}/`),
      );
    case 'text':
      return fc.oneof(
        notAString,
        fc.constant('x'.repeat(field.max + 1)),
        fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'a\udfff', '\udc00\ud800', '\u202eevil', '\u2066isolated\u2069', 'a\u0085b'),
        ...((field.min ?? 1) > 0 ? [fc.constantFrom('', ' ', '\t\n')] : []),
      );
    case 'enum':
      return fc.oneof(
        notAString,
        fc.string({ maxLength: 12 }).filter((s) => !field.values.includes(s)),
        fc.constantFrom(...field.values).map((v) => v.toUpperCase()),
        fc.constantFrom(...field.values).map((v) => ` ${v}`),
      );
    case 'int':
      return fc.oneof(
        fc.constantFrom<unknown>(
          field.min - 1,
          field.max + 1,
          1.5,
          Number.MAX_SAFE_INTEGER + 2,
          -1e308,
          String(field.min),
          null,
          true,
          [],
          {},
        ),
        fc.integer({ min: field.max + 1 }),
        fc.integer({ max: field.min - 1 }),
      );
    case 'amount':
      return fc.constantFrom<unknown>(-0.01, -1, field.max + 1, 1e308, 1.234, '10', null, true, [1], { amount: 1 });
    case 'bool':
      return fc.constantFrom<unknown>('true', 'false', 0, 1, null, [], {});
    case 'pattern':
      return fc.oneof(notAString, fc.constantFrom(...field.invalid));
    case 'strings':
      return fc.oneof(
        fc.constantFrom<unknown>('2026-01-01', null, 1, {}),
        fc.constantFrom(...field.invalid).map((bad) => [bad]),
        fc.constant(Array.from({ length: field.max + 1 }, () => '2026-01-01')),
      );
    case 'array':
      return fc.oneof(
        fc.constantFrom<unknown>(null, 'x', 1, {}, true),
        ...(field.min > 0 ? [fc.constant([])] : []),
        fc.array(validBody(field.of), { minLength: field.max + 1, maxLength: field.max + 1 }),
      );
    case 'object':
      return fc.constantFrom<unknown>('x', 1, true, [1], ['x']);
  }
}

interface Mutation {
  /** The field the generator made wrong, as the API names it: targets[0].priority. */
  field: string;
  how: string;
  body: Record<string, unknown>;
  /** Wrong in a way only the domain sees, after the ids the body names are looked up: a 404 may come first. */
  late?: boolean;
}

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'hasOwnProperty',
  'toString',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  'prototype',
];

const anyKey = fc.oneof(fc.string({ minLength: 1, maxLength: 10 }), fc.constantFrom(...PROTOTYPE_KEYS), fc.stringMatching(/^[a-z]{1,8}$/));
const extraKeys = new WeakMap<Schema, fc.Arbitrary<string>>();
function extraKey(schema: Schema): fc.Arbitrary<string> {
  if (!extraKeys.has(schema))
    extraKeys.set(
      schema,
      anyKey.filter((key) => !Object.hasOwn(schema, key)),
    );
  return extraKeys.get(schema)!;
}

const setOwn = (target: Record<string, unknown>, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

/** Every way to make one field of `body` wrong, each with the path the API must name. */
function mutationsOf(
  schema: Schema,
  body: Record<string, unknown>,
  prefix: string,
  rebuild: (inner: Record<string, unknown>) => Record<string, unknown>,
) {
  const path = (key: string) => (prefix ? `${prefix}.${key}` : key);
  const choices: fc.Arbitrary<Mutation>[] = [];
  choices.push(
    fc.tuple(extraKey(schema), fc.jsonValue({ maxDepth: 2 })).map(([key, value]) => {
      const inner = { ...body };
      setOwn(inner, key, value);
      return { field: path(key), how: 'unknown field', body: rebuild(inner) };
    }),
  );
  for (const [key, field] of Object.entries(schema)) {
    choices.push(
      invalidValue(field)
        // null in an optional field reads as the field left out (class-validator's IsOptional): not a wrong value.
        .filter((value) => !(field.optional && value === null))
        .map((value) => ({ field: path(key), how: 'wrong value', body: rebuild({ ...body, [key]: value }) })),
    );
    if (field.kind === 'strings' && field.late) {
      const late = field.late;
      choices.push(
        fc
          .constantFrom(...late)
          .map((bad) => ({ field: path(key), how: 'late wrong value', body: rebuild({ ...body, [key]: [bad] }), late: true })),
      );
    }
    if (!field.optional && Object.hasOwn(body, key)) {
      const { [key]: _, ...without } = body;
      choices.push(fc.constant({ field: path(key), how: 'missing', body: rebuild(without) }));
    }
    const value = body[key];
    if (field.kind === 'object' && value && typeof value === 'object') {
      choices.push(
        fc
          .constant(null)
          .chain(() =>
            fc.oneof(...mutationsOf(field.of, value as Record<string, unknown>, path(key), (inner) => rebuild({ ...body, [key]: inner }))),
          ),
      );
    }
    if (field.kind === 'array' && Array.isArray(value) && value.length > 0) {
      choices.push(
        fc.nat(value.length - 1).chain((index) => {
          const element = `${path(key)}[${index}]`;
          const replace = (inner: unknown) => rebuild({ ...body, [key]: value.map((item, i) => (i === index ? inner : item)) });
          return fc.oneof(
            fc
              .constantFrom<unknown>(null, 'x', 3, true)
              .map((bad) => ({ field: element, how: 'element not an object', body: replace(bad) })),
            ...mutationsOf(field.of, value[index] as Record<string, unknown>, element, replace),
          );
        }),
      );
    }
  }
  return choices;
}

const mutatedBody = (schema: Schema) => validBody(schema).chain((body) => fc.oneof(...mutationsOf(schema, body, '', (inner) => inner)));

// ---------------------------------------------------------------- the desk and the properties

let desk: TestDesk;
let tried = 0;
let acceptedCommands = 0;
const seen = new Map<number, number>();

function token(role: Role, sub?: string): string {
  return jwt.sign({ role }, TEST_SECRET, {
    algorithm: 'HS256',
    subject: sub ?? (role === 'requester' ? 'anna' : `${role}-1`),
    expiresIn: '1h',
  });
}

/** An allowed role for the route, as a bearer token. */
function allowed(route: Route): fc.Arbitrary<{ role: Role; sub: string }> {
  const roles = route.roles === 'any' ? ROLES : route.roles;
  return fc
    .constantFrom(...roles)
    .chain((role): fc.Arbitrary<{ role: Role; sub: string }> =>
      role === 'requester' ? fc.constantFrom(...CUSTOMERS).map((sub) => ({ role, sub })) : fc.constant({ role, sub: `${role}-1` }),
    );
}

function fill(route: Route, ids: Partial<Record<string, string>> = {}): fc.Arbitrary<string> {
  return fc
    .record({
      request: fc.constantFrom(...REQUESTS),
      request2: fc.constantFrom(...REQUESTS),
      department: fc.constantFrom(...DEPARTMENTS),
      customer: fc.constantFrom(...CUSTOMERS),
      projection: fc.constantFrom(...PROJECTIONS),
    })
    .map((chosen) => route.path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? chosen[name as keyof typeof chosen]));
}

interface Sent {
  route: Route;
  url: string;
  authorization?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

interface Expected {
  /** The status the answer must have, when the generator knows it. */
  status?: number | number[];
  /** The fields the 400's errors must name. */
  fields?: string[];
  /** ...and nothing else. */
  only?: boolean;
  /** The fields are checked only when the answer is a 400. */
  fieldsIf400?: boolean;
  /** No 2xx: the input names nothing that exists. */
  refused?: boolean;
}

const describeSent = (sent: Sent) =>
  `${sent.route.method} ${sent.url.slice(0, 300)} body=${(sent.rawBody ?? JSON.stringify(sent.body) ?? '').slice(0, 300)} headers=${JSON.stringify(sent.headers ?? {}).slice(0, 300)} auth=${sent.authorization?.slice(0, 60)}`;

/** Waits until every projection and process has caught up with the log, and every rebuild has swapped in. */
async function settle(): Promise<void> {
  for (;;) {
    const head = await desk.store.headPosition();
    await Promise.all(PROJECTIONS.map((name) => desk.readSide.rebuilt(name)));
    if (!(await desk.readSide.waitFor(desk.readSide.projectionNames, head, 10_000))) throw new Error(`read side stuck before ${head}`);
    if ((await desk.store.headPosition()) === head) return;
  }
}

async function send(sent: Sent, expected: Expected = {}): Promise<HttpAnswer> {
  tried++;
  const headers: Record<string, string> = { ...sent.headers };
  if (sent.authorization !== undefined) headers.authorization = sent.authorization;
  const before = await desk.store.headPosition();
  const answer = await desk.call(sent.route.method, sent.url, { as: null, body: sent.body, rawBody: sent.rawBody, headers });
  const after = await desk.store.headPosition();
  seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
  const fail = (why: string) => {
    throw new Error(`${why}\n  sent: ${describeSent(sent)}\n  got: ${answer.status} ${answer.raw.slice(0, 600)}`);
  };
  // 1. Never a server error.
  if (answer.status >= 500) fail('a server error');
  if (expected.status !== undefined && ![expected.status].flat().includes(answer.status))
    fail(`expected ${JSON.stringify(expected.status)}`);
  if (answer.status >= 400) {
    // 2. A problem document that names the fault.
    if (!/^application\/problem\+json/.test(String(answer.headers['content-type']))) fail('a refusal that is not application/problem+json');
    const problem = answer.body;
    if (typeof problem !== 'object' || problem === null) fail('a problem document that is not a JSON object');
    if (typeof problem.type !== 'string' || problem.type === '') fail('a problem without a type');
    if (typeof problem.title !== 'string' || problem.title === '') fail('a problem without a title');
    if (problem.status !== answer.status) fail('a problem whose status is not the HTTP status');
    if (typeof problem.detail !== 'string' || problem.detail.trim() === '') fail('a problem without a detail');
    // The correlation id a problem names is the one the answer carries, the one the logs know the request by.
    if (problem.correlationId !== undefined && problem.correlationId !== answer.headers['x-correlation-id'])
      fail(
        `a problem naming correlation id ${String(problem.correlationId).slice(0, 80)} on an answer whose X-Correlation-Id is ${answer.headers['x-correlation-id']}`,
      );
    if (problem.errors !== undefined) {
      if (!Array.isArray(problem.errors) || problem.errors.length === 0) fail('errors that are not a non-empty list');
      for (const error of problem.errors)
        if (typeof error?.field !== 'string' || typeof error?.message !== 'string' || error.message === '')
          fail('an error without field and message');
    }
    if (expected.fields && (answer.status === 400 || !expected.fieldsIf400)) {
      if (answer.status !== 400 || !Array.isArray(problem.errors)) fail(`expected a 400 naming ${expected.fields.join(', ')}`);
      const named: string[] = problem.errors.map((error: { field: string }) => error.field);
      const within = (field: string) =>
        expected.fields!.some((wrong) => field === wrong || field.startsWith(`${wrong}.`) || field.startsWith(`${wrong}[`));
      if (
        !expected.fields.every((wrong) =>
          named.some((field) => field === wrong || field.startsWith(`${wrong}.`) || field.startsWith(`${wrong}[`)),
        )
      )
        fail(`the errors do not name ${expected.fields.join(', ')}`);
      if (expected.only && !named.every(within))
        fail(`the errors name fields that were right (the wrong one: ${expected.fields.join(', ')})`);
    }
    // 3. A refusal writes nothing.
    if (after !== before) fail(`a refusal appended ${after - before} events`);
  } else {
    if (expected.refused) fail('accepted input that names nothing that exists');
    // An export is NDJSON of events; an {"error"} line says the store failed midway, which no client input can make it do.
    if (sent.url.startsWith('/events') && answer.status === 200) {
      for (const line of answer.raw.split('\n').filter(Boolean)) {
        let event: { error?: unknown } | undefined;
        try {
          event = JSON.parse(line);
        } catch {
          fail('an export line that is not JSON');
        }
        if (event?.error !== undefined) fail('an export that stopped on input the client sent');
      }
    }
    // (An export that matches no event is an empty NDJSON stream.)
    if (answer.status !== 204 && answer.raw === '' && !sent.url.startsWith('/events')) fail('an answer without a body');
    if (sent.route.command) {
      const { id, revision, position } = answer.body ?? {};
      if (typeof id !== 'string' || !/^\d+$/.test(String(revision)) || !/^\d+$/.test(String(position)))
        fail('a command answer without id, revision, position');
      const appended = after - before;
      const replay = headers['idempotency-key'] !== undefined;
      if (appended < (replay ? 0n : 1n) || appended > 4n) fail(`an accepted command appended ${appended} events`);
      if (answer.headers.etag !== `"${revision}"`) fail(`an ETag ${answer.headers.etag} that is not the revision ${revision}`);
      const resource = /^\/(?:requests|departments)\/([^/]+)\/(?!impacts)/.exec(sent.url)?.[1];
      if (resource !== undefined && id !== decodeURIComponent(resource)) fail(`an answer for ${id}, not for ${resource}`);
      if (BigInt(position) > after || (appended > 0n && BigInt(position) <= before))
        fail(`position ${position} is not the command's (log ${before} → ${after})`);
      acceptedCommands++;
      await settle();
    } else if (after !== before) {
      fail(`a query appended ${after - before} events`);
    }
    if (sent.url.includes('/rebuild')) await settle();
  }
  return answer;
}

/**
 * A well-formed body keeps the rules across its fields too, which the API checks at the door with the domain's own
 * check (a priority, or impact and urgency; a blocking request exactly when that is the hold's reason; a kind that
 * fits the customer's type; each target once, the first response before resolution, within a year of working time;
 * working hours that end after they start and do not overlap): bent here into the nearest body that keeps them.
 */
function keepingFieldRules(route: Route, generated: Record<string, unknown>): Record<string, unknown> {
  const body = structuredClone(generated);
  switch (route.path) {
    case '/requests':
    case '/requests/{request}/priority':
      if (body.priority === undefined && (body.impact === undefined || body.urgency === undefined)) body.priority = 'medium';
      if (body.priority !== undefined) {
        delete body.impact;
        delete body.urgency;
      }
      break;
    case '/requests/{request}/hold':
      if (body.reason === 'blocked_by_request' && body.blockingRequestId === undefined) body.reason = 'awaiting_third_party';
      if (body.reason !== 'blocked_by_request') delete body.blockingRequestId;
      break;
    case '/customers': {
      const internal = body.type === 'internal';
      const kinds: readonly string[] = internal ? INTERNAL_CUSTOMER_KINDS : EXTERNAL_CUSTOMER_KINDS;
      if (!kinds.includes(body.kind as string)) body.kind = kinds[0];
      if (internal) body.departmentId ??= DEPARTMENTS[0];
      else {
        delete body.departmentId;
        delete body.customerFacing;
      }
      break;
    }
    case '/departments/{department}/service-standard': {
      type Target = { priority: string; audience: string; firstResponseMinutes: number; resolutionMinutes: number };
      type Hours = { day: string; start: string; end: string };
      const calendar = body.calendar as { weeklyHours: Hours[] } | undefined;
      // 52 weeks of at least one working minute a week, or of every minute without a calendar.
      const longest = calendar ? 52 : 52 * 7 * 24 * 60;
      const seen = new Set<string>();
      body.targets = (body.targets as Target[])
        .filter(({ priority, audience }) => !seen.has(`${priority}/${audience}`) && seen.add(`${priority}/${audience}`))
        .map((target) => ({
          ...target,
          firstResponseMinutes: Math.min(target.firstResponseMinutes, target.resolutionMinutes, longest),
          resolutionMinutes: Math.min(Math.max(target.firstResponseMinutes, target.resolutionMinutes), longest),
        }));
      if (calendar) {
        const kept: Hours[] = [];
        for (const hours of calendar.weeklyHours) {
          const [start, end] =
            hours.start < hours.end
              ? [hours.start, hours.end]
              : hours.start > hours.end
                ? [hours.end, hours.start]
                : [hours.start, '24:00'];
          if (!kept.some((other) => other.day === hours.day && other.start < end && start < other.end)) kept.push({ ...hours, start, end });
        }
        calendar.weeklyHours = kept;
      }
      break;
    }
  }
  return body;
}

/** A whole well-formed request to a route, with an allowed role, a valid-shaped body and known ids. */
const wellFormed = (route: Route) =>
  fc.record({
    url: fill(route),
    as: allowed(route),
    body: route.body ? validBody(route.body).map((body) => keepingFieldRules(route, body)) : fc.constant(undefined),
  });

const RUNS = {
  bodies: runs(600),
  json: runs(300),
  raw: runs(300),
  ids: runs(300),
  queries: runs(400),
  headers: runs(300),
  tokens: runs(300),
  dates: runs(100),
  wellFormed: runs(500),
  methods: runs(200),
};
const TOTAL_RUNS = Object.values(RUNS).reduce((sum, n) => sum + n, 0);
const assertProperty = <T>(arbitrary: fc.Arbitrary<T>, numRuns: number, predicate: (value: T) => Promise<void>) =>
  fc.assert(fc.asyncProperty(arbitrary, predicate), { seed: SEED, numRuns, endOnFailure: true });

const bodyRoutes = ROUTES.filter((route) => route.body !== null);

describe(`hostile input over HTTP (fast-check seed ${SEED}, ${TOTAL_RUNS} generated requests in all)`, () => {
  jest.setTimeout(300_000);

  beforeAll(async () => {
    desk = await TestDesk.start({ env: { SLA_WATCH_INTERVAL_MS: '3600000' } });
    await seedOrganisation(desk);
    await openRequest(desk, 'phones');
    await openRequest(desk, 'booking', { requesterId: 'bob', departmentId: 'front-desk' });
    await openRequest(desk, 'printer', { requesterId: 'carl' });
    await openRequest(desk, 'laptop', { priority: 'medium' });
    await openRequest(desk, 'refund', { requesterId: 'bob', departmentId: 'front-desk', priority: 'low' });
    // More requests for well-formed commands to move along their lifecycle.
    for (const [index, id] of SPARE_REQUESTS.entries())
      await openRequest(desk, id, { requesterId: OWNERS[id], departmentId: DEPARTMENTS[index % 2] });
    await desk.expect(200, 'POST', '/requests/phones/assign', { as: agent(), body: { agentId: agent().sub } });
    await desk.expect(200, 'POST', '/requests/phones/start', { as: agent() });
    await desk.expect(200, 'POST', '/requests/printer/assign', { as: agent(), body: { agentId: agent().sub } });
    await desk.expect(200, 'POST', '/requests/printer/resolve', { as: agent(), body: { resolution: 'new toner' } });
    await desk.expect(201, 'POST', '/requests/phones/impacts', { as: agent(), body: { effectRequestId: 'booking', relation: 'blocks' } });
    await settle();
  });

  afterAll(async () => {
    console.log(
      `hostile-http: ${tried} generated requests tried (seed ${SEED}, scale ${SCALE}), ${acceptedCommands} of them accepted commands; statuses ${JSON.stringify(Object.fromEntries([...seen].sort(([a], [b]) => a - b)))}`,
    );
    await desk?.stop();
  });

  it(`bodies with one field wrong are a 400 naming that field, and write nothing (${RUNS.bodies} runs)`, async () => {
    const arbitrary = fc
      .constantFrom(...bodyRoutes)
      .chain((route) => fc.record({ route: fc.constant(route), well: wellFormed(route), mutation: mutatedBody(route.body!) }));
    await assertProperty(arbitrary, RUNS.bodies, async ({ route, well, mutation }) => {
      await send(
        { route, url: well.url, authorization: `Bearer ${token(well.as.role, well.as.sub)}`, body: mutation.body },
        // (A valid-shaped body may break the domain's own rules elsewhere too, which it names beside the late one.)
        mutation.late
          ? { status: [400, 404], fields: [mutation.field], fieldsIf400: true }
          : { status: 400, fields: [mutation.field], only: true },
      );
    });
  });

  it(`arbitrary JSON bodies never break a route (${RUNS.json} runs)`, async () => {
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.object({ maxDepth: 2 }),
      fc.dictionary(
        fc.constantFrom('id', 'name', 'targets', 'calendar', 'reason', 'score', 'constructor', 'toString', 'body'),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    );
    const arbitrary = fc.constantFrom(...ROUTES).chain((route) => fc.record({ route: fc.constant(route), well: wellFormed(route), body }));
    await assertProperty(arbitrary, RUNS.json, async ({ route, well, body }) => {
      await send({ route, url: well.url, authorization: `Bearer ${token(well.as.role, well.as.sub)}`, body });
    });
  });

  it(`raw, huge, truncated and prototype-polluting bodies are refused with a problem (${RUNS.raw} runs)`, async () => {
    // Big bodies by name, so that a counterexample stays readable.
    const BIG: Record<string, () => string> = {
      'comment over the body limit': () => `{"body": "${'x'.repeat(70 * 1024)}"}`,
      'arrays 5000 deep': () => `[${'['.repeat(5000)}${']'.repeat(5000)}]`,
      'a field 20000 arrays deep': () => `{"reason": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      'a target 6000 objects deep': () => `{"targets": [${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}]}`,
      'a calendar 6000 objects deep': () => `{"calendar": ${'{"x":'.repeat(6000)}1${'}'.repeat(6000)}}`,
      'a body 40 levels deep': () => `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`,
      '65 KB of text': () => 'x'.repeat(65 * 1024),
      '300 KB of text': () => 'x'.repeat(300 * 1024),
    };
    const raw = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.jsonValue().map((value) => JSON.stringify(value).slice(0, -1)),
      fc.constantFrom(
        '{"__proto__": {"isAdmin": true}, "id": "x", "name": "y"}',
        '{"id": "x", "constructor": {"prototype": {"polluted": 1}}}',
        '{"reason": "x", "__proto__": null}',
        '{"targets": [{"__proto__": {"priority": "high"}}]}',
        '{',
        '{"a":1}{"b":2}',
        '\u0000',
        '\ufeff{}',
        'null',
        '[]',
        '1e999',
        '',
        ' ',
      ),
      fc.constantFrom(...Object.keys(BIG)).map((name) => `BIG:${name}`),
    );
    const contentType = fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=latin1',
      'multipart/form-data; boundary=x',
      'application/problem+json',
      '',
      ';',
      'application/json; charset=',
      'application/json; charset="utf-8"',
      'application/json; charset=utf-16le',
      'APPLICATION/JSON',
      'application/json ; charset=utf-8',
      'application/jsonx',
      'application/json;;;',
      'application/json, text/plain',
      'application/*',
      '*/*',
    );
    const arbitrary = fc.constantFrom(...ROUTES.filter((route) => route.method !== 'GET')).chain((route) =>
      fc.record({
        route: fc.constant(route),
        well: wellFormed(route),
        raw,
        contentType,
        key: fc.option(fc.constantFrom('raw-1', 'raw-2')),
      }),
    );
    await assertProperty(arbitrary, RUNS.raw, async ({ route, well, raw, contentType, key }) => {
      const rawBody = raw.startsWith('BIG:') ? BIG[raw.slice(4)]() : raw;
      const headers: Record<string, string> = { 'content-type': contentType };
      // The envelope hashes the body for an Idempotency-Key: that must not be where a hostile body breaks either.
      if (key) headers['idempotency-key'] = key;
      await send({ route, url: well.url, authorization: `Bearer ${token(well.as.role, well.as.sub)}`, rawBody, headers });
    });
  });

  it(`well-formed requests in any order, with Idempotency-Keys reused across routes and bodies, are answered consistently (${RUNS.wellFormed} runs)`, async () => {
    const canonical = (value: unknown): string =>
      Array.isArray(value)
        ? `[${value.map(canonical).join(',')}]`
        : value !== null && typeof value === 'object'
          ? `{${Object.keys(value)
              .sort()
              .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
              .join(',')}}`
          : (JSON.stringify(value) ?? 'null');
    /** The stream a command's key is recorded in (README: a key is checked within the stream its command targets). */
    const streamOf = (route: Route, url: string, body: Record<string, unknown> | undefined, scope: string) => {
      if (route.path.includes('/impacts')) return 'impact-graph';
      const path = /^\/(requests|departments)\/([^/?]+)\//.exec(url);
      if (path) return `${path[1]}-${path[2]}`;
      if (route.path === '/requests' && body?.id === undefined) return `request-of-key-${scope}`;
      return `${route.path}-${String(body?.id)}`;
    };
    // What each key was first accepted for, by subject and stream.
    const firstAccepted = new Map<string, { fingerprint: string; answer: HttpAnswer }>();
    const arbitrary = fc.constantFrom(...ROUTES.filter((route) => route.command)).chain((route) =>
      fc.record({
        route: fc.constant(route),
        well: wellFormed(route),
        key: fc.option(fc.oneof(fc.constantFrom('k1', 'k2', 'k3'), freshId), { freq: 4 }),
        retry: fc.boolean(),
      }),
    );
    await assertProperty(arbitrary, RUNS.wellFormed, async ({ route, well, key, retry }) => {
      const headers: Record<string, string> = key ? { 'idempotency-key': key } : {};
      const sent: Sent = { route, url: well.url, authorization: `Bearer ${token(well.as.role, well.as.sub)}`, body: well.body, headers };
      const scope = `${well.as.sub}\u0000${key}`;
      const slot = key ? `${scope}\u0000${streamOf(route, well.url, well.body, scope)}` : undefined;
      const fingerprint = `${route.method} ${well.url} ${canonical(well.body ?? {})}`;
      const earlier = slot ? firstAccepted.get(slot) : undefined;
      // Same key, same command: the first answer again. Same key, another command on the same stream: a 409.
      const expected: Expected = earlier ? (earlier.fingerprint === fingerprint ? { status: earlier.answer.status } : { status: 409 }) : {};
      const first = await send(sent, expected);
      if (earlier?.fingerprint === fingerprint) expect(first.body).toEqual(earlier.answer.body);
      if (slot && !earlier && first.status < 300) firstAccepted.set(slot, { fingerprint, answer: first });
      if (!key || !retry) return;
      const again = await send(sent);
      if (first.status < 300) {
        expect(again.status).toBe(first.status);
        expect(again.body).toEqual(first.body);
      }
    });
  });

  it(`other methods, and paths bent out of shape, are problems too (${RUNS.methods} runs)`, async () => {
    const bend = fc.constantFrom(
      (path: string) => path,
      (path: string) => `${path}/`,
      (path: string) => path.replace(/\//g, '//'),
      (path: string) => path.toUpperCase(),
      (path: string) => `${path}/extra`,
      (path: string) => `/.${path}`,
      (path: string) => `${path}?`,
      (path: string) => `${path}#fragment`,
      (path: string) => `${path};x=1`,
    );
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
    const arbitrary = fc
      .constantFrom(...ROUTES)
      .chain((route) => fc.record({ route: fc.constant(route), well: wellFormed(route), bend, method }));
    await assertProperty(arbitrary, RUNS.methods, async ({ route, well, bend, method }) => {
      const url = bend(well.url);
      const bent = { ...route, method: method as Method, command: route.command && method === route.method };
      const before = await desk.store.headPosition();
      if (method === 'HEAD' || method === 'PATCH') {
        // desk.call types its methods; inject takes any.
        tried++;
        const answer = await desk.app
          .getHttpAdapter()
          .getInstance()
          .inject({
            method,
            url,
            headers: { authorization: `Bearer ${token(well.as.role, well.as.sub)}`, 'content-type': 'application/json' },
            payload: method === 'PATCH' ? JSON.stringify(well.body ?? {}) : undefined,
          });
        expect(answer.statusCode).toBeLessThan(500);
        if (answer.statusCode >= 400) expect(String(answer.headers['content-type'])).toMatch(/^application\/problem\+json/);
        expect(await desk.store.headPosition()).toBe(before);
        return;
      }
      await send({
        route: bent,
        url,
        authorization: `Bearer ${token(well.as.role, well.as.sub)}`,
        body: method === 'GET' ? undefined : well.body,
      });
    });
  });

  it(`hostile ids in paths name nothing (${RUNS.ids} runs)`, async () => {
    const hostileId = fc.oneof(
      fc.string({ maxLength: 20 }).map(encodeURIComponent),
      fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
      fc.string({ unit: 'binary', maxLength: 10 }).map(encodeURIComponent),
      fc.nat({ max: 4000 }).map((n) => 'x'.repeat(129 + n)),
      fc.constantFrom(
        '..',
        '%2e%2e',
        '.',
        '%00',
        'a%00b',
        '%2F',
        '..%2F..%2Fetc%2Fpasswd',
        '%zz',
        '%',
        'a%2',
        '%C0%AF',
        '%ED%A0%80',
        '%F0%9F%98%80',
        '-x',
        ' x',
      ),
    );
    const withIds = ROUTES.filter((route) => /\{/.test(route.path));
    const arbitrary = fc
      .constantFrom(...withIds)
      .chain((route) =>
        fc
          .tuple(fc.constantFrom(...[...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1])), hostileId)
          .chain(([slot, id]) =>
            fc.record({ route: fc.constant(route), well: wellFormed(route), url: fill(route, { [slot]: id }), id: fc.constant(id) }),
          ),
      );
    const known = new Set([...REQUESTS, ...DEPARTMENTS, ...CUSTOMERS, ...PROJECTIONS]);
    await assertProperty(arbitrary, RUNS.ids, async ({ route, well, url, id }) => {
      let decoded: string | undefined;
      try {
        decoded = decodeURIComponent(id);
      } catch {
        decoded = undefined;
      }
      await send(
        { route, url, authorization: `Bearer ${token(well.as.role, well.as.sub)}`, body: well.body },
        { refused: decoded === undefined || !known.has(decoded) },
      );
    });
  });

  it(`arbitrary query strings are refused with a problem or answered (${RUNS.queries} runs)`, async () => {
    const KNOWN = [
      'status',
      'priority',
      'limit',
      'cursor',
      'asOf',
      'minPosition',
      'waitMs',
      'from',
      'to',
      'after',
      'types',
      'streamPrefix',
      'assigneeId',
      'audience',
      'effectivePriority',
      'departmentId',
    ];
    const value = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom(
        ...OPEN_STATUSES,
        'new,on_hold',
        'new,bogus',
        ...PRIORITIES,
        'high,low',
        'none',
        'it',
        '0',
        '1',
        '-1',
        '2.5',
        '1e3',
        '99999999999999999999',
        '200',
        '201',
        '',
        '2026-03-02',
        '2026-03-02T09:00:00Z',
        '2026-02-30',
        '2026-13-01',
        '9999-12-31',
        '0000-01-01',
        'RequestOpened',
        'RequestOpened,Nope',
        'request-',
        'eyJ4IjoxfQ',
        Buffer.from(JSON.stringify([0, '2026-03-02T09:00:00.000Z', 'phones'])).toString('base64url'),
        'x'.repeat(600),
      ),
      fc.integer({ min: -5, max: 40 }).map(String),
      // Positions of up to 20 digits, as the parameters allow: most beyond the log, many beyond 64 bits.
      fc.bigInt({ min: 0n, max: 10n ** 20n - 1n }).map(String),
      // Cursors: base64url of any JSON, and of cursor-shaped arrays with hostile members.
      fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
      fc
        .tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 }))
        .map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
      fc.base64String({ maxLength: 40 }),
    );
    // Mostly the route's own parameters, then the other routes', then any name at all.
    const param = (route: Route) =>
      fc.tuple(
        fc.oneof(
          { weight: route.query?.length ? 6 : 0, arbitrary: fc.constantFrom(...(route.query?.length ? route.query : KNOWN)) },
          { weight: 2, arbitrary: fc.constantFrom(...KNOWN) },
          { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
        ),
        value,
      );
    const routes = ROUTES.filter((route) => route.method === 'GET');
    const arbitrary = fc
      .constantFrom(...routes)
      .chain((route) =>
        fc.record({ route: fc.constant(route), well: wellFormed(route), params: fc.array(param(route), { minLength: 1, maxLength: 4 }) }),
      );
    await assertProperty(arbitrary, RUNS.queries, async ({ route, well, params }) => {
      // Read-your-writes waits kept short: every position up to the head is reached already (see above).
      const shaped = params.map(([key, v]) => [key, key === 'waitMs' && /^\d{3,}$/.test(v) ? v.slice(0, 2) : v] as const);
      if (shaped.some(([key]) => key === 'minPosition') && !shaped.some(([key]) => key === 'waitMs')) shaped.push(['waitMs', '20']);
      const qs = shaped.map(([key, v]) => `${encodeURIComponent(key)}=${encodeURIComponent(v)}`).join('&');
      const unknown = route.query ? [...new Set(shaped.map(([key]) => key).filter((key) => !route.query!.includes(key)))] : [];
      await send(
        { route, url: `${well.url}?${qs}`, authorization: `Bearer ${token(well.as.role, well.as.sub)}` },
        unknown.length > 0 ? { status: 400, fields: unknown } : {},
      );
    });
  });

  it(`hostile headers are refused by name or ignored (${RUNS.headers} runs)`, async () => {
    const visible = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 40,
    });
    const headerText = fc.oneof(
      visible,
      fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
      fc.constantFrom(
        '',
        ' ',
        'x'.repeat(201),
        'x'.repeat(129),
        '"0"',
        '"1"',
        'W/"1"',
        '*',
        '"-1"',
        '"99999999999999999999"',
        '1',
        'soon',
        '1e3',
        '12345678901234567890',
      ),
    );
    const header = fc.constantFrom(
      'if-match',
      'idempotency-key',
      'x-min-position',
      'x-correlation-id',
      'content-type',
      'accept',
      'content-encoding',
      'accept-version',
      'x-forwarded-for',
      'x-forwarded-proto',
    );
    const arbitrary = fc.constantFrom(...ROUTES).chain((route) =>
      fc.record({
        route: fc.constant(route),
        well: wellFormed(route),
        headers: fc.array(fc.tuple(header, headerText), { minLength: 1, maxLength: 3 }),
      }),
    );
    await assertProperty(arbitrary, RUNS.headers, async ({ route, well, headers }) => {
      const sentHeaders = Object.fromEntries(headers);
      // X-Min-Position waits as long as the query's waitMs: kept short.
      const url = route.query?.includes('waitMs') ? `${well.url}?waitMs=20` : well.url;
      const expected: Expected = {};
      // A command names a bad Idempotency-Key or X-Correlation-Id (when its body was read at all, i.e. the content type is JSON).
      if (route.command && sentHeaders['content-type'] === undefined) {
        const key = sentHeaders['idempotency-key'];
        const correlation = sentHeaders['x-correlation-id'];
        const bad: string[] = [];
        if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) bad.push('Idempotency-Key');
        if (correlation !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(correlation)) bad.push('X-Correlation-Id');
        const ifMatch = sentHeaders['if-match'];
        if (ifMatch !== undefined && ifMatch.trim() !== '*' && !/^\s*(?:W\/)?"?(\d{1,19})"?\s*$/.test(ifMatch)) bad.push('If-Match');
        if (bad.length === 1) expected.fields = bad;
      }
      await send(
        { route, url, authorization: `Bearer ${token(well.as.role, well.as.sub)}`, body: well.body, headers: sentHeaders },
        expected,
      );
    });
  });

  it(`every kind of bad token is a 401, a role not allowed a 403 (${RUNS.tokens} runs)`, async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (payload: object, secret = TEST_SECRET, options: jwt.SignOptions = {}) =>
      jwt.sign(payload, secret, { algorithm: 'HS256', ...options });
    const badToken: fc.Arbitrary<{ how: string; authorization?: string }> = fc.oneof(
      fc.constant({ how: 'missing' }),
      fc.string({ maxLength: 40 }).map((garbage) => ({ how: 'garbage', authorization: `Bearer ${garbage}` })),
      fc
        .constantFrom('Basic YWxpY2U6cw==', 'Bearer', 'Bearer ', 'bearer  a b', 'Token abc', 'Bearer a.b.c', 'Bearer ...')
        .map((authorization) => ({ how: 'malformed', authorization })),
      fc.constantFrom(...ROLES).map((role) => ({
        how: 'wrong signature',
        authorization: `Bearer ${sign({ role, sub: 'x' }, 'another-secret-that-is-long-enough-for-hs256')}`,
      })),
      fc.constantFrom(...ROLES).map((role) => ({ how: 'expired', authorization: `Bearer ${sign({ role, sub: 'x', exp: now - 120 })}` })),
      fc
        .constantFrom(...ROLES)
        .map((role) => ({ how: 'not yet valid', authorization: `Bearer ${sign({ role, sub: 'x', nbf: now + 3600 })}` })),
      fc
        .oneof(
          fc.string({ maxLength: 10 }).filter((r) => !(ROLES as string[]).includes(r)),
          fc.constantFrom<unknown>(null, 1, ['manager'], { role: 'manager' }, 'Manager', 'system', 'admin'),
        )
        .map((role) => ({ how: 'unknown role', authorization: `Bearer ${sign({ role, sub: 'x' })}` })),
      fc
        .constantFrom(...ROLES)
        .map((role) => ({ how: 'alg none', authorization: `Bearer ${jwt.sign({ role, sub: 'x' }, '', { algorithm: 'none' })}` })),
      fc
        .constantFrom(...ROLES)
        .map((role) => ({ how: 'HS512', authorization: `Bearer ${sign({ role, sub: 'x' }, TEST_SECRET, { algorithm: 'HS512' })}` })),
      fc.constantFrom(...ROLES).chain((role) =>
        fc.constantFrom('\u0000', 'anna\u0000', 'a\nlevel=error', '\u007f', 'x'.repeat(201), '\ud800', 'anna\udfff').map((sub) => ({
          how: 'a subject no event can carry',
          authorization: `Bearer ${sign({ role, sub })}`,
        })),
      ),
      fc.constantFrom<unknown>(undefined, '', 7, { id: 'x' }).map((sub) => ({
        how: 'no subject',
        authorization: `Bearer ${sign(sub === undefined ? { role: 'manager' } : { role: 'manager', sub })}`,
      })),
      fc.constantFrom(...ROLES).map((role) => {
        const [header, , signature] = token(role).split('.');
        const forged = Buffer.from(JSON.stringify({ role: 'operator', sub: 'x', exp: now + 3600 })).toString('base64url');
        return { how: 'tampered payload', authorization: `Bearer ${header}.${forged}.${signature}` };
      }),
    );
    // The scheme is case-insensitive and the header's whitespace is not part of it: one token, one caller.
    const bearerSpelling = fc.constantFrom(
      (jwt: string) => `Bearer ${jwt}`,
      (jwt: string) => `bearer ${jwt}`,
      (jwt: string) => `BEARER ${jwt}`,
      (jwt: string) => `Bearer   ${jwt}`,
      (jwt: string) => `Bearer\t${jwt}`,
      (jwt: string) => ` Bearer ${jwt} `,
    );
    const anyRole = fc
      .constantFrom(...ROLES)
      .chain((role): fc.Arbitrary<{ role: Role; sub: string }> =>
        role === 'requester'
          ? fc.constantFrom('anna', 'bob', 'nobody', 'é'.repeat(200), '\u202eanna', 'anna\u200b').map((sub) => ({ role, sub }))
          : fc.constant({ role, sub: `${role}-1` }),
      );
    const arbitrary = fc.constantFrom(...ROUTES).chain((route) =>
      fc.record({
        route: fc.constant(route),
        well: wellFormed(route),
        bad: fc.option(badToken, { freq: 2 }),
        actor: anyRole,
        spelling: bearerSpelling,
      }),
    );
    await assertProperty(arbitrary, RUNS.tokens, async ({ route, well, bad, actor, spelling }) => {
      if (bad) {
        await send({ route, url: well.url, authorization: bad.authorization, body: well.body }, { status: 401 });
        return;
      }
      const permitted = route.roles === 'any' || route.roles.includes(actor.role);
      // A requester acting on someone else's request: as if it did not exist when reading it, and never done.
      const request = /^\/requests\/([^/?]+)/.exec(well.url)?.[1];
      const foreign = actor.role === 'requester' && request !== undefined && OWNERS[request] !== undefined && OWNERS[request] !== actor.sub;
      const customer = /^\/customers\/([^/?]+)/.exec(well.url)?.[1];
      const expected: Expected = displaySpoofing(actor.sub, 'name')
        ? { status: 401 }
        : !permitted
          ? { status: 403 }
          : foreign
            ? { status: route.method === 'GET' ? 404 : [403, 404] }
            : actor.role === 'requester' && customer !== undefined && customer !== actor.sub
              ? { status: 403 }
              : {};
      await send({ route, url: well.url, authorization: spelling(token(actor.role, actor.sub)), body: well.body }, expected);
    });
  });

  it(`a time parameter naming a day its month does not have is a 400 naming it, not the next month (${RUNS.dates} runs)`, async () => {
    const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
    const impossible = fc
      .record({ year: fc.integer({ min: 2000, max: 2030 }), month: fc.constantFrom(2, 4, 6, 9, 11), day: fc.integer({ min: 29, max: 31 }) })
      .filter(({ year, month, day }) => day > daysIn(year, month))
      .chain(({ year, month, day }) =>
        fc.constantFrom('', 'T10:00', 'T10:00:00Z', 'T23:59:59.5+02:00').map((time) => `${year}-${pad(month)}-${pad(day)}${time}`),
      );
    const PLACES: { route: Route; url: string; param: string; as: Role; inBody?: boolean }[] = [
      { route: ROUTES.find((r) => r.path === '/requests/{request}')!, url: '/requests/phones', param: 'asOf', as: 'agent' },
      { route: ROUTES.find((r) => r.path === '/requests/{request}/history')!, url: '/requests/phones/history', param: 'asOf', as: 'agent' },
      { route: ROUTES.find((r) => r.path === '/queues/{department}')!, url: '/queues/it', param: 'asOf', as: 'agent' },
      {
        route: ROUTES.find((r) => r.path === '/departments/{department}/workload')!,
        url: '/departments/it/workload',
        param: 'asOf',
        as: 'manager',
      },
      { route: ROUTES.find((r) => r.path === '/workloads')!, url: '/workloads', param: 'asOf', as: 'manager' },
      { route: ROUTES.find((r) => r.path === '/impact/requests/{request}')!, url: '/impact/requests/phones', param: 'asOf', as: 'agent' },
      { route: ROUTES.find((r) => r.path === '/impact/blockers')!, url: '/impact/blockers', param: 'asOf', as: 'agent' },
      { route: ROUTES.find((r) => r.path === '/events')!, url: '/events', param: 'from', as: 'analyst' },
      { route: ROUTES.find((r) => r.path === '/events')!, url: '/events', param: 'to', as: 'analyst' },
      {
        route: ROUTES.find((r) => r.path === '/analytics/sla-what-if')!,
        url: '/analytics/sla-what-if',
        param: 'from',
        as: 'analyst',
        inBody: true,
      },
      {
        route: ROUTES.find((r) => r.path === '/analytics/sla-what-if')!,
        url: '/analytics/sla-what-if',
        param: 'to',
        as: 'analyst',
        inBody: true,
      },
    ];
    const arbitrary = fc.record({ place: fc.constantFrom(...PLACES), date: impossible });
    await assertProperty(arbitrary, RUNS.dates, async ({ place, date }) => {
      const standard = { targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 480 }] };
      // The other end of the range is valid and on the right side of the impossible date.
      const body = place.inBody
        ? { ...standard, departmentId: 'it', from: '1999-01-01', to: '2031-01-01', [place.param]: date }
        : undefined;
      const url = place.inBody ? place.url : `${place.url}?${place.param}=${encodeURIComponent(date)}`;
      await send(
        { route: place.route, url, authorization: `Bearer ${token(place.as)}`, body },
        { status: 400, fields: [place.param], only: true },
      );
    });
  });

  describe('what the properties found, as plain cases', () => {
    const as = (role: Role, sub?: string) => ({ authorization: `Bearer ${token(role, sub)}` });
    const route = (method: Method, path: string) => ROUTES.find((candidate) => candidate.method === method && candidate.path === path)!;
    const named = (answer: HttpAnswer) => answer.body.errors.map((error: { field: string }) => error.field);

    it('a URL the router cannot decode, or a path parameter over its length limit, is a problem document', async () => {
      const customer = route('GET', '/customers/{customer}');
      const badEncoding = await send({ route: customer, url: '/customers/%ED%A0%80', ...as('manager') }, { status: 400 });
      expect(badEncoding.body.detail).toMatch(/not a valid url/);
      await send({ route: customer, url: '/customers/a%zz', ...as('manager') }, { status: 400 });
      const long = await send(
        { route: route('GET', '/requests/{request}'), url: `/requests/${'x'.repeat(3000)}`, ...as('agent') },
        { status: 414 },
      );
      expect(long.body.title).toBe('URI too long');
    });

    it('an unknown field that is all digits is named as sent, not as an array index', async () => {
      const answer = await send(
        { route: route('POST', '/departments'), url: '/departments', ...as('manager'), body: { id: 'digits', name: 'D', 6: true } },
        { status: 400, fields: ['6'], only: true },
      );
      expect(named(answer)).toEqual(['6']);
      const query = await send({ route: route('GET', '/impact/blockers'), url: '/impact/blockers?3=x', ...as('agent') }, { status: 400 });
      expect(named(query)).toEqual(['3']);
    });

    it('unknown fields named like members of every object (constructor, toString…) are refused, at any depth, not dropped', async () => {
      const department = route('POST', '/departments');
      for (const key of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
        const answer = await send(
          {
            route: department,
            url: '/departments',
            ...as('manager'),
            rawBody: `{"id": "member-${key.toLowerCase()}", "name": "M", "${key}": 1}`,
          },
          { status: 400, fields: [key], only: true },
        );
        expect(answer.body.errors).toContainEqual({ field: key, message: `${key} is not a known field` });
      }
      await send(
        {
          route: route('PUT', '/departments/{department}/service-standard'),
          url: '/departments/it/service-standard',
          ...as('manager'),
          body: { targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 5, resolutionMinutes: 50, toString: 'x' }] },
        },
        { status: 400, fields: ['targets[0].toString'], only: true },
      );
      await send(
        { route: route('GET', '/queues/{department}'), url: '/queues/it?constructor=1', ...as('agent') },
        { status: 400, fields: ['constructor'] },
      );
    });

    it('a prototype-polluting key is refused by name, not as JSON that is not valid', async () => {
      const answer = await send(
        {
          route: route('POST', '/departments'),
          url: '/departments',
          ...as('manager'),
          rawBody: '{"id": "proto", "name": "P", "__proto__": {"admin": true}}',
        },
        { status: 400, fields: ['__proto__'], only: true },
      );
      expect(answer.body.detail).toMatch(/prototype/);
      await send(
        {
          route: route('POST', '/requests/{request}/escalate'),
          url: '/requests/laptop/escalate',
          ...as('agent'),
          rawBody: '{"reason": {"constructor": {"prototype": {}}}}',
        },
        { status: 400, fields: ['reason.constructor'], only: true },
      );
      const malformed = await send(
        { route: route('POST', '/departments'), url: '/departments', ...as('manager'), rawBody: '{"id": ' },
        { status: 400 },
      );
      expect(malformed.body.detail).toMatch(/not valid JSON/);
    });

    it('a body nested thousands of levels deep is a 400, not a stack overflow (500)', async () => {
      const deep = `{"reason": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`;
      const answer = await send(
        {
          route: route('POST', '/requests/{request}/cancel'),
          url: '/requests/laptop/cancel',
          ...as('agent'),
          rawBody: deep,
          headers: { 'idempotency-key': 'deep-1' },
        },
        { status: 400, fields: ['reason'], only: true },
      );
      expect(answer.body.detail).toMatch(/nested more than 32 levels/);
      await send(
        {
          route: route('PUT', '/departments/{department}/service-standard'),
          url: '/departments/it/service-standard',
          ...as('manager'),
          rawBody: `{"targets": [${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}]}`,
        },
        { status: 400, fields: ['targets'], only: true },
      );
    });

    it('a date past the end of its month (2026-02-30) is a 400 naming the parameter, not 2 March', async () => {
      const asOf = await send(
        { route: route('GET', '/queues/{department}'), url: '/queues/it?asOf=2026-02-30', ...as('agent') },
        { status: 400, fields: ['asOf'], only: true },
      );
      expect(asOf.body.detail).toMatch(/asOf/);
      await send(
        { route: route('GET', '/requests/{request}'), url: '/requests/phones?asOf=2026-04-31T10:00Z', ...as('agent') },
        { status: 400, fields: ['asOf'] },
      );
      await send({ route: route('GET', '/events'), url: '/events?from=2026-02-29', ...as('analyst') }, { status: 400, fields: ['from'] });
      await send({ route: route('GET', '/events'), url: '/events?from=2028-02-29', ...as('analyst') }, { status: 200 });
      await send(
        {
          route: route('POST', '/analytics/sla-what-if'),
          url: '/analytics/sla-what-if',
          ...as('analyst'),
          body: {
            departmentId: 'it',
            from: '2026-01-01',
            to: '2026-06-31',
            targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 480 }],
          },
        },
        { status: 400, fields: ['to'], only: true },
      );
    });

    it('an export after a position beyond the log (even beyond 64 bits) is empty, not a store failure', async () => {
      const events = route('GET', '/events');
      for (const after of ['9223372036854775807', '9223372036854775808', '99999999999999999999']) {
        const answer = await send({ route: events, url: `/events?after=${after}`, ...as('analyst') }, { status: 200 });
        expect(answer.raw).toBe('');
      }
      const all = await send({ route: events, url: '/events?after=0&limit=2', ...as('analyst') }, { status: 200 });
      expect(all.raw.trim().split('\n')).toHaveLength(2);
    });

    it("a problem names the answer's correlation id, not an invalid X-Correlation-Id echoed back", async () => {
      const answer = await send(
        {
          route: route('POST', '/departments'),
          url: '/departments',
          ...as('manager'),
          rawBody: 'id=x',
          headers: { 'content-type': 'text/plain', 'x-correlation-id': '!&#.' },
        },
        { status: 415 },
      );
      expect(answer.body.correlationId).toBe(answer.headers['x-correlation-id']);
      expect(answer.body.correlationId).not.toBe('!&#.');
      const valid = await send(
        { route: route('GET', '/requests/{request}'), url: '/requests/nope', ...as('agent'), headers: { 'x-correlation-id': 'trace-7' } },
        { status: 404 },
      );
      expect(valid.body.correlationId).toBe('trace-7');
      const badUrl = await send(
        { route: route('GET', '/customers/{customer}'), url: '/customers/%zz', ...as('agent'), headers: { 'x-correlation-id': 'trace-8' } },
        { status: 400 },
      );
      expect([badUrl.body.correlationId, badUrl.headers['x-correlation-id']]).toEqual(['trace-8', 'trace-8']);
    });
  });
});
