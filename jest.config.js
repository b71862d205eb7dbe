const { loadEnv } = require("@medusajs/framework/utils")
loadEnv("test", process.cwd())

const testMatch = {
  unit: ["**/src/**/__tests__/**/*.unit.spec.[jt]s", "<rootDir>/sandbox/__tests__/**/*.unit.spec.[jt]s"],
  "integration:http": ["**/integration-tests/http/*.spec.[jt]s"],
  compat: ["**/integration-tests/compat/*.spec.[jt]s"],
}[process.env.TEST_TYPE ?? "unit"]

module.exports = {
  transform: {
    "^.+\\.[jt]sx?$": [
      "@swc/jest",
      {
        jsc: {
          parser: { syntax: "typescript", decorators: true },
          target: "es2021",
        },
      },
    ],
  },
  testEnvironment: "node",
  moduleFileExtensions: ["js", "ts", "json"],
  // .test-data holds the compatibility apps, each with a node_modules of its own Medusa
  modulePathIgnorePatterns: ["dist/", "<rootDir>/.medusa/", "<rootDir>/.test-data/", "<rootDir>/compat/"],
  testMatch,
  ...(["integration:http", "compat"].includes(process.env.TEST_TYPE)
    ? {
        setupFiles: ["./integration-tests/setup.js"],
        globalSetup: "./integration-tests/global-setup.ts",
        globalTeardown: "./integration-tests/global-teardown.ts",
      }
    : {}),
}
