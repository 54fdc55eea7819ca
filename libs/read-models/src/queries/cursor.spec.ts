import { decodeCursor, encodeCursor } from './cursor';

describe('cursors', () => {
  it('round-trips the sort values of the last row', () => {
    const cursor = encodeCursor([2, '2026-03-02T11:00:00.000Z', 'r-1']);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['number', 'string', 'string'])).toEqual([2, '2026-03-02T11:00:00.000Z', 'r-1']);
  });

  it.each([
    ['not base64 JSON', 'not-a-cursor'],
    ['another shape', encodeCursor(['x', 1, 'r'])],
    ['too short', encodeCursor([1, 'x'])],
    ['not a list', Buffer.from('{"a":1}').toString('base64url')],
  ])('refuses %s', (_, cursor) => {
    expect(decodeCursor(cursor, ['number', 'string', 'string'])).toBeNull();
  });
});
