'use strict';
// Runs a command from the build (npm run build), so that starting it costs Node's start-up and no compilation.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..', '..');

/** The newest source file under these folders, to say when the build is older than the code it was built from. */
function newestSource(folders) {
  let newest = { path: '', mtimeMs: 0 };
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
        const { mtimeMs } = statSync(path);
        if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
      }
    }
  };
  for (const folder of folders) if (existsSync(folder)) walk(folder);
  return newest;
}

module.exports = function runBuilt(name, builtFile, sourceFolders) {
  const built = join(ROOT, builtFile);
  if (!existsSync(built)) {
    process.stderr.write(`${name} is not built yet: run npm run build once (and again after changing the code)\n`);
    process.exit(2);
  }
  const source = newestSource(sourceFolders.map((folder) => join(ROOT, folder)));
  if (source.mtimeMs > statSync(built).mtimeMs) {
    process.stderr.write(`${name}: the build is older than ${relative(ROOT, source.path)}; npm run build brings it up to date\n`);
  }
  require(built);
};
