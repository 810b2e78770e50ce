// Runs this package's conformance suite on its own: `npx jest -c tools/test-broker/jest.config.js`.
// The repository's root jest config runs the same files as part of `npm run test:unit`.
/** @type {import('jest').Config} */
module.exports = {
  displayName: 'test-broker',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  moduleNameMapper: { '^@streamops/test-broker$': '<rootDir>/src/index.ts' },
  modulePathIgnorePatterns: ['<rootDir>/.build/', '<rootDir>/dist/'],
  globalSetup: '<rootDir>/src/jest/globalSetup.ts',
  globalTeardown: '<rootDir>/src/jest/globalTeardown.ts',
  testTimeout: 60_000,
};
