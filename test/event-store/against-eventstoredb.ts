/**
 * npm run test:eventstoredb [-- <jest arguments>]: the event-store contract suite against a real EventStoreDB
 * server, started for the run in a container of the image docker-compose.yml names, with that service's
 * environment, on a loopback port of its own (ESDB_TEST_PORT, or a free one), and removed afterwards.
 *
 * Where no Docker engine answers (the build machines of this repository have none), it says so and exits 0
 * having tested nothing: it never reports a pass it did not see. Otherwise it exits with jest's status.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '../..');
const CONTRACT_SPEC = 'test/event-store/eventstoredb.contract-spec.ts';
/** A first pull of the image can take minutes; a started server answers its health check in seconds. */
const HEALTHY_WITHIN_MS = 180_000;

interface EventStoreService {
  image: string;
  environment: Record<string, string>;
}

/** The eventstore service of docker-compose.yml: the image and settings users run are the ones tested. */
export function eventStoreService(composeText: string): EventStoreService {
  const service = (parse(composeText) as { services?: Record<string, Partial<EventStoreService>> }).services?.eventstore;
  if (!service?.image) throw new Error('docker-compose.yml has no eventstore service with an image');
  return {
    image: service.image,
    environment: Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

/** Why Docker cannot be used here, or null when its engine answers. */
export function dockerUnavailable(): string | null {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  if (info.error) return `the docker command cannot be run (${info.error.message})`;
  if (info.status !== 0) return `no Docker engine answers (${(info.stderr || info.stdout).trim().split('\n').pop()})`;
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function untilHealthy(port: number, container: string): Promise<void> {
  const deadline = Date.now() + HEALTHY_WITHIN_MS;
  while (Date.now() < deadline) {
    const answer = await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => null);
    if (answer?.ok) return;
    const state = spawnSync('docker', ['inspect', '--format', '{{.State.Running}}', container], { encoding: 'utf8' });
    if (state.status !== 0 || state.stdout.trim() !== 'true')
      throw new Error(`the EventStoreDB container ${container} stopped before it was healthy`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`EventStoreDB did not answer /health/live within ${HEALTHY_WITHIN_MS / 1000} s`);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const unavailable = dockerUnavailable();
  if (unavailable) {
    process.stdout.write(
      `test:eventstoredb: ${unavailable}. The EventStoreDB contract suite did not run: nothing was tested against EventStoreDB.\n` +
        `With Docker, this starts the image docker-compose.yml names and runs ${CONTRACT_SPEC} against it.\n`,
    );
    return 0;
  }
  const { image, environment } = eventStoreService(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
  const port = process.env.ESDB_TEST_PORT ? Number(process.env.ESDB_TEST_PORT) : await freePort();
  const container = `desk-esdb-test-${randomBytes(4).toString('hex')}`;
  const removeContainer = () => spawnSync('docker', ['rm', '--force', container], { stdio: 'ignore' });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      removeContainer();
      process.exit(130);
    });
  }
  process.stdout.write(`test:eventstoredb: starting ${image} as ${container} on 127.0.0.1:${port}\n`);
  const environmentArgs = Object.entries(environment).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  const started = await run('docker', [
    'run',
    '--detach',
    '--rm',
    '--name',
    container,
    '--publish',
    `127.0.0.1:${port}:2113`,
    ...environmentArgs,
    image,
  ]);
  if (started !== 0) throw new Error(`docker run ${image} exited with ${started}`);
  try {
    await untilHealthy(port, container);
    const url = `esdb://127.0.0.1:${port}?tls=false`;
    process.stdout.write(`test:eventstoredb: EventStoreDB answers; EVENTSTORE_URL=${url}\n`);
    return await run('npx', ['jest', CONTRACT_SPEC, ...process.argv.slice(2)], { ...process.env, EVENTSTORE_URL: url });
  } finally {
    removeContainer();
  }
}

if (require.main === module) {
  main().then(
    (status) => process.exit(status),
    (error: unknown) => {
      process.stderr.write(`test:eventstoredb: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
