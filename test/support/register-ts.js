/**
 * Lets a child process run the TypeScript sources directly (node -r
 * ./test/support/register-ts.js apps/projector/src/main.ts), compiled on
 * load by @swc/core like jest does, with the @desk/* aliases: the crash
 * tests kill real processes without building first.
 */
const Module = require('node:module');
const path = require('node:path');
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const root = path.resolve(__dirname, '../..');
const aliases = {
  '@desk/domain': 'libs/domain/src',
  '@desk/event-store': 'libs/event-store/src',
  '@desk/application': 'libs/application/src',
  '@desk/read-models': 'libs/read-models/src',
  '@desk/http': 'libs/http/src',
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  for (const [alias, target] of Object.entries(aliases)) {
    if (request === alias || request.startsWith(alias + '/')) {
      request = path.join(root, target, request.slice(alias.length));
      break;
    }
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

Module._extensions['.ts'] = function (module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2021',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
