import { defineConfig } from 'vitest/config';

// Root tests: the `iotlog` CLI (cli/**) and end-to-end tests across packages (e2e/**). Each package has its own vitest config, run through turbo.
export default defineConfig({
  test: {
    include: ['cli/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
