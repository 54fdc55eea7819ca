import fc from 'fast-check';
import { seedOrganisation } from './support/org';
import { TestDesk, agent, requester } from './support/test-desk';
import { describeOnEveryDeskStore, type DeskStores } from './support/desk-stores';

interface Page {
  sort: string;
  items: { requestId: string; match: { field: string; snippet: string; highlights: { start: number; end: number }[] } | null }[];
  nextCursor: string | null;
}

/** GET /requests?q= over HTTP: ranked matches with where they matched, read-your-writes, what a requester may find, and any q answered. */
describeOnEveryDeskStore('full-text search on GET /requests', (makeStores: () => Promise<DeskStores>) => {
  let desk: TestDesk;
  let cleanup: () => Promise<void>;
  let position = '';

  const open = async (id: string, requesterId: string, subject: string, description: string) => {
    ({ position } = await desk.expect(201, 'POST', '/requests', {
      as: agent(),
      body: { id, requesterId, departmentId: 'it', subject, description, priority: 'high' },
    }));
  };
  const comment = async (id: string, body: string, visibility: 'public' | 'internal', as = agent()) => {
    ({ position } = await desk.expect(201, 'POST', `/requests/${id}/comments`, { as, body: { body, visibility } }));
  };
  const search = (q: string, as = agent(), extra = ''): Promise<Page> =>
    desk.expect(200, 'GET', `/requests?q=${encodeURIComponent(q)}&minPosition=${position}${extra}`, { as });
  const ids = (page: Page) => page.items.map((item) => item.requestId);

  beforeAll(async () => {
    const made = await makeStores();
    cleanup = made.cleanup;
    desk = await TestDesk.start({ store: made.store, readModels: made.readModels });
    await seedOrganisation(desk);
    await open('s-1', 'anna', 'Printer at reception jams', 'Paper gets stuck in tray two');
    await open('s-2', 'carl', 'Invoice export fails', 'The printer driver crashes when exporting');
    await open('s-3', 'anna', 'New badge', 'My badge does not open the garage');
    await comment('s-1', 'Vendor ticket 4471 is open with Acme', 'internal');
  });
  afterAll(async () => {
    await desk.stop();
    await cleanup();
  });

  it('ranks the matches, best first, and says where each matched', async () => {
    const page = await search('printer');
    expect(page.sort).toBe('rank');
    expect(ids(page)).toEqual(['s-1', 's-2']);
    expect(page.items[0].match).toEqual({ field: 'subject', snippet: 'Printer at reception jams', highlights: [{ start: 0, end: 7 }] });
    expect(page.items[1].match).toMatchObject({ field: 'description', snippet: 'The printer driver crashes when exporting' });
    expect(ids(await search('printer', agent(), '&sort=openedAt&order=desc'))).toEqual(['s-2', 's-1']);
    expect(ids(await search('printer', agent(), '&requesterId=carl'))).toEqual(['s-2']);
  });

  it('finds a word of a comment posted a moment ago, with the position its command answered', async () => {
    await comment('s-3', 'Facilities replaced the turnstile firmware', 'public', requester('anna'));
    const page = await search('turnstile');
    expect(ids(page)).toEqual(['s-3']);
    expect(page.items[0].match?.field).toBe('comments');
    await comment('s-2', 'Escalated to the quarterly closing team', 'internal');
    expect(ids(await search('quarterly'))).toEqual(['s-2']);
  });

  it('gives a requester matches among their own requests only, never by an internal comment', async () => {
    expect(ids(await search('printer', requester('anna')))).toEqual(['s-1']);
    expect(ids(await search('printer', requester('anna'), '&requesterId=carl'))).toEqual(['s-1']);
    expect(ids(await search('vendor'))).toEqual(['s-1']);
    expect(ids(await search('vendor', requester('anna')))).toEqual([]);
    expect(ids(await search('acme OR printer', requester('anna')))).toEqual(['s-1']);
    // A word only in a staff note leaves nothing out for a requester either.
    expect(ids(await search('printer -vendor', requester('anna')))).toEqual(['s-1']);
    expect(ids(await search('printer -vendor'))).toEqual(['s-2']);
  });

  it.each([
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['x'.repeat(1000), 'must have at most 200 characters'],
    ['"*" ^ :', 'must have a word to look for (letters or digits)'],
    ['-printer', 'must have a word to look for, not only words to leave out (-word)'],
  ])('answers q=%j with a 400 naming q', async (q, message) => {
    const answer = await desk.call('GET', `/requests?q=${encodeURIComponent(q)}`, { as: agent() });
    expect(answer.status).toBe(400);
    expect((answer.body as { errors: unknown[] }).errors).toEqual([{ field: 'q', message }]);
  });

  it('answers any q with a page or a 400 naming q, never a server error', async () => {
    const hostile = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 250 }),
      fc
        .array(
          fc.constantFrom(
            '"',
            '*',
            '^',
            '-',
            '(',
            ')',
            ':',
            'NEAR',
            'NOT',
            'OR',
            'subject:',
            '{subject}',
            "'",
            '\\',
            '&',
            '|',
            '!',
            '<->',
            'é',
            '𝔘',
            ' ',
            'printer',
          ),
          {
            maxLength: 40,
          },
        )
        .map((parts) => parts.join('')),
    );
    await fc.assert(
      fc.asyncProperty(hostile, fc.boolean(), async (q, staff) => {
        const answer = await desk.call('GET', `/requests?q=${encodeURIComponent(q)}`, { as: staff ? agent() : requester('anna') });
        if (answer.status === 200) return;
        expect(answer.status).toBe(400);
        expect((answer.body as { errors: { field: string }[] }).errors.map((error) => error.field)).toEqual(['q']);
      }),
      { numRuns: 150 },
    );
  });
});
