import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@desk/application';

/**
 * No Docker engine runs on the machines this is built on: the compose file
 * and the Dockerfile are checked here as far as that goes without one — their
 * structure, and that what they pass is what the processes expect.
 */
const ROOT = join(__dirname, '../..');
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };
const scripts = packageJson.scripts;

type Service = {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
  ports?: string[];
};
const services: Record<string, Service> = compose.services;

/** Compose's ${VAR:-default} as a shell with VAR unset would expand it. */
const expand = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]));

describe('docker-compose.yml', () => {
  it('has EventStoreDB, PostgreSQL, the API and the projector', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'eventstore', 'postgres', 'projector']);
  });

  it('pins the images of the stores, with health checks and volumes', () => {
    expect(services.eventstore.image).toMatch(/^eventstore\/eventstore:\d+\.\d+/);
    expect(services.postgres.image).toMatch(/^postgres:\d+/);
    for (const name of ['eventstore', 'postgres']) {
      expect(services[name].healthcheck?.test.join(' ')).toBeTruthy();
      const [volume] = services[name].volumes ?? [];
      expect(compose.volumes).toHaveProperty(volume.split(':')[0]);
    }
    expect(services.eventstore.environment).toMatchObject({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_CLUSTER_SIZE: '1' });
  });

  it('starts the API and the projector only once the stores are healthy, each with a health check of its own', () => {
    for (const name of ['api', 'projector']) {
      expect(services[name].depends_on).toEqual({
        eventstore: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
      });
      expect(services[name].healthcheck?.test.join(' ')).toMatch(/\/health\/ready/);
    }
  });

  it('passes the API and the projector an environment their configuration accepts, wired to the stores', () => {
    for (const name of ['api', 'projector']) {
      const config = loadConfig(expand(services[name].environment ?? {}));
      expect(new URL(config.eventStoreUrl!).host).toBe('eventstore:2113');
      expect(config.eventStoreUrl).toMatch(/^esdb:\/\//);
      expect(new URL(config.databaseUrl!).host).toBe('postgres:5432');
      const { POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB } = services.postgres.environment!;
      expect(config.databaseUrl).toBe(`postgres://${POSTGRES_USER}:${POSTGRES_PASSWORD}@postgres:5432/${POSTGRES_DB}`);
    }
    expect(loadConfig(expand(services.api.environment!))).toMatchObject({ runProjections: false, port: 3000 });
    expect(services.api.ports).toEqual(['3000:3000']);
    expect(loadConfig(expand(services.projector.environment!)).projectorPort).toBe(3001);
    expect(services.projector.healthcheck?.test.join(' ')).toMatch(/localhost:3001/);
  });

  it('runs the image’s API and the projector the build produces, as npm would', () => {
    const apiEntry = /node (?:--\S+ )*(\S+)/.exec(scripts.start)![1];
    const projectorEntry = /node (?:--\S+ )*(\S+)/.exec(scripts['start:projector'])![1];
    expect(dockerfile).toContain(`CMD ["node", "${apiEntry}"]`);
    expect(services.projector.command).toEqual(['node', projectorEntry]);
  });

  it('gives the image the heap budget npm start gives the services', () => {
    const budget = /node (--max-old-space-size=\d+) /.exec(scripts.start)![1];
    expect(scripts['start:projector']).toContain(budget);
    expect(dockerfile).toContain(`ENV NODE_OPTIONS=${budget}`);
    expect(services.api.build).toBe('.');
    expect(services.projector.build).toBe('.');
  });
});

describe('Dockerfile', () => {
  it('builds in one stage and runs from a slim one without the dev dependencies, as a non-root user', () => {
    const stages = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/^FROM node:20\S* AS build$/);
    expect(dockerfile).toMatch(/RUN npm ci/);
    expect(dockerfile).toMatch(/RUN npm run build && npm prune --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(scripts.build).toMatch(/nest build api/);
    expect(scripts.build).toMatch(/nest build projector/);
  });

  it('carries the CLI launchers package.json names, so sd and desk-token run inside the container', () => {
    const launchers = Object.values(packageJson.bin);
    expect(launchers.length).toBeGreaterThan(0);
    for (const launcher of launchers) {
      expect(launcher.startsWith('apps/cli/bin/')).toBe(true);
      // Each launcher runs a file of the build, which the image copies whole.
      const built = /'(dist\/[^']+\.js)'/.exec(readFileSync(join(ROOT, launcher), 'utf8'))?.[1];
      expect(built).toBeDefined();
    }
    expect(dockerfile).toMatch(/COPY --from=build \/app\/apps\/cli\/bin \.\/apps\/cli\/bin/);
  });

  it('keeps local data, builds and modules out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.git']));
  });
});
