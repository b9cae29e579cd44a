// Input schemas for sign-up, sign-in and passwords.
import { z } from 'zod';
import { email, password, requiredText } from '../web/validate.js';

export const SignUp = z.object({
  name: requiredText(100),
  email: email(),
  password: password(),
  workspace_name: requiredText(100),
});

export const LogIn = z.object({
  email: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(254, 'validation.too_long'),
  password: z.string({ error: 'validation.required' }).min(1, 'validation.required').max(200, 'validation.too_long'),
});

export const ForgotPassword = z.object({ email: email() });

export const NewPassword = z
  .object({ password: password(), password_confirmation: z.string({ error: 'validation.required' }) })
  .refine((v) => v.password === v.password_confirmation, { path: ['password_confirmation'], message: 'validation.password_mismatch' });

export const ChangePassword = z
  .object({
    current_password: z.string({ error: 'validation.required' }).min(1, 'validation.required'),
    password: password(),
    password_confirmation: z.string({ error: 'validation.required' }),
  })
  .refine((v) => v.password === v.password_confirmation, { path: ['password_confirmation'], message: 'validation.password_mismatch' });

export const Profile = z.object({ name: requiredText(100) });
