import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.dataDir).toMatch(/data$/);
    expect(config.eventStoreUrl).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
    expect(config.authSecret).toBeUndefined();
    expect(config.runProjections).toBe(true);
    expect(config.slaWatchIntervalMs).toBe(10_000);
  });

  it('lets a query-only replica leave the projections to a projector', () => {
    expect(loadConfig({ RUN_PROJECTIONS: 'false' }).runProjections).toBe(false);
    expect(loadConfig({ RUN_PROJECTIONS: 'TRUE' }).runProjections).toBe(true);
  });

  it.each([
    ['PORT', 'abc', /PORT must be an integer/],
    ['PORT', '70000', /PORT must be between/],
    ['PORT', '-1', /PORT must be an integer/],
    ['EVENTSTORE_URL', 'not a url', /EVENTSTORE_URL must be a URL/],
    ['EVENTSTORE_URL', 'http://localhost:2113', /EVENTSTORE_URL must use/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must use/],
    ['AUTH_SECRET', 'short', /AUTH_SECRET must be at least 32 bytes/],
    ['BODY_LIMIT_BYTES', '12', /BODY_LIMIT_BYTES must be between/],
    ['RUN_PROJECTIONS', 'maybe', /RUN_PROJECTIONS must be true or false/],
    ['SLA_WATCH_INTERVAL_MS', '5', /SLA_WATCH_INTERVAL_MS must be between/],
    ['PROJECTION_BATCH_SIZE', '0', /PROJECTION_BATCH_SIZE must be between/],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('accepts the production URLs', () => {
    const config = loadConfig({
      EVENTSTORE_URL: 'esdb://eventstore:2113?tls=false',
      DATABASE_URL: 'postgres://desk@postgres:5432/desk',
      PORT: '8080',
    });
    expect(config).toMatchObject({ port: 8080, eventStoreUrl: 'esdb://eventstore:2113?tls=false' });
  });
});
