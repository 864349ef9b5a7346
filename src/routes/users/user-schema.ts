import { z } from '@hono/zod-openapi';

export const appRoleSchema = z.enum(['contributor', 'validator', 'admin', 'company']);

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string().nullable().openapi({ description: 'From Supabase Auth; null once the account is deleted' }),
    role: appRoleSchema,
    companyId: z.uuid().nullable(),
    displayName: z
      .string()
      .nullable()
      .openapi({ description: "From the user's own metadata at sign-up: shown, never trusted" }),
    createdAt: z.string(),
    deletedAt: z
      .string()
      .nullable()
      .openapi({ description: 'When the account was deleted; its profile stays, anonymised' }),
  })
  .openapi('User');
