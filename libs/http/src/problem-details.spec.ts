import {
  ConcurrencyConflictError,
  IdempotencyKeyReusedError,
  PreconditionFailedError,
  ReadModelNotOfThisLogError,
} from '@desk/application';
import { EventStoreUnavailableError } from '@desk/event-store';
import { retryAfterSeconds, toProblem } from './problem-details';

/** The application layer's errors carry no status; these are the documents the API has always sent for them. */
describe('toProblem for the application layer’s errors', () => {
  it('answers an Idempotency-Key reused for another command with 409 Conflict', () => {
    expect(JSON.stringify(toProblem(new IdempotencyKeyReusedError('this Idempotency-Key was already used with another request')))).toBe(
      '{"type":"/problems/conflict","title":"Conflict","status":409,"detail":"this Idempotency-Key was already used with another request"}',
    );
  });

  it('answers a command that kept losing the race for its stream with 409 Conflict', () => {
    const error = new ConcurrencyConflictError('request-r1 is changing too fast: the command lost 5 races in a row; retry');
    expect(JSON.stringify(toProblem(error))).toBe(
      '{"type":"/problems/conflict","title":"Conflict","status":409,' +
        '"detail":"request-r1 is changing too fast: the command lost 5 races in a row; retry"}',
    );
  });

  it('answers an If-Match the stream is no longer at with 412, naming the current revision as a string, or null', () => {
    const moved = new PreconditionFailedError('If-Match names revision 2, but r1 is at 3', 3n);
    expect(JSON.stringify(toProblem(moved))).toBe(
      '{"type":"/problems/revision-mismatch","title":"Revision mismatch","status":412,' +
        '"detail":"If-Match names revision 2, but r1 is at 3","currentRevision":"3"}',
    );
    const absent = new PreconditionFailedError('If-Match names revision 0, but r9 is at no revision (it does not exist)', null);
    expect(toProblem(absent)).toEqual({
      type: '/problems/revision-mismatch',
      title: 'Revision mismatch',
      status: 412,
      detail: 'If-Match names revision 0, but r9 is at no revision (it does not exist)',
      currentRevision: null,
    });
  });

  it("answers a wait over read models of another log with 503: not another desk's data, and not a fault of the API", () => {
    const error = new ReadModelNotOfThisLogError('the read models request-summaries (at 900) are past the head of the log (12)');
    expect(toProblem(error)).toEqual({
      type: '/problems/read-model-not-of-this-log',
      title: 'Read model not of this log',
      status: 503,
      detail: 'the read models request-summaries (at 900) are past the head of the log (12)',
    });
  });
});

/** Fastify's own refusals of a body carry a 4xx statusCode; some carry a code a store error could carry too. */
describe('toProblem for the errors fastify raises while reading a body', () => {
  it('answers an upload the client aborted as the client’s fault, not as a read-model store out of reach (503)', () => {
    // What fastify's body reader hands on when the socket closes mid-body: Node's 'aborted', status set by fastify.
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
    expect(toProblem(aborted)).toEqual({
      type: '/problems/invalid-input',
      title: 'Invalid input',
      status: 400,
      detail: 'the client closed the connection before its body arrived',
    });
  });

  it('still answers a store’s own ECONNRESET, which has no status, as the read-model store out of reach', () => {
    expect(toProblem(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toMatchObject({ status: 503 });
  });
});

describe('a store that refuses writes, as a problem (issue 17, item 4)', () => {
  const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('answers an event store that is read-only 503 naming it, with Retry-After, not 500', () => {
    const error = new EventStoreUnavailableError('PostgreSQL failed to commit appends', { cause: coded('25006', 'read-only transaction') });
    expect(toProblem(error)).toMatchObject({
      status: 503,
      title: 'Service unavailable',
      detail: 'the event store refuses writes (it is read-only); nothing was recorded, retry later',
      storeFailure: 'read_only',
    });
    expect(retryAfterSeconds(error)).toBe(15);
  });

  it('answers a read-model store that is full or busy 503 naming it, with Retry-After', () => {
    const full = coded('SQLITE_FULL', 'database or disk is full');
    expect(toProblem(full)).toMatchObject({ status: 503, detail: 'the read-model store is full (no space left); retry later' });
    expect(retryAfterSeconds(full)).toBe(15);
    expect(retryAfterSeconds(coded('SQLITE_BUSY', 'database is locked'))).toBe(1);
  });

  it('gives an aborted upload no Retry-After, and an error of an event none either', () => {
    expect(retryAfterSeconds(Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 }))).toBeUndefined();
    expect(retryAfterSeconds(coded('22P05', 'unsupported Unicode escape sequence'))).toBeUndefined();
  });
});
