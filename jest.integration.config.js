/**
 * Integration and end-to-end tiers: real RabbitMQ, PostgreSQL and the simulator over HTTP.
 * `*.int-spec.ts` (one component with real infrastructure) and `*.e2e-spec.ts` (booted services).
 * The global setup fails loudly when RabbitMQ or PostgreSQL cannot be reached.
 */
module.exports = {
  ...require('./jest.preset'),
  displayName: 'integration',
  testMatch: ['<rootDir>/{libs,services,tools}/**/*.{int,e2e}-spec.ts'],
  globalSetup: '<rootDir>/libs/testing/src/global-setup.ts',
  testTimeout: 60_000,
  maxWorkers: 2,
};
