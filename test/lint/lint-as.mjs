// Lints source texts as if they were files at the given paths, with the repository's own eslint.config.mjs,
// and prints what each one got: [{ filePath, messages: [{ ruleId, line, message }] }].
// Input on stdin: [{ filePath, code }] (paths relative to the repository root; the files need not exist).
// It is a process of its own because ESLint loads its config with import(), which jest's module system refuses.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });
const sources = JSON.parse(readFileSync(0, 'utf8'));
const linted = [];
for (const { filePath, code } of sources) {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) });
  linted.push({ filePath, messages: result.messages.map(({ ruleId, line, message }) => ({ ruleId, line, message })) });
}
process.stdout.write(JSON.stringify(linted));
