/**
 * One jest run for every suite: pure unit tests beside their modules (contracts, cost, stacks, plan,
 * service/src), and the integration suites in tests/ (mock engine, real sockets, redis-server, nginx).
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/contracts", "<rootDir>/cost", "<rootDir>/stacks", "<rootDir>/plan", "<rootDir>/service/src", "<rootDir>/packages", "<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.(t|j|mj)sx?$": ["@swc/jest"] },
  // ESM-only packages (jose, ...) are transformed to CommonJS for jest.
  transformIgnorePatterns: ["/node_modules/(?!(jose)/)"],
  testTimeout: 30000,
  // Most integration suites wait on real-time audio and timers, not on the CPU: jest's default of
  // cores - 1 (one worker on a 2-core machine) runs them one after another.
  maxWorkers: 3,
};
