// createApp(deps): the console's Hono app. Mount a route module with one `.route(...)` line in `api` below.
import { OpenAPIHono, z } from '@hono/zod-openapi';
import { LogFilterQuery } from './routes/logs/logs.query.js';
import { sql } from 'drizzle-orm';
import type { AppEnv } from './app-env.js';
import { authenticate } from './auth/middleware.js';
import type { ConsoleDeps } from './deps.js';
import { notFound, onError } from './lib/problem.js';
import { router } from './lib/router.js';
import { serveWebApp } from './lib/static.js';
import { alertsRoutes } from './routes/alerts/alerts.routes.js';
import { auditRoutes } from './routes/audit/audit.routes.js';
import { deadLettersRoutes } from './routes/dead-letters/dead-letters.routes.js';
import { commandsRoutes } from './routes/commands/commands.routes.js';
import { rulesRoutes } from './routes/rules/rules.routes.js';
import { authRoutes } from './routes/auth/auth.routes.js';
import { credentialsRoutes } from './routes/devices/credentials.routes.js';
import { devicesRoutes } from './routes/devices/devices.routes.js';
import { importRoutes } from './routes/devices/import.routes.js';
import { fleetRoutes } from './routes/fleet/fleet.routes.js';
import { logsRoutes } from './routes/logs/logs.routes.js';
import { tailRoutes } from './routes/logs/tail.routes.js';
import { membersRoutes } from './routes/members/members.routes.js';
import { orgsRoutes } from './routes/orgs/orgs.routes.js';
import { telemetryRoutes } from './routes/telemetry/telemetry.routes.js';
import { tenantsRoutes } from './routes/tenants/tenants.routes.js';
import { tokensRoutes } from './routes/tokens/tokens.routes.js';
import { createServices, type Services } from './services.js';

function apiRoutes(s: Services) {
  return router()
    .route('/', authRoutes(s))
    .route('/orgs', orgsRoutes(s))
    .route('/tenants', tenantsRoutes(s))
    .route('/members', membersRoutes(s))
    .route('/tokens', tokensRoutes(s))
    .route('/devices', importRoutes(s))
    .route('/devices', devicesRoutes(s))
    .route('/devices', credentialsRoutes(s))
    .route('/logs', logsRoutes(s))
    .route('/logs', tailRoutes(s))
    .route('/telemetry', telemetryRoutes(s))
    .route('/fleet', fleetRoutes(s))
    .route('/audit', auditRoutes(s))
    .route('/devices', commandsRoutes(s))
    .route('/rules', rulesRoutes(s))
    .route('/alerts', alertsRoutes(s))
    .route('/dead-letters', deadLettersRoutes(s));
}

export function createApp(deps: ConsoleDeps) {
  const s = createServices(deps);
  const app = new OpenAPIHono<AppEnv>();
  app.onError(onError(deps.logger.child({ component: 'api' })));
  app.use('*', async (c, next) => {
    c.set('sql', s.sql);
    await next();
  });
  app.use('/api/*', authenticate());
  app.get('/healthz', async (c) => {
    await s.sql.rows(sql`SELECT 1`);
    return c.json({ ok: true });
  });
  const routes = app.route('/api', apiRoutes(s));
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'iotlog console API',
      version: '0.1.0',
      description:
        'Session cookie (POST /api/auth/login) + x-csrf-token header on unsafe methods, or Authorization: Bearer <API token>. ' +
        'Select the organization with the x-org-id header or ?orgId=. Errors are application/problem+json.',
    },
  });
  documentStreams(app);
  if (deps.staticDir) app.get('*', serveWebApp(deps.staticDir));
  app.notFound(notFound);
  return routes;
}

/** The two streaming routes are plain Hono handlers: describe them in the OpenAPI document by hand. */
function documentStreams(app: OpenAPIHono<AppEnv>) {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/logs/tail',
    tags: ['logs'],
    summary:
      'Live tail (Server-Sent Events): `ready`, then `log` events (LogLine JSON), `dropped` on overflow',
    request: { query: LogFilterQuery },
    responses: { 200: { description: 'text/event-stream' } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/logs/export',
    tags: ['logs'],
    summary: 'Export matching logs, newest first, streamed (format=csv|ndjson, limit default 100000)',
    request: {
      query: LogFilterQuery.extend({
        format: z.enum(['csv', 'ndjson']).optional(),
        limit: z.string().optional(),
      }),
    },
    responses: { 200: { description: 'text/csv or application/x-ndjson attachment' } },
  });
}

/** The typed API for `hc<AppType>` (console/web). */
export type AppType = ReturnType<typeof createApp>;
