import { loadConfig } from '@desk/application';
import { isoTime, paging, UsageError } from '../../apps/cli/src/args';
import { deskUrl } from '../../apps/cli/src/desk';
import { renderTable, sparkline } from '../../apps/cli/src/output';

describe('the desk sd asks', () => {
  const config = loadConfig({ DATA_DIR: '/tmp/unused' });

  it('is --url, else SD_URL, else this machine on PORT, and says so when it falls back to 3000', () => {
    expect(deskUrl('https://desk.example/', config, { SD_URL: 'http://other:1' })).toEqual({ base: 'https://desk.example' });
    expect(deskUrl(undefined, config, { SD_URL: 'http://other:1/' })).toEqual({ base: 'http://other:1' });
    expect(deskUrl(undefined, loadConfig({ DATA_DIR: '/tmp/unused', PORT: '8080' }), { PORT: '8080' })).toEqual({
      base: 'http://127.0.0.1:8080',
      said: undefined,
    });
    expect(deskUrl(undefined, config, {})).toEqual({
      base: 'http://127.0.0.1:3000',
      said: 'asking the desk at http://127.0.0.1:3000 (set SD_URL or pass --url for a desk elsewhere)',
    });
  });

  it('refuses a URL that names no desk', () => {
    expect(() => deskUrl('localhost:3000', config, {})).toThrow(/--url must be http or https/);
    expect(() => deskUrl('desk', config, {})).toThrow(UsageError);
  });
});

describe('the arguments', () => {
  it('take the times the API takes, to the last day of each month, leap years included', () => {
    expect(isoTime('at', '2012-02-29').toISOString()).toBe('2012-02-29T00:00:00.000Z');
    expect(isoTime('at', '2026-04-30T09:15:00+02:00').toISOString()).toBe('2026-04-30T07:15:00.000Z');
    expect(() => isoTime('at', '2013-02-29')).toThrow("--at names a day that does not exist: '2013-02-29'");
    expect(() => isoTime('at', '2026-04-31T00:00:00Z')).toThrow(/does not exist/);
    expect(() => isoTime('at', '2026-04-00')).toThrow(/does not exist/);
    expect(() => isoTime('at', '1700000000')).toThrow(/must be an ISO 8601 time/);
    expect(() => isoTime('at', '2026-04-01T25:00')).toThrow(/must be an ISO 8601 time/);
  });

  it('page as the API pages: 50 by default, 1 to 200', () => {
    expect(paging({})).toEqual({ limit: 50, cursor: undefined, all: false });
    expect(paging({ limit: '200', cursor: 'abc_-1' })).toEqual({ limit: 200, cursor: 'abc_-1', all: false });
    expect(() => paging({ limit: '201' })).toThrow(/from 1 to 200/);
    expect(() => paging({ limit: '1.5' })).toThrow(/whole number/);
  });
});

describe('the terminal output', () => {
  it('aligns columns, numbers to the right, and draws a bar a day with the highest day full', () => {
    expect(
      renderTable(
        ['name', 'open'],
        [
          ['it', 3],
          ['front-desk', 12],
          ['sales', null],
        ],
      ).split('\n'),
    ).toEqual(['name        open', 'it             3', 'front-desk    12', 'sales          -']);
    expect(sparkline([0, 1, 4, 8, 2])).toBe(' ▁▄█▂');
    expect(sparkline([0, 0])).toBe('  ');
  });
});
