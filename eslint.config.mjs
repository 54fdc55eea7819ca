// ESLint for the whole monorepo: the TypeScript rules, and the layer rules that keep the libraries stacked
// (domain ← event-store ← read-models ← application ← http ← apps). test/lint/layer-rules.spec.ts lints
// forbidden imports and expects these rules to refuse them, so a rule that stops biting fails the suite.
import path from 'node:path';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The repository root: layers are folders relative to it, whatever directory ESLint is started from. */
const ROOT = import.meta.dirname;

/** Libraries in the order they may depend on each other: each one may import those before it, none after. */
const LAYERS = ['domain', 'event-store', 'read-models', 'application', 'http'];

/**
 * `../../x` reaching out of the lib or app that holds the file bypasses the @desk/* entry points (and, between
 * apps, the layer rules' reason to exist). Boundaries catches a climb into a forbidden layer; this catches one
 * into an allowed layer too.
 */
const noRelativeImportOutOfPackage = {
  meta: {
    type: 'problem',
    docs: { description: 'relative imports stay inside their own libs/<name> or apps/<name>' },
    schema: [],
    messages: { climbsOut: "'{{source}}' climbs out of {{pkg}}: import another library through @desk/*." },
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const pkg = /^(libs|apps)\/[^/]+/.exec(file)?.[0];
    if (!pkg) return {};
    const pkgRoot = path.join(ROOT, pkg) + path.sep;
    const check = (sourceNode) => {
      const source = sourceNode?.type === 'Literal' ? sourceNode.value : undefined;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      if (!path.resolve(path.dirname(context.filename), source).startsWith(pkgRoot)) {
        context.report({ node: sourceNode, messageId: 'climbsOut', data: { source, pkg } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
      TSExternalModuleReference: (node) => check(node.expression),
      'CallExpression[callee.name="require"]': (node) => check(node.arguments[0]),
      "CallExpression[callee.object.name='jest'][callee.property.name=/^(mock|requireActual)$/]": (node) => check(node.arguments[0]),
    };
  },
};

export default defineConfig(
  globalIgnores(['dist/**', 'coverage/**', 'data/**', 'bench/.data/**']),

  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' } },

  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      // `_` names a value a signature or a destructuring needs but the body does not.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },

  {
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    plugins: { boundaries, desk: { rules: { 'no-relative-import-out-of-package': noRelativeImportOutOfPackage } } },
    settings: {
      'import/resolver': { typescript: { project: path.join(ROOT, 'tsconfig.json'), alwaysTryTypes: true } },
      'boundaries/root-path': ROOT,
      'boundaries/elements': [
        ...LAYERS.map((layer) => ({ type: layer, pattern: `libs/${layer}`, partialMatch: false })),
        { type: 'app', pattern: 'apps/*', partialMatch: false, capture: ['app'] },
        // Tests and benchmarks drive the apps from outside, so they are the one place that imports apps/*.
        { type: 'test', pattern: 'test', partialMatch: false },
        { type: 'bench', pattern: 'bench', partialMatch: false },
        // The typed client generated from the OpenAPI document (npm run client:generate): the contract specs compile against it.
        { type: 'client', pattern: 'clients', partialMatch: false },
      ],
    },
    rules: {
      'desk/no-relative-import-out-of-package': 'error',
      // A file in no element (a new libs/<name> not yet given a layer) would escape every rule below.
      'boundaries/no-unknown-files': 'error',
      'boundaries/no-unknown-dependencies': 'error',
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            // event-store stores and returns the domain's events without deciding anything: their types only.
            {
              from: { element: { type: 'event-store' } },
              allow: { to: { element: { type: 'domain' } }, dependency: { kind: 'type' } },
            },
            // From read-models up, a library may import every layer below its own.
            ...LAYERS.slice(2).map((layer) => ({
              from: { element: { type: layer } },
              allow: { to: { element: { type: LAYERS.slice(0, LAYERS.indexOf(layer)) } } },
            })),
            { from: { element: { type: 'app' } }, allow: { to: { element: { type: LAYERS } } } },
            {
              from: { element: { type: ['test', 'bench'] } },
              allow: { to: { element: { type: [...LAYERS, 'app', 'test', 'bench', 'client'] } } },
            },
          ],
        },
      ],
    },
  },
);
