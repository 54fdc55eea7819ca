import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, CommentAdded } from '@desk/domain';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '@desk/event-store';
import { decodeLogged } from '@desk/read-models';
import { writeDependencies } from '../command-side';
import { createWriteSide, RequestWrite, type WriteSide } from '../commands/writes';
import { registerItAndEva } from '../testing/write-side-desk';
import { ReactorRunner, type Reactor } from './reactor';

const AGENT: Actor = { id: 'agent-ann', role: 'agent' };
const at = { now: () => new Date('2025-03-03T08:00:00.000Z') };
const envelope = (actor: Actor) => ({ commandId: `c-${Math.random()}`, correlationId: 'corr', actor });

/** A reactor for the spec: every internal comment opens a request, named after the comment event, for the commented request's requester. */
const echo: Reactor<CommentAdded> = {
  name: 'echo',
  actor: { id: 'system:echo', role: 'system' },
  eventTypes: ['CommentAdded'],
  reads: (event) => event.data.requestId,
  react: (event, read) =>
    event.data.visibility !== 'internal' || read === null || read.status === 'absent'
      ? []
      : [
          {
            requestId: `echo-${event.id.slice(0, 8)}`,
            command: {
              type: 'OpenRequest',
              data: {
                requestId: `echo-${event.id.slice(0, 8)}`,
                requesterId: read.requesterId,
                departmentId: read.departmentId,
                subject: 'echo',
                description: '',
                priority: 'low',
              },
            },
          },
        ],
};

describe('a reactor run as a checkpointed subscriber', () => {
  let dir: string;
  let store: EventStore;
  let writes: WriteSide;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-reactor-'));
    store = new SqliteEventStore(join(dir, 'events.sqlite'));
    writes = createWriteSide(writeDependencies(store, at));
    await registerItAndEva(writes, 'eva');
    await writes.requests.execute(
      new RequestWrite(
        'r-1',
        {
          type: 'OpenRequest',
          data: { requestId: 'r-1', requesterId: 'eva', departmentId: 'it', subject: 's', description: '', priority: 'high' },
        },
        envelope(AGENT),
      ),
    );
    await writes.requests.execute(
      new RequestWrite('r-1', { type: 'AddComment', data: { commentId: 'n-1', body: 'look', visibility: 'internal' } }, envelope(AGENT)),
    );
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const comments = async (): Promise<RecordedEvent[]> => (await store.readStream('request-r-1')).filter((e) => e.type === 'CommentAdded');

  it('sends the commands the reactor calls for, caused by the event and in its correlation, as the reactor', async () => {
    const runner = new ReactorRunner(echo, writes.requests, writes.repository);
    const [note] = await comments();
    await runner.apply(undefined as never, [decodeLogged(note)]);
    const opened = await store.readStream(`request-echo-${note.id.slice(0, 8)}`);
    expect(opened.map((e) => [e.type, e.metadata.causationId, e.metadata.correlationId, e.metadata.actor])).toEqual([
      ['RequestOpened', note.id, 'corr', 'system:echo'],
    ]);
  });

  it('opens a request once however often the event is delivered (a replay, a second projector)', async () => {
    const runner = new ReactorRunner(echo, writes.requests, writes.repository);
    const [note] = await comments();
    await runner.apply(undefined as never, [decodeLogged(note)]);
    const second = new ReactorRunner(echo, createWriteSide(writeDependencies(store, at)).requests, writes.repository);
    await second.apply(undefined as never, [decodeLogged(note)]);
    await runner.apply(undefined as never, [decodeLogged(note)]);
    expect(await store.readStream(`request-echo-${note.id.slice(0, 8)}`)).toHaveLength(1);
  });

  it('is handed events as the catalog decodes them: one of an unknown type is refused, not guessed', async () => {
    const [note] = await comments();
    expect(() => decodeLogged({ ...note, type: 'CommentDeleted' })).toThrow("'CommentDeleted' is not an event type");
  });
});
