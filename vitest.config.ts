import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'cdk.out/**', 'out/**'],
    // Tests that start local stand-ins (DynamoDB, Slack, X-Ray) bind ephemeral ports;
    // forks keep each file's servers and SDK globals isolated.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
