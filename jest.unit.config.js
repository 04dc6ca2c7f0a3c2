/** Unit tier: fakes only, no broker, database or network. `*.spec.ts` beside the code. */
module.exports = {
  ...require('./jest.preset'),
  displayName: 'unit',
  testMatch: ['<rootDir>/{libs,services,tools}/**/*.spec.ts'],
};
