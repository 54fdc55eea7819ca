import { openRequest, seedOrganisation } from './support/org';
import { TestDesk, agent, analyst, manager, operator, requester } from './support/test-desk';

/**
 * A seeded sweep of random bodies, ids, query strings, headers and roles over
 * every route: whatever a client sends, the answer is never a server error.
 * (Reproducible: the same seed sends the same requests.)
 */
const ROUTES: ['GET' | 'POST' | 'PUT' | 'DELETE', string][] = [
  ['POST', '/departments'],
  ['PUT', '/departments/{department}/service-standard'],
  ['GET', '/departments/{department}'],
  ['POST', '/customers'],
  ['GET', '/customers/{customer}'],
  ['POST', '/requests'],
  ...[
    'assign',
    'start',
    'resume',
    'close',
    'hold',
    'comments',
    'transfer',
    'escalate',
    'priority',
    'resolve',
    'reopen',
    'cancel',
    'satisfaction',
    'impacts',
    'compensation',
  ].map((action) => ['POST', `/requests/{request}/${action}`] as ['POST', string]),
  ['DELETE', '/requests/{request}/impacts/{request}'],
  ['GET', '/requests/{request}'],
  ['GET', '/requests/{request}/history'],
  ['GET', '/queues/{department}'],
  ['GET', '/departments/{department}/workload'],
  ['GET', '/workloads'],
  ['GET', '/impact/requests/{request}'],
  ['GET', '/impact/blockers'],
  ['GET', '/admin/projections'],
  ['POST', '/admin/projections/{projection}/retry'],
  ['GET', '/metrics'],
  ['GET', '/events'],
  ['POST', '/analytics/sla-what-if'],
  ['GET', '/health/ready'],
];

const QUERIES = [
  '',
  '',
  '?asOf=2026-03-02T09:00:00Z',
  '?asOf=x',
  '?x=1',
  '?asOf=9999-12-31',
  '?status=new,bogus',
  '?status=new,on_hold&audience=external',
  '?priority=high&effectivePriority=critical,low',
  '?assigneeId=none',
  '?assigneeId=%00',
  '?limit=0',
  '?limit=99999',
  '?limit=2.5',
  '?limit=2',
  '?cursor=abc',
  `?cursor=${Buffer.from(JSON.stringify([1, 2, 3])).toString('base64url')}`,
  `?cursor=${Buffer.from(JSON.stringify([0, '9999-12-31T23:59:59.999Z', 'a'])).toString('base64url')}`,
  '?minPosition=1',
  '?minPosition=99999999999999999999&waitMs=1',
  '?minPosition=-1',
  '?waitMs=-1',
  '?from=2026-01-01&to=2026-02-01',
  '?from=2026-02-30',
  '?to=1999-01-01',
  '?departmentId=it',
  '?departmentId=..',
  '?status[]=new',
  '?types=RequestOpened,Nope',
  '?types=RequestOpened&streamPrefix=request-&after=3',
  '?from=2026-03-02T09:00:00Z&to=2026-03-02T08:00:00Z',
  '?after=99999999999999999999',
  '?asOf=2026-03-02T09:30:00Z&limit=1',
  '?asOf=2026-03-02T09:30:00Z&minPosition=1',
];

const FIELDS = [
  'id',
  'name',
  'type',
  'kind',
  'departmentId',
  'customerFacing',
  'requesterId',
  'subject',
  'description',
  'priority',
  'impact',
  'urgency',
  'channel',
  'category',
  'agentId',
  'reason',
  'note',
  'blockingRequestId',
  'body',
  'visibility',
  'score',
  'comment',
  'effectRequestId',
  'relation',
  'amount',
  'currency',
  'resolution',
  'targets',
  'calendar',
  'constructor',
  'prototype',
];

const VALUES: unknown[] = [
  'x',
  '',
  'a'.repeat(300),
  0,
  -1,
  1.5,
  1e308,
  null,
  true,
  [],
  {},
  '\u0000',
  '__proto__',
  3,
  5,
  'critical',
  'low',
  'external',
  'internal',
  'blocks',
  'degrades',
  'awaiting_requester',
  'blocked_by_request',
  'EUR',
  'public',
  'employee',
  'individual',
  'anna',
  'bob',
  'it',
  'front-desk',
  'phones',
  'booking',
  '2026-03-02T09:00:00Z',
  [{ priority: 'high', audience: 'internal', firstResponseMinutes: 1, resolutionMinutes: 2 }],
  { timeZone: 'UTC', weeklyHours: [{ day: 'mon', start: '09:00', end: '10:00' }] },
];

function random(seed: number) {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] };
}

it('answers no request with a server error', async () => {
  const desk = await TestDesk.start();
  await seedOrganisation(desk);
  await openRequest(desk, 'phones', { requesterId: 'anna' });
  await openRequest(desk, 'booking', { requesterId: 'bob', departmentId: 'front-desk' });
  const { next, pick } = random(20261124);
  const actors = [agent(), requester('anna'), requester('bob'), manager, operator, analyst];
  const serverErrors: string[] = [];
  for (let i = 0; i < 2500; i++) {
    const [method, template] = pick(ROUTES);
    const url =
      template
        .replace(/\{request\}/g, () => pick(['phones', 'booking', 'nope', '..', '%00', 'a%2Fb', 'x'.repeat(200)]))
        .replace('{department}', () => pick(['it', 'nope', '%20']))
        .replace('{customer}', () => pick(['anna', 'bob', 'nope']))
        .replace('{projection}', () => pick(['request-summaries', 'impact-chain', 'nope', '%2e%2e'])) + pick(QUERIES);
    const body: Record<string, unknown> = {};
    for (let k = Math.floor(next() * 5); k > 0; k--) body[pick(FIELDS)] = pick(VALUES);
    const headers: Record<string, string> = {};
    if (next() < 0.1) headers['if-match'] = pick(['"0"', '"1"', 'W/"2"', '*', '"-1"', '"99999999999999999999"']);
    if (next() < 0.1) headers['idempotency-key'] = pick(['k1', 'k2', ' ']);
    if (next() < 0.05) headers['x-min-position'] = pick(['1', 'soon', '-5', '1e3']);
    if (next() < 0.05) headers['x-correlation-id'] = pick(['trace-1', 'bad id with spaces', 'x'.repeat(300)]);
    const answer = await desk.call(method, url, {
      as: pick(actors),
      body: method === 'GET' || method === 'DELETE' ? undefined : body,
      headers,
    });
    if (answer.status >= 500)
      serverErrors.push(`${method} ${url} ${JSON.stringify(body)} ${JSON.stringify(headers)} → ${answer.status} ${answer.raw}`);
    else expect(answer.status === 204 || answer.body !== undefined).toBe(true);
  }
  await desk.stop();
  expect(serverErrors).toEqual([]);
});
