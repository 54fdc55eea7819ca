import { EventStoreUnavailableError, storeFailureOf, WriteOutcomes } from './errors';

const coded = (code: string, message = `failed with ${code}`) => Object.assign(new Error(message), { code });

describe('a store failure, told apart from an error caused by what was written', () => {
  it.each([
    ['SQLITE_FULL', 'full'],
    ['SQLITE_READONLY', 'read_only'],
    ['SQLITE_READONLY_DBMOVED', 'read_only'],
    ['SQLITE_BUSY', 'busy'],
    ['SQLITE_BUSY_SNAPSHOT', 'busy'],
    ['SQLITE_LOCKED', 'busy'],
    ['SQLITE_IOERR', 'unavailable'],
    ['SQLITE_IOERR_WRITE', 'unavailable'],
    ['SQLITE_CANTOPEN', 'unavailable'],
    ['SQLITE_CORRUPT', 'corrupt'],
    ['SQLITE_NOTADB', 'corrupt'],
    ['25006', 'read_only'],
    ['53100', 'full'],
    ['53300', 'busy'],
    ['40P01', 'busy'],
    ['55P03', 'busy'],
    ['57P01', 'unavailable'],
    ['57P03', 'unavailable'],
    ['08006', 'unavailable'],
    ['58030', 'unavailable'],
    ['XX001', 'corrupt'],
    ['ENOSPC', 'full'],
    ['EROFS', 'read_only'],
    ['ECONNREFUSED', 'unavailable'],
    ['EPIPE', 'unavailable'],
  ])('%s is the store %s', (code, kind) => {
    expect(storeFailureOf(coded(code))).toEqual({ kind, message: expect.stringContaining(code) });
  });

  it.each([
    ['22P05', 'a text jsonb refuses'],
    ['23505', 'a unique key taken'],
    ['22001', 'a value too long'],
    ['42P01', 'a table missing'],
    ['SQLITE_CONSTRAINT_UNIQUE', 'a constraint'],
    ['SQLITE_ERROR', 'bad SQL'],
    ['SQLITE_MISMATCH', 'a datatype mismatch'],
  ])('%s (%s) is not the store’s: an event or a bug', (code) => {
    expect(storeFailureOf(coded(code))).toBeNull();
  });

  it('is not a plain error, a TypeError, nothing', () => {
    expect(storeFailureOf(new TypeError("Cannot read properties of undefined (reading 'requestId')"))).toBeNull();
    expect(storeFailureOf(new Error('boom'))).toBeNull();
    expect(storeFailureOf(undefined)).toBeNull();
    expect(storeFailureOf('SQLITE_FULL')).toBeNull();
  });

  it("is node-postgres' own lost connections, which carry no code", () => {
    expect(storeFailureOf(new Error('Connection terminated unexpectedly'))?.kind).toBe('unavailable');
    expect(storeFailureOf(new Error('timeout exceeded when trying to connect'))?.kind).toBe('unavailable');
  });

  it('is found through causes: a command a process sends fails with the event store under it', () => {
    const appended = new EventStoreUnavailableError('PostgreSQL failed to commit appends', { cause: coded('25006') });
    expect(appended.kind).toBe('read_only');
    expect(appended.retryAfterSeconds).toBe(15);
    const wrapped = new Error('the follow-up could not be opened', { cause: appended });
    expect(storeFailureOf(wrapped)).toEqual({ kind: 'read_only', message: 'PostgreSQL failed to commit appends' });
  });

  it('keeps the kind an unavailable event store was given, or takes it from the cause, else out of reach', () => {
    expect(new EventStoreUnavailableError('closed').kind).toBe('unavailable');
    expect(new EventStoreUnavailableError('x', { cause: coded('SQLITE_FULL') }).kind).toBe('full');
    expect(new EventStoreUnavailableError('x', { cause: new Error('?'), kind: 'busy' }).retryAfterSeconds).toBe(1);
  });
});

describe('the outcomes of a store’s writes, for readiness', () => {
  it('remembers the last failure of each writer until it writes again, and forgets it after a while', () => {
    let now = 0;
    const writes = new WriteOutcomes(30_000, () => now);
    expect(writes.failed(new Error('a poison event'), 'a')).toBe(false);
    expect(writes.lastFailure()).toBeNull();
    writes.failed(coded('SQLITE_FULL'), 'big');
    now = 10;
    writes.succeeded('small');
    // A small commit that still fits does not hide the large one that does not.
    expect(writes.lastFailure()?.kind).toBe('full');
    writes.succeeded('big');
    expect(writes.lastFailure()).toBeNull();
    // Out of reach or busy: a ping says so, nothing is kept.
    expect(writes.failed(coded('ECONNREFUSED'))).toBe(false);
    expect(writes.failed(coded('SQLITE_BUSY'))).toBe(false);
    expect(writes.lastFailure()).toBeNull();
    writes.failed(coded('25006'));
    now += 30_001;
    expect(writes.lastFailure()).toBeNull();
  });
});
