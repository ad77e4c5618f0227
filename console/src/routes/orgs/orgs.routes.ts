// Organizations: the ones I belong to.
import { createRoute, z } from '@hono/zod-openapi';
import { router } from '../../lib/router.js';
import { errorResponses, json } from '../../lib/schemas.js';
import type { Services } from '../../services.js';
import { OrgSummary } from '../auth/auth.schemas.js';
import { myOrganizations } from '../auth/auth.service.js';

export function orgsRoutes(s: Services) {
  return router().openapi(
    createRoute({
      method: 'get',
      path: '/',
      tags: ['organizations'],
      summary: 'Organizations I am a member of, with my role there',
      responses: { 200: json(z.object({ items: z.array(OrgSummary) })), ...errorResponses },
    }),
    async (c) => {
      const caller = c.get('caller');
      let items = await myOrganizations(s.sql, caller.userId);
      // an API token sees only its own organization
      if (caller.via === 'token') items = items.filter((o) => o.id === c.get('scope')?.orgId);
      return c.json({ items }, 200);
    },
  );
}
