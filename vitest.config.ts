import { defineConfig } from 'vitest/config';

// Root tests: the `iotlog` CLI (cli/**). Each package has its own vitest config, run through turbo.
export default defineConfig({
  test: {
    include: ['cli/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
