import { openRequest, seedOrganisation } from '../api/support/org';
import { TestDesk, agent } from '../api/support/test-desk';

/**
 * Regression (issue 17, item 16): a body whose Content-Type named another charset (latin1, UTF-16) was decoded as
 * UTF-8 all the same, and a key given twice in one object was read as its last value (JSON.parse's choice; a proxy
 * or a signature before the desk may read the first). Both are refused now, and nothing is appended.
 */
describe('JSON bodies', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start();
    await seedOrganisation(desk);
    await openRequest(desk, 'strict');
  });
  afterAll(async () => {
    await desk.stop();
  });

  const comment = (rawBody: string, contentType = 'application/json') =>
    desk.call('POST', '/requests/strict/comments', { as: agent(), rawBody, headers: { 'content-type': contentType } });

  it.each([
    'application/json; charset=latin1',
    'application/json; charset="ISO-8859-1"',
    'application/json;charset=utf-16',
    'application/json; charset=""',
  ])('refuses %s with a 415 problem naming the charset', async (contentType) => {
    const before = await desk.eventCount();
    const answer = await comment('{"body":"caf\u00e9","visibility":"public"}', contentType);
    expect([answer.status, answer.body.title]).toEqual([415, 'Unsupported media type']);
    expect(answer.body.detail).toMatch(/^a JSON body is read as UTF-8 only \(RFC 8259\); Content-Type names charset=/);
    expect(await desk.eventCount()).toBe(before);
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json;charset=utf8'])(
    'reads %s as UTF-8',
    async (contentType) => {
      expect((await comment('{"body":"caf\u00e9","visibility":"public"}', contentType)).status).toBe(201);
    },
  );

  it.each([
    ['{"body":"hello","visibility":"internal","visibility":"public"}', 'visibility'],
    ['{"body":"hello","\\u0062ody":"other","visibility":"public"}', 'body'],
  ])('refuses %s with a 400 naming the key given twice', async (rawBody, field) => {
    const before = await desk.eventCount();
    const answer = await comment(rawBody);
    expect([answer.status, answer.body.errors]).toEqual([400, [{ field, message: 'is given more than once' }]]);
    expect(await desk.eventCount()).toBe(before);
  });

  it('names the path of a key given twice deep in the body', async () => {
    const target = '{"priority":"high","audience":"internal","firstResponseMinutes":30,"resolutionMinutes":480}';
    const twice = '{"priority":"high","audience":"internal","audience":"external","firstResponseMinutes":30,"resolutionMinutes":480}';
    const answer = await desk.call('PUT', '/departments/it/service-standard', {
      rawBody: `{"targets":[${target},${twice}]}`,
      headers: { 'content-type': 'application/json' },
    });
    expect([answer.status, answer.body.errors]).toEqual([400, [{ field: 'targets[1].audience', message: 'is given more than once' }]]);
  });

  it('takes the same key in different objects, and keys that only look alike inside strings', async () => {
    const target = (priority: string) =>
      `{"priority":"${priority}","audience":"internal","firstResponseMinutes":30,"resolutionMinutes":480}`;
    await desk.expect(200, 'PUT', '/departments/it/service-standard', {
      rawBody: `{"targets":[${target('high')},${target('medium')}]}`,
      headers: { 'content-type': 'application/json' },
    });
    expect((await comment('{"body":"\\"body\\":1, \\"body\\":2 {[,","visibility":"public"}')).status).toBe(201);
  });
});
