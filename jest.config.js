/** One jest run for every suite: infra (mock engine), cost, service (real sockets), e2e. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.(t|j|mj)sx?$": ["@swc/jest"] },
  // ESM-only packages (jose, ...) are transformed to CommonJS for jest.
  transformIgnorePatterns: ["/node_modules/(?!(jose)/)"],
  testTimeout: 30000,
};
