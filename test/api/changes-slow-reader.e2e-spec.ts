import { connect, type Socket } from 'node:net';
import { agent, TestDesk } from './support/test-desk';
import { rawStream, waitUntil } from './changes-support';
import { ChangeStreams } from '../../apps/api/src/changes/change-streams';

/** History rows, each one big change: together far more than the kernel's socket buffers on both sides hold. */
const ROWS = 1500;
const CHANGE_BYTES = 8000;
/** A ServerResponse's (its socket's) default high-water mark. */
const HIGH_WATER_MARK = 16 * 1024;
/** One event as sent: the change's text and what frames it. */
const EVENT_BYTES = CHANGE_BYTES + 400;

/**
 * A client that opens GET /changes and then never reads (a raw socket, nothing consuming it) while a long history
 * waits for it: the API holds at most a socket buffer's worth and one change for it, closes the stream once a whole
 * keep-alive interval passes without the client taking a byte, and the client, coming back with the Last-Event-ID of
 * the last change it got, misses nothing and gets nothing twice.
 */
describe('GET /changes to a client that stops reading', () => {
  let desk: TestDesk;
  let socket: Socket | undefined;

  beforeEach(async () => {
    desk = await TestDesk.start({ env: { RATE_LIMIT_PER_MINUTE: '0', CHANGES_KEEP_ALIVE_MS: '300' } });
    // The rows the projection would have written for a long history (any content: the stream only frames it).
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      position: String(i + 1).padStart(20, '0'),
      seq: 0,
      request_id: `r${i + 1}`,
      revision: 0,
      department_id: 'it',
      previous_department_id: null,
      requester_id: 'anna',
      assignee_id: null,
      previous_assignee_id: null,
      status: 'new',
      event_type: 'RequestOpened',
      occurred_at: '2026-03-02T08:00:00.000Z',
      changes: JSON.stringify({ subject: { from: null, to: `${i + 1} ${'x'.repeat(CHANGE_BYTES)}` } }),
    }));
    for (let from = 0; from < rows.length; from += 100)
      await desk.readModels.writer
        .insertInto('request_changes')
        .values(rows.slice(from, from + 100))
        .execute();
    await desk.app.listen(0, '127.0.0.1');
  });
  afterEach(async () => {
    socket?.destroy();
    await desk.stop();
  });

  it('holds at most a buffer and a change for it, closes the stalled stream, and the client resumes after what it got', async () => {
    const { port } = new URL((await desk.app.getUrl()).replace('[::1]', '127.0.0.1'));
    const streams = desk.app.get(ChangeStreams);
    const token = desk.token(agent().sub, 'agent');
    socket = connect({ host: '127.0.0.1', port: Number(port) });
    await new Promise<void>((resolve, reject) => socket!.once('connect', resolve).once('error', reject));
    // No 'data' listener: the socket reads up to its own high-water mark and then leaves the kernel's buffers full.
    socket.write(
      `GET /changes?lastEventId=0 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    );
    await waitUntil(() => streams.count === 1, 5000, 'the stream to open');
    let most = 0;
    const sampling = setInterval(() => (most = Math.max(most, streams.bufferedBytes)), 5);
    try {
      // Closed once a keep-alive interval (300 ms) passes with nothing taken: well before the history is out.
      await waitUntil(() => streams.count === 0, 10_000, 'the stalled stream to be closed');
    } finally {
      clearInterval(sampling);
    }
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(HIGH_WATER_MARK + EVENT_BYTES);

    // The client reads at last: what the kernel held for it, then the end of the connection.
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    await new Promise((resolve) => socket!.once('close', resolve));
    const got = idsIn(text);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(ROWS);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => String(i + 1)));

    const resumed = await rawStream(`http://127.0.0.1:${port}/changes`, {
      authorization: `Bearer ${token}`,
      'last-event-id': got[got.length - 1],
    });
    await waitUntil(() => resumed.text().includes(`id: ${ROWS}\n`), 30_000, 'the rest of the history');
    resumed.close();
    const rest = idsIn(resumed.text());
    expect([...got, ...rest]).toEqual(Array.from({ length: ROWS }, (_, i) => String(i + 1)));
    // Its own waits allow 45 s (a loaded CI machine took more than jest's default 30 s for the whole).
  }, 60_000);
});

/** The ids of the whole change events in what a client received, in order (an event cut off at the end is not one). */
function idsIn(text: string): string[] {
  return [...text.matchAll(/id: (\d+)\nevent: change\ndata: [^\n]*\n\n/g)].map((match) => match[1]);
}
