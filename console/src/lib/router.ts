// Every route module builds its routes on `router()`: zod validation failures become 400 problem JSON.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { ValidationError } from '../errors.js';

export function router(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
        const first = issues[0];
        throw new ValidationError(
          first
            ? `invalid ${result.target}: ${first.path || '(root)'}: ${first.message}`
            : `invalid ${result.target}`,
          issues,
          result.error,
        );
      }
    },
  });
}
