import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The layer rules of eslint.config.mjs, proven to bite: each source text below is linted as if it were a file
 * at its path, and must draw exactly the layer rules named (none for an allowed import). A rule that stopped
 * matching (a renamed option, a resolver that no longer finds @desk/*, a moved folder) fails here instead of
 * letting every import through in silence.
 */
const ROOT = join(__dirname, '../..');
const LAYER_RULES = new Set([
  'boundaries/dependencies',
  'boundaries/no-unknown-files',
  'boundaries/no-unknown-dependencies',
  'desk/no-relative-import-out-of-package',
]);

type Case = { name: string; filePath: string; code: string; refusedBy: string[] };

const cases: Case[] = [
  {
    name: 'the domain imports nothing of ours, not even a type',
    filePath: 'libs/domain/src/request/lint-fixture.ts',
    code: "import type { EventStore } from '@desk/event-store';\nexport type Store = EventStore;\n",
    refusedBy: ['boundaries/dependencies'],
  },
  {
    name: 'the domain imports no value through require() either',
    filePath: 'libs/domain/src/request/lint-fixture.ts',
    code: "// eslint-disable-next-line @typescript-eslint/no-require-imports\nexport const app = require('@desk/application');\n",
    refusedBy: ['boundaries/dependencies'],
  },
  {
    name: "the domain's own files import each other freely",
    filePath: 'libs/domain/src/request/lint-fixture.ts',
    code: "import { requestDecider } from './request.decider';\nexport const decider = requestDecider;\n",
    refusedBy: [],
  },
  {
    name: "the event store may import the domain's types",
    filePath: 'libs/event-store/src/lint-fixture.ts',
    code: "import type { DomainEvent } from '@desk/domain';\nexport type Stored = DomainEvent;\n",
    refusedBy: [],
  },
  {
    name: 'the event store imports no value from the domain',
    filePath: 'libs/event-store/src/lint-fixture.ts',
    code: "import { requestDecider } from '@desk/domain';\nexport const decider = requestDecider;\n",
    refusedBy: ['boundaries/dependencies'],
  },
  {
    name: 'the event store re-exports no value from the domain',
    filePath: 'libs/event-store/src/lint-fixture.ts',
    code: "export { requestDecider } from '@desk/domain';\n",
    refusedBy: ['boundaries/dependencies'],
  },
  {
    name: 'read models may import the domain and the event store',
    filePath: 'libs/read-models/src/lint-fixture.ts',
    code: "import { requestDecider } from '@desk/domain';\nimport { createEventStore } from '@desk/event-store';\nexport const both = [requestDecider, createEventStore];\n",
    refusedBy: [],
  },
  {
    name: 'read models do not import the application',
    filePath: 'libs/read-models/src/lint-fixture.ts',
    code: "import { loadConfig } from '@desk/application';\nexport const config = loadConfig;\n",
    refusedBy: ['boundaries/dependencies'],
  },
  {
    name: 'the application may import read models',
    filePath: 'libs/application/src/lint-fixture.ts',
    code: "import { ProjectionRunner } from '@desk/read-models';\nexport const runner = ProjectionRunner;\n",
    refusedBy: [],
  },
  {
    name: 'the application does not import the HTTP edge',
    filePath: 'libs/application/src/lint-fixture.ts',
    code: "import { ProblemDetailsFilter } from '@desk/http';\nexport const filter = ProblemDetailsFilter;\n",
    refusedBy: ['boundaries/dependencies'],
  },
  {
    name: 'the application does not reach into another library by a relative path, even one it may import',
    filePath: 'libs/application/src/lint-fixture.ts',
    code: "import { requestDecider } from '../../domain/src/request/request.decider';\nexport const decider = requestDecider;\n",
    refusedBy: ['desk/no-relative-import-out-of-package'],
  },
  {
    name: 'the HTTP edge may import the application',
    filePath: 'libs/http/src/lint-fixture.ts',
    code: "import { loadConfig } from '@desk/application';\nexport const config = loadConfig;\n",
    refusedBy: [],
  },
  {
    name: 'no library imports an app',
    filePath: 'libs/http/src/lint-fixture.ts',
    code: "import { createApp } from '../../../apps/api/src/create-app';\nexport const app = createApp;\n",
    refusedBy: ['boundaries/dependencies', 'desk/no-relative-import-out-of-package'],
  },
  {
    name: 'an app may import the HTTP edge and every library below it',
    filePath: 'apps/api/src/lint-fixture.ts',
    code: "import { ProblemDetailsFilter } from '@desk/http';\nimport { requestDecider } from '@desk/domain';\nexport const both = [ProblemDetailsFilter, requestDecider];\n",
    refusedBy: [],
  },
  {
    name: 'apps do not import each other',
    filePath: 'apps/cli/src/lint-fixture.ts',
    code: "import { createApp } from '../../api/src/create-app';\nexport const app = createApp;\n",
    refusedBy: ['boundaries/dependencies', 'desk/no-relative-import-out-of-package'],
  },
  {
    name: 'tests drive the apps from outside',
    filePath: 'test/api/lint-fixture.ts',
    code: "import { createApp } from '../../apps/api/src/create-app';\nexport const app = createApp;\n",
    refusedBy: [],
  },
  {
    name: 'a library no layer was given to is refused until it gets one',
    filePath: 'libs/reporting/src/lint-fixture.ts',
    code: 'export const nothing = 0;\n',
    refusedBy: ['boundaries/no-unknown-files'],
  },
];

type Linted = { filePath: string; messages: { ruleId: string | null; line: number; message: string }[] };

describe('layer rules (eslint.config.mjs)', () => {
  let linted: Linted[];

  beforeAll(() => {
    const input = JSON.stringify(cases.map(({ filePath, code }) => ({ filePath, code })));
    const output = execFileSync(process.execPath, [join(ROOT, 'test/lint/lint-as.mjs')], { cwd: ROOT, input, encoding: 'utf8' });
    linted = JSON.parse(output);
  }, 120_000);

  it.each(cases.map((testCase, index) => [testCase.name, index] as const))('%s', (_name, index) => {
    const { messages } = linted[index];
    expect(messages.filter((message) => message.ruleId === null)).toEqual([]);
    const refusedBy = [...new Set(messages.flatMap(({ ruleId }) => (ruleId && LAYER_RULES.has(ruleId) ? [ruleId] : [])))].sort();
    expect(refusedBy).toEqual([...cases[index].refusedBy].sort());
  });
});
