// Input schemas for workspace settings, members and invitations.
import { z } from 'zod';
import { isCurrency, isSupportedLocale, isTimeZone } from '../i18n/index.js';
import { email, requiredText } from '../web/validate.js';
import { roles } from './repo.js';

export const role = z.enum(roles as [string, ...string[]], { error: 'validation.choose' }) as z.ZodType<'owner' | 'admin' | 'agent'>;

export const WorkspaceSettings = z.object({
  name: requiredText(100),
  time_zone: z.string({ error: 'validation.required' }).trim().refine(isTimeZone, 'settings.invalid_time_zone'),
  currency: z
    .string({ error: 'validation.required' })
    .trim()
    .toUpperCase()
    .refine(isCurrency, 'settings.invalid_currency'),
  locale: z.string({ error: 'validation.required' }).refine(isSupportedLocale, 'validation.choose'),
});

export const NewWorkspace = z.object({ name: requiredText(100) });

export const Invite = z.object({ email: email(), role });

export const ChangeRole = z.object({ role });

export const SwitchWorkspace = z.object({ workspace_id: z.uuid('validation.choose') });

export const NewApiToken = z.object({ name: requiredText(80) });

export const Register = z
  .object({
    name: requiredText(100),
    password: z.string({ error: 'validation.required' }).min(10, 'validation.password_short').max(200, 'validation.too_long'),
  });
