import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Starts one DynamoDB Local for the whole run and stops it at the end.
    globalSetup: ['test/global-setup.ts'],
  },
});
