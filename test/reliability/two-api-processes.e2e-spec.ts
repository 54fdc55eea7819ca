import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@desk/event-store';
import { ApiChild, CHILD_SECRET } from '../support/api-child';
import { agent, bearer, manager, type Caller } from '../support/callers';
import { readWholeLog } from '../support/shared-event-stores';
import { auditImpactLog, auditRequestStream } from './support/race-audit';

/**
 * Two real API processes on one data folder (the embedded default, run
 * twice): they share the event store and the read-model file, and each runs
 * the projections. Concurrent commands split over both over real HTTP: no
 * 5xx, no comment lost (none is refused), the log folds into legal
 * lifecycles with no cycle of impact links, and both answer queues that
 * agree with the log once they have reached its head.
 */
const SCALE = Number(process.env.RELIABILITY_SCALE ?? 1);
const ROUNDS = 3 * SCALE;
const COMMANDS = 150;

async function call(api: ApiChild, method: string, path: string, as: Caller, body?: unknown) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: bearer(CHILD_SECRET, as), 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, raw: text };
}

describe('two API processes on one embedded data folder', () => {
  let dataDir: string;
  let apis: ApiChild[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-two-apis-'));
    // No SLA watch pass during the run: the log holds only what the load sent.
    const env = { SLA_WATCH_INTERVAL_MS: '3600000' };
    apis = await Promise.all([ApiChild.start(dataDir, env), ApiChild.start(dataDir, env)]);
  }, 40_000);
  afterAll(async () => {
    await Promise.all(apis.map((api) => api.kill()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lose no command, append no illegal transition and agree on their queues', async () => {
    expect((await call(apis[0], 'POST', '/departments', manager, { id: 'it', name: 'IT' })).status).toBe(201);
    const customer = { id: 'carl', name: 'Carl', type: 'internal', kind: 'employee', departmentId: 'it' };
    expect((await call(apis[1], 'POST', '/customers', manager, customer)).status).toBe(201);
    const statuses = new Map<string, number>();
    const ids: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const round_ids = ['a', 'b', 'c'].map((name) => `${name}-${round}`);
      ids.push(...round_ids);
      for (const [n, id] of round_ids.entries()) {
        const body = { id, requesterId: 'carl', departmentId: 'it', subject: `Request ${id}`, priority: 'high' };
        expect((await call(apis[n % 2], 'POST', '/requests', manager, body)).status).toBe(201);
      }
      const answers = await Promise.all(
        Array.from({ length: COMMANDS }, async (_, n) => {
          const api = apis[n % 2];
          const id = round_ids[n % 3];
          const as = agent(`agent-${n % 4}`);
          const kind = ['comment', 'comment', 'assign', 'start', 'hold', 'resume', 'resolve', 'reopen', 'link', 'unlink'][n % 10];
          const sent = (() => {
            switch (kind) {
              case 'comment':
                return call(api, 'POST', `/requests/${id}/comments`, as, { body: `note ${n}`, visibility: 'internal' });
              case 'assign':
                return call(api, 'POST', `/requests/${id}/assign`, as, { agentId: as.sub });
              case 'hold':
                return call(api, 'POST', `/requests/${id}/hold`, as, { reason: 'awaiting_third_party' });
              case 'resolve':
                return call(api, 'POST', `/requests/${id}/resolve`, as, { resolution: 'fixed' });
              case 'reopen':
                return call(api, 'POST', `/requests/${id}/reopen`, as, { reason: 'not fixed' });
              case 'link':
                return call(api, 'POST', `/requests/${id}/impacts`, as, { effectRequestId: round_ids[(n + 1) % 3], relation: 'blocks' });
              case 'unlink':
                return call(api, 'DELETE', `/requests/${id}/impacts/${round_ids[(n + 2) % 3]}`, as);
              default:
                return call(api, 'POST', `/requests/${id}/${kind}`, as);
            }
          })();
          return { kind, answer: await sent };
        }),
      );
      for (const { kind, answer } of answers) {
        statuses.set(`${kind} ${answer.status}`, (statuses.get(`${kind} ${answer.status}`) ?? 0) + 1);
        if (answer.status >= 500) throw new Error(`${kind}: ${answer.status} ${answer.raw}`);
        // A comment is refused by nothing: a lost race is retried, never turned into a 409.
        if (kind === 'comment') expect([kind, answer.status]).toEqual([kind, 201]);
      }
    }

    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      const log = await readWholeLog(store);
      for (const id of ids) auditRequestStream(log.filter((event) => event.streamId === `request-${id}`));
      auditImpactLog(log);
      expect(log.filter((event) => event.type === 'CommentAdded')).toHaveLength((2 * COMMANDS * ROUNDS) / 10);
      const head = log[log.length - 1].position;
      const states = new Map(ids.map((id) => [id, auditRequestStream(log.filter((event) => event.streamId === `request-${id}`))]));
      for (const api of apis) {
        const queue = await call(api, 'GET', `/queues/it?limit=200&minPosition=${head}`, manager);
        expect(queue.status).toBe(200);
        const listed = queue.body.items
          .map((item: { requestId: string; status: string; assigneeId?: string }) => [item.requestId, item.status, item.assigneeId])
          .sort();
        const open = [...states]
          .filter(([, state]) => ['new', 'assigned', 'in_progress', 'on_hold'].includes(state.status))
          .map(([id, state]) => [id, state.status, state.status === 'absent' ? null : state.assigneeId])
          .sort();
        expect(listed).toEqual(open);
      }
    } finally {
      await store.close();
    }
    expect(await Promise.all(apis.map((api) => api.stop()))).toEqual([0, 0]);
    // Not an error nor a warning from either process.
    expect(apis.map((api) => `${api.log()}${api.stderr()}`.trim())).toEqual(['', '']);
  }, 60_000);
});
