import createClient from 'openapi-fetch';
import type { paths } from '../../clients/typescript/desk-api';

/** The bearer tokens of the people in the session. */
export interface SessionTokens {
  manager: string;
  agent: string;
  requester: string;
}

/** What the session saw, for its spec to check. */
export interface SessionTranscript {
  requestId: string;
  queueSubjects: string[];
  assigneeId: string | null;
  comments: string[];
  finalStatus: string;
  finalRevision: string;
}

const as = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A command's answer, or an error naming what the desk said: a frontend shows the problem's detail. */
function ok<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw new Error(`${step}: ${result.response.status} ${JSON.stringify(result.error)}`);
  return result.data;
}

/**
 * An agent console and an employee portal, written as a frontend developer would against the typed client
 * (clients/typescript/desk-api.d.ts) and nothing else: `npm run typecheck` compiles it, so a breaking change to
 * the contract (a renamed field, a route gone, a body that changed) breaks the build; the contract spec runs it
 * against a desk. The desk is set up (a department, its standard, an employee, an agent), the employee opens a
 * request, the agent finds it in the queue, assigns it to themselves, answers, and resolves it; the employee reads it.
 */
export async function consoleSession(baseUrl: string, fetch: (request: Request) => Promise<Response>, tokens: SessionTokens) {
  const desk = createClient<paths>({ baseUrl, fetch });

  // The manager sets the desk up.
  ok('register IT', await desk.POST('/departments', { headers: as(tokens.manager), body: { id: 'it', name: 'IT' } }));
  ok(
    'publish its standard',
    await desk.PUT('/departments/{id}/service-standard', {
      headers: as(tokens.manager),
      params: { path: { id: 'it' } },
      body: { targets: [{ priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 480 }] },
    }),
  );
  ok(
    'register the employee',
    await desk.POST('/customers', {
      headers: as(tokens.manager),
      body: { id: 'emp-robin', name: 'Robin', type: 'internal', kind: 'employee', departmentId: 'it', customerFacing: false },
    }),
  );
  ok(
    'register the agent',
    await desk.POST('/agents', { headers: as(tokens.manager), body: { id: 'agent-ann', name: 'Ann', departmentIds: ['it'], tier: 'L1' } }),
  );

  // The employee opens a request in the portal; a retry with the same key lands on the same request.
  const opened = ok(
    'open',
    await desk.POST('/requests', {
      headers: { ...as(tokens.requester), 'Idempotency-Key': 'portal-robin-1' },
      body: { requesterId: 'emp-robin', departmentId: 'it', subject: 'My laptop will not start', urgency: 'high' },
    }),
  );

  // The agent's console lists the queue as of that position, assigns the request to themselves, answers and resolves.
  const queue = ok(
    'queue',
    await desk.GET('/queues/{departmentId}', {
      headers: as(tokens.agent),
      params: { path: { departmentId: 'it' }, query: { minPosition: opened.position, limit: 20 } },
    }),
  );
  const row = queue.items.find((item) => item.requestId === opened.id);
  if (!row) throw new Error(`the queue does not show ${opened.id}`);
  const assigned = ok(
    'assign',
    await desk.POST('/requests/{id}/assign', {
      headers: { ...as(tokens.agent), 'If-Match': `"${opened.revision}"` },
      params: { path: { id: opened.id } },
      body: { agentId: 'agent-ann' },
    }),
  );
  ok(
    'comment',
    await desk.POST('/requests/{id}/comments', {
      headers: as(tokens.agent),
      params: { path: { id: opened.id } },
      body: { body: 'Hold the power button for ten seconds, then try again.', visibility: 'public' },
    }),
  );
  ok(
    'resolve',
    await desk.POST('/requests/{id}/resolve', {
      headers: as(tokens.agent),
      params: { path: { id: opened.id } },
      body: { resolution: 'A hard reset brought it back.' },
    }),
  );
  const seenByAgent = ok('read', await desk.GET('/requests/{id}', { headers: as(tokens.agent), params: { path: { id: opened.id } } }));
  if (!('revision' in seenByAgent)) throw new Error('an agent was shown the requester view');

  // The employee reads their request in the portal: the answer and the resolution.
  const seenByRequester = ok(
    'read mine',
    await desk.GET('/requests/{id}', { headers: as(tokens.requester), params: { path: { id: opened.id } } }),
  );

  return {
    requestId: opened.id,
    queueSubjects: queue.items.map((item) => item.subject),
    assigneeId: 'assigneeId' in seenByAgent ? seenByAgent.assigneeId : null,
    comments: seenByRequester.comments.map((comment) => comment.body),
    finalStatus: seenByRequester.status,
    finalRevision: seenByAgent.revision === assigned.revision ? 'unchanged' : seenByAgent.revision,
  } satisfies SessionTranscript;
}
