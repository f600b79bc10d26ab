import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs nothing but Node (no Java, no moto); `integration` runs against
// DynamoDB Local (one for the whole run, started by its global setup) and moto behind the fault
// proxy; `infra` synthesizes the CDK stacks. `npm test` runs all three.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Starts one DynamoDB Local for the whole run and stops it at the end.
          globalSetup: ['test/global-setup.ts'],
        },
      },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'] } },
    ],
  },
});
