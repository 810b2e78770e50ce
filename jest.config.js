// One jest run covers every package; each package is a project so it can be run alone
// with `npx jest --selectProjects <name>`.
const swcTransform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};

// Tests import packages by name and run against their TypeScript sources, so no build is needed first.
const moduleNameMapper = {
  '^@streamops/sdk$': '<rootDir>/sdk/src/index.ts',
  '^@streamops/agent$': '<rootDir>/agent/src/index.ts',
  '^@streamops/test-broker$': '<rootDir>/tools/test-broker/src/index.ts',
  '^@streamops/dashboards$': '<rootDir>/dashboards/src/index.ts',
};

function project(displayName, testMatch, extra = {}) {
  return {
    displayName,
    rootDir: __dirname,
    testMatch,
    testEnvironment: 'node',
    transform: swcTransform,
    moduleNameMapper,
    modulePathIgnorePatterns: ['<rootDir>/.*/dist/', '<rootDir>/tools/test-broker/.build/'],
    ...extra,
  };
}

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests start brokers and Prometheus; unit tests finish far below this.
  testTimeout: 60_000,
  projects: [
    project('sdk', ['<rootDir>/sdk/src/**/*.test.ts']),
    project('agent', ['<rootDir>/agent/src/**/*.test.ts']),
    project('dashboards', ['<rootDir>/dashboards/src/**/*.test.ts']),
    project('examples', ['<rootDir>/examples/**/*.test.ts']),
    project('integration', ['<rootDir>/test/**/*.test.ts']),
    // The broker's conformance suite; its global set-up starts one shared broker (tests that
    // inject faults start their own).
    project('test-broker', ['<rootDir>/tools/**/test/**/*.test.ts'], {
      globalSetup: '<rootDir>/tools/test-broker/src/jest/globalSetup.ts',
      globalTeardown: '<rootDir>/tools/test-broker/src/jest/globalTeardown.ts',
    }),
  ],
};
