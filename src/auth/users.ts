// Users and their passwords (argon2id).
import argon2 from 'argon2';
import type { Db } from '../db/index.js';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  last_workspace_id: string | null;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Emails are stored trimmed and lower-cased; the unique index is on lower(email). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** hashPassword hashes with argon2id (OWASP's recommended parameters). */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

// Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
let dummyHash: Promise<string> | null = null;

/** verifyPassword checks a password against a stored hash (or a dummy when there is none). */
export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  const target = hash ?? (await (dummyHash ??= hashPassword('not-a-real-password-' + Math.random())));
  try {
    return (await argon2.verify(target, password)) && hash !== null;
  } catch {
    return false;
  }
}

/** findUserById loads a user. */
export function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db('users').where({ id }).first();
}

/** findUserByEmail loads a user by email, whatever its case. */
export function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db('users').whereRaw('lower(email) = ?', [normalizeEmail(email)]).first();
}

/** insertUser creates a user with an already hashed password. */
export async function insertUser(db: Db, values: { email: string; name: string; password_hash: string }): Promise<UserRow> {
  const [row] = await db('users')
    .insert({ ...values, email: normalizeEmail(values.email) })
    .returning('*');
  return row;
}

/** updateUser changes a user's name, password hash or last workspace. */
export async function updateUser(
  db: Db,
  id: string,
  values: Partial<Pick<UserRow, 'name' | 'password_hash' | 'last_workspace_id' | 'last_login_at'>>,
): Promise<void> {
  await db('users')
    .where({ id })
    .update({ ...values, updated_at: db.fn.now() });
}

/** deleteSessionsOfUser signs a user out everywhere (after a password reset or change). */
export async function deleteSessionsOfUser(db: Db, userId: string, exceptSid?: string): Promise<void> {
  const q = db('sessions').where({ user_id: userId });
  if (exceptSid) q.whereNot({ sid: exceptSid });
  await q.delete();
}
