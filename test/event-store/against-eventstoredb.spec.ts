import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventStoreService } from './against-eventstoredb';

const ROOT = join(__dirname, '../..');

/** `npm run test:eventstoredb` as a user runs it, with the environment given. */
function runScript(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, ['-r', './test/support/register-ts.js', 'test/event-store/against-eventstoredb.ts'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('npm run test:eventstoredb', () => {
  it('tests against the image and settings docker-compose.yml gives users', () => {
    const service = eventStoreService(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'));
    expect(service.image).toMatch(/^eventstore\/eventstore:\d+\.\d+/);
    expect(service.environment).toMatchObject({ EVENTSTORE_INSECURE: 'true', EVENTSTORE_CLUSTER_SIZE: '1' });
    expect(() => eventStoreService('services:\n  postgres:\n    image: postgres:16\n')).toThrow('no eventstore service');
  });

  it.each<[string, NodeJS.ProcessEnv, RegExp]>([
    ['no docker command', { PATH: '/nonexistent' }, /the docker command cannot be run/],
    ['a docker command with no engine behind it', { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }, /no Docker engine answers/],
  ])('with %s, says that nothing was tested and exits 0 without running the suite', (_, env, reason) => {
    // The docker CLI may be missing here: then both cases meet the first reason.
    const result = runScript({ ...process.env, ...env });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/nothing was tested against EventStoreDB/);
    expect(result.stdout).toMatch(env.PATH ? reason : /the docker command cannot be run|no Docker engine answers/);
    expect(result.stdout).not.toMatch(/passed|PASS/);
  });
});
