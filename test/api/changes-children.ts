import type { ChildProcess } from 'node:child_process';
import { issueToken } from '@desk/application';
import { type ApiChild, CHILD_SECRET } from '../support/api-child';
import { agent, bearer, manager, type Caller } from '../support/callers';
import { collect, spawnApp } from '../support/child-apps';
import { checked } from '../support/openapi-contract';
import { ChangeFollower, type ChangeCheck, type ReceivedChange } from './changes-support';

// What the specs of GET /changes on API processes (ApiChild) share: a small desk, its commands, a console following IT.

/** The agent who works IT, and the console's caller. */
export const AGENT = agent('agent-ann');

/** A command to an API process, its answer held to the document; throws unless it answered `status`. */
export async function send(api: ApiChild, method: string, path: string, body: unknown, as: Caller = AGENT, status = 200) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: bearer(CHILD_SECRET, as), 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await checked(api.contract, method, path, response);
  if (response.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${response.status}: ${text}`);
  return JSON.parse(text) as { position: string; revision: string };
}

export async function seed(api: ApiChild): Promise<void> {
  await send(api, 'POST', '/departments', { id: 'it', name: 'IT' }, manager, 201);
  await send(api, 'POST', '/customers', { id: 'anna', name: 'Anna', type: 'internal', kind: 'employee', departmentId: 'it' }, manager, 201);
  await send(api, 'POST', '/agents', { id: AGENT.sub, name: 'Ann', departmentIds: ['it'], tier: 'L1' }, manager, 201);
}

export const open = (api: ApiChild, id: string) =>
  send(api, 'POST', '/requests', { id, requesterId: 'anna', departmentId: 'it', subject: `Request ${id}`, priority: 'high' }, AGENT, 201);
export const assign = (api: ApiChild, id: string) => send(api, 'POST', `/requests/${id}/assign`, { agentId: AGENT.sub });
export const resolve = (api: ApiChild, id: string) => send(api, 'POST', `/requests/${id}/resolve`, { resolution: 'fixed' });

export function follow(api: ApiChild, check: ChangeCheck): ChangeFollower {
  return new ChangeFollower(`${api.url}/changes?departmentId=it`, issueToken(CHILD_SECRET, AGENT.sub, 'agent'), { check });
}

/** What the follower received, as (id, request, event) in order. */
const seen = (changes: ReceivedChange[]) => changes.map((change) => [change.id, change.requestId, change.eventType]);

/** The ids are the command answers' positions, each once, in log order. */
export function expectEveryChangeOnce(changes: ReceivedChange[], expected: [{ position: string }, string, string][]): void {
  expect(seen(changes)).toEqual(expected.map(([answer, id, type]) => [answer.position, id, type]));
  expect(new Set(changes.map((change) => change.id)).size).toBe(changes.length);
}

/** A projector process beside the query-only API replicas, on the backend's stores. */
export function startProjector(dataDir: string, env: Record<string, string>): { child: ChildProcess; stderr: () => string } {
  const child = spawnApp('projector', { DATA_DIR: dataDir, PROJECTOR_PORT: '0', LOG_LEVEL: 'warn', SLA_WATCH_INTERVAL_MS: '3600000', ...env });
  return { child, stderr: collect(child, 'stderr') };
}
