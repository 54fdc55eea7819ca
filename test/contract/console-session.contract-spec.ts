import { TestDesk, agent, manager, requester } from '../api/support/test-desk';
import { consoleSession } from './console-session';

/** Hands openapi-fetch's requests to the desk (TestDesk.call: every answer held to the document too). */
function deskFetch(desk: TestDesk) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const body = await request.text();
    const answer = await desk.call(request.method as 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', `${url.pathname}${url.search}`, {
      as: null,
      headers: Object.fromEntries(request.headers),
      ...(body === '' ? {} : { rawBody: body }),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) headers.set(name, String(value));
    return new Response(answer.raw === '' ? null : answer.raw, { status: answer.status, headers });
  };
}

describe('a console session through the typed client', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start();
  });
  afterAll(() => desk.stop());

  it('sets up a desk, opens a request, finds it in the queue, assigns, answers and resolves it, and the requester reads it', async () => {
    const token = (caller: { sub: string; role: Parameters<TestDesk['token']>[1] }) => desk.token(caller.sub, caller.role);
    const transcript = await consoleSession('http://desk.test', deskFetch(desk), {
      manager: token(manager),
      agent: token(agent('agent-ann')),
      requester: token(requester('emp-robin')),
    });
    expect(transcript).toEqual({
      requestId: expect.any(String),
      queueSubjects: ['My laptop will not start'],
      assigneeId: 'agent-ann',
      comments: ['Hold the power button for ten seconds, then try again.'],
      finalStatus: 'resolved',
      finalRevision: expect.stringMatching(/^\d+$/),
    });
  });
});
