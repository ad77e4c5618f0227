import { z } from '@hono/zod-openapi';
import { roles } from '../../auth/scope.js';

export const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());

export const OrgSummary = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    role: z.enum(roles),
    tenantIds: z.array(z.uuid()).nullable().openapi({ description: 'null = all tenants' }),
  })
  .openapi('OrgMembership');

export const Me = z
  .object({
    user: z.object({ id: z.uuid(), email: z.string(), name: z.string().nullable() }),
    via: z.enum(['session', 'token']),
    csrfToken: z
      .string()
      .nullable()
      .openapi({ description: 'send as x-csrf-token on POST/PUT/PATCH/DELETE' }),
    organizations: z.array(OrgSummary),
    current: z
      .object({ orgId: z.uuid(), role: z.enum(roles), tenantIds: z.array(z.uuid()).nullable() })
      .nullable(),
  })
  .openapi('Me');

export const LoginBody = z.object({ email: Email, password: z.string().min(1).max(1024) });

export const SetupBody = z.object({
  organization: z.string().min(1).max(200).openapi({ example: 'Acme' }),
  email: Email,
  name: z.string().max(200).optional(),
  password: z.string().min(10).max(1024),
});

export const PasswordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(10).max(1024),
});
