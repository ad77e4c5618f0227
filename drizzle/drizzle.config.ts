import { defineConfig } from 'drizzle-kit';

// Used only by `npx drizzle-kit generate` (offline). Migrations are applied by `migrate()` / `iotlog migrate`.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/index.ts',
  out: './migrations',
  casing: 'snake_case',
});
