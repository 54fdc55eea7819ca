/** One jest run for the whole monorepo: unit specs beside the code, API and contract suites in test/. */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2021',
    },
    module: { type: 'commonjs' },
  },
];

module.exports = {
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testEnvironment: 'node',
  testRegex: '.*\\.(spec|e2e-spec|contract-spec)\\.ts$',
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@desk/domain(|/.*)$': '<rootDir>/libs/domain/src$1',
    '^@desk/event-store(|/.*)$': '<rootDir>/libs/event-store/src$1',
    '^@desk/application(|/.*)$': '<rootDir>/libs/application/src$1',
    '^@desk/read-models(|/.*)$': '<rootDir>/libs/read-models/src$1',
    '^@desk/http(|/.*)$': '<rootDir>/libs/http/src$1',
  },
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/skipped-tests-reporter.js'],
};
