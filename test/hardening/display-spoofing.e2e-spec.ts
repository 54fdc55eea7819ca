import jwt from 'jsonwebtoken';
import { openRequest, seedOrganisation } from '../api/support/org';
import { TEST_SECRET, TestDesk, agent } from '../api/support/test-desk';

/**
 * Regression (issue 17, item 8): text that displays other than it reads (bidi overrides and isolates, zero-width
 * characters, C1 controls, line separators) was accepted in names, in a token's subject and in prose alike. Names
 * and token subjects now refuse every one of them (joiners that join excepted), prose refuses what reorders or
 * means nothing (bidi controls, C1 controls) and keeps what scripts and emoji need; nothing refused is appended.
 */
const BIDI = 'a bidirectional control that makes text display in another order than it is stored';
const C1 = 'a C1 control character, which no text means';
const INVISIBLE = 'an invisible character, with which two names that look alike would differ';
const LONELY_JOINER = 'a joiner that joins nothing here, with which two names that look alike would differ';
const LINE = 'a line or paragraph separator (a name is one line of visible text)';

describe('text that spoofs its display', () => {
  let desk: TestDesk;
  beforeAll(async () => {
    desk = await TestDesk.start();
    await seedOrganisation(desk);
    await openRequest(desk, 'seen');
  });
  afterAll(async () => {
    await desk.stop();
  });

  const refusal = async (method: 'POST' | 'PATCH', url: string, body: Record<string, unknown>) => {
    const answer = await desk.call(method, url, { body });
    return [answer.status, answer.body.errors];
  };

  it.each([
    ['a right-to-left override', 'IT \u202egnitnuocca', `U+202E, ${BIDI}`],
    ['a left-to-right embedding', '\u202aIT', `U+202A, ${BIDI}`],
    ['a first-strong isolate', 'IT \u2068desk\u2069', `U+2068, ${BIDI}`],
    ['a zero-width space', 'I\u200bT', `U+200B, ${INVISIBLE}`],
    ['a word joiner', 'IT\u2060', `U+2060, ${INVISIBLE}`],
    ['a byte-order mark', '\ufeffIT', `U+FEFF, ${INVISIBLE}`],
    ['a right-to-left mark', 'IT\u200f', `U+200F, ${INVISIBLE}`],
    ['a zero-width joiner between Latin letters', 'I\u200dT', `U+200D, ${LONELY_JOINER}`],
    ['a zero-width non-joiner at the end', 'IT\u200c', `U+200C, ${LONELY_JOINER}`],
    ['a C1 control (next line)', 'IT\u0085desk', `U+0085, ${C1}`],
    ['a C1 control (CSI, a terminal escape)', 'IT\u009b31m', `U+009B, ${C1}`],
    ['a line separator', 'IT\u2028desk', `U+2028, ${LINE}`],
    ['a paragraph separator', 'IT\u2029desk', `U+2029, ${LINE}`],
    ['a tab', 'IT\tdesk', 'U+0009, a control character (a name is one line of visible text)'],
  ])('refuses %s in department, agent and customer names with a 400 naming the field, appending nothing', async (_, name, message) => {
    const before = await desk.eventCount();
    const expected = [400, [{ field: 'name', message: `must not contain ${message}` }]];
    expect(await refusal('POST', '/departments', { id: 'spoofed', name })).toEqual(expected);
    expect(await refusal('POST', '/agents', { id: 'spoofed', name, departmentIds: ['it'], tier: 'L1' })).toEqual(expected);
    expect(await refusal('PATCH', `/agents/${agent().sub}`, { name })).toEqual(expected);
    expect(await refusal('POST', '/customers', { id: 'spoofed', name, type: 'external', kind: 'individual' })).toEqual(expected);
    expect(await desk.eventCount()).toBe(before);
  });

  it('refuses ids holding any of them (ids are letters, digits and . _ : -)', async () => {
    for (const id of ['it\u202e', 'i\u200bt', 'it\u0085', 'it\u2028']) {
      const answer = await desk.call('POST', '/departments', { body: { id, name: 'IT' } });
      expect([answer.status, answer.body.errors[0].field]).toEqual([400, 'id']);
    }
  });

  it('accepts joiners that join in names: emoji sequences, the Persian half-space, an Indic conjunct', async () => {
    await desk.expect(201, 'POST', '/departments', { body: { id: 'devs', name: 'Developers \u{1F469}\u200d\u{1F4BB}' } });
    await desk.expect(201, 'POST', '/departments', { body: { id: 'pride', name: 'Pride \u{1F3F3}\ufe0f\u200d\u{1F308}' } });
    await desk.expect(201, 'POST', '/customers', { body: { id: 'mahdi', name: 'مهدی\u200cزاده', type: 'external', kind: 'individual' } });
    await desk.expect(201, 'POST', '/customers', { body: { id: 'kshitij', name: 'क्\u200dष', type: 'external', kind: 'individual' } });
  });

  it('refuses bidi and C1 controls in prose (subjects, comments) and keeps zero-width characters and line separators there', async () => {
    const before = await desk.eventCount();
    const open = await desk.call('POST', '/requests', {
      as: agent(),
      body: { id: 'spoofed', requesterId: 'anna', departmentId: 'it', subject: 'invoice \u202e4202 fdp.exe', priority: 'high' },
    });
    expect([open.status, open.body.errors]).toEqual([400, [{ field: 'subject', message: `must not contain U+202E, ${BIDI}` }]]);
    for (const [body, character] of [
      ['approved \u2066\u2067ok\u2069\u2069', 'U+2066'],
      ['line\u0085break', 'U+0085'],
    ]) {
      const comment = await desk.call('POST', '/requests/seen/comments', { as: agent(), body: { body, visibility: 'public' } });
      expect([comment.status, comment.body.errors[0].message]).toEqual([400, expect.stringContaining(character)]);
    }
    expect(await desk.eventCount()).toBe(before);

    // An emoji sequence, a Thai word-break hint, a word processor's line break and a mark of direction read as sent.
    for (const body of ['done \u{1F468}\u200d\u{1F469}\u200d\u{1F467}', 'ภาษา\u200bไทย', 'first\u2028second', 'שלום\u200f!']) {
      await desk.expect(201, 'POST', '/requests/seen/comments', { as: agent(), body: { body, visibility: 'public' } });
    }
  });

  it.each([
    ['\u202eanna', `U+202E, ${BIDI}`],
    ['anna\u200b', `U+200B, ${INVISIBLE}`],
    ['an\u200dna', `U+200D, ${LONELY_JOINER}`],
    ['anna\u0085', `U+0085, ${C1}`],
    ['anna\u2028', `U+2028, ${LINE}`],
  ])('refuses a token whose subject is %j with a 401 naming the character', async (subject, message) => {
    const token = jwt.sign({ role: 'agent' }, TEST_SECRET, { algorithm: 'HS256', subject, expiresIn: '1h' });
    const before = await desk.eventCount();
    const answer = await desk.call('POST', '/requests/seen/comments', {
      as: null,
      headers: { authorization: `Bearer ${token}` },
      body: { body: 'hello', visibility: 'public' },
    });
    expect([answer.status, answer.body.detail]).toEqual([401, `the token's subject must not contain ${message}`]);
    expect(await desk.eventCount()).toBe(before);
  });
});
