// Account commands: sign up, check credentials, reset and change passwords. Each runs in one
// transaction with its audit row.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import { Conflict, Invalid } from '../web/errors.js';
import { createWorkspace } from '../workspaces/service.js';
import type { WorkspaceRow } from '../workspaces/repo.js';
import { newToken, hashToken } from './tokens.js';
import {
  deleteSessionsOfUser,
  findUserByEmail,
  findUserById,
  hashPassword,
  insertUser,
  updateUser,
  verifyPassword,
  type UserRow,
} from './users.js';

const RESET_TTL_MS = 60 * 60 * 1000;

/** createUser adds a user account (password already hashed), refusing a registered email. */
export async function createUser(trx: Db, input: { name: string; email: string; passwordHash: string }, actor: Actor): Promise<UserRow> {
  if (await findUserByEmail(trx, input.email)) throw new Invalid({ email: 'auth.email_taken' });
  const user = await insertUser(trx, { name: input.name, email: input.email, password_hash: input.passwordHash });
  await recordAudit(trx, { ...actor, userId: user.id }, { action: 'user.signed_up', subjectType: 'user', subjectId: user.id });
  return user;
}

/** signUp creates a user and their first workspace, with the user as its owner. */
export async function signUp(
  knex: Knex,
  input: { name: string; email: string; password: string; workspace_name: string },
  actor: Actor,
): Promise<{ user: UserRow; workspace: WorkspaceRow }> {
  // Hash outside the transaction: argon2 is deliberately slow.
  const passwordHash = await hashPassword(input.password);
  try {
    return await knex.transaction(async (trx) => {
      const user = await createUser(trx, { name: input.name, email: input.email, passwordHash }, actor);
      const workspace = await createWorkspace(trx, { name: input.workspace_name }, user, { ...actor, userId: user.id });
      return { user, workspace };
    });
  } catch (err) {
    // Two sign-ups racing for one email: the unique index decides.
    if ((err as { code?: string }).code === '23505') throw new Invalid({ email: 'auth.email_taken' });
    throw err;
  }
}

/** checkCredentials returns the user when email and password match, else null (same timing). */
export async function checkCredentials(db: Db, email: string, password: string): Promise<UserRow | null> {
  const user = await findUserByEmail(db, email);
  const ok = await verifyPassword(user?.password_hash ?? null, password);
  return ok && user ? user : null;
}

/** requestPasswordReset makes a one-hour single-use token, or null when the email is unknown. */
export async function requestPasswordReset(knex: Knex, email: string, actor: Actor): Promise<{ user: UserRow; token: string } | null> {
  const user = await findUserByEmail(knex, email);
  if (!user) return null;
  const { token, hash } = newToken();
  await knex.transaction(async (trx) => {
    await trx('password_resets').insert({ user_id: user.id, token_hash: hash, expires_at: new Date(Date.now() + RESET_TTL_MS) });
    await recordAudit(trx, { ...actor, userId: user.id }, { action: 'password.reset_requested', subjectType: 'user', subjectId: user.id });
  });
  return { user, token };
}

/** findUsableReset loads a reset token that is neither used nor expired. */
export function findUsableReset(db: Db, token: string): Promise<{ id: string; user_id: string } | undefined> {
  return db('password_resets')
    .where({ token_hash: hashToken(token) })
    .whereNull('used_at')
    .andWhere('expires_at', '>', new Date())
    .first('id', 'user_id');
}

/**
 * resetPassword spends the token (once: the UPDATE only matches an unused, unexpired token),
 * sets the new password and signs the user out everywhere.
 */
export async function resetPassword(knex: Knex, token: string, password: string, actor: Actor): Promise<UserRow | null> {
  const passwordHash = await hashPassword(password);
  return knex.transaction(async (trx) => {
    const [spent] = await trx('password_resets')
      .where({ token_hash: hashToken(token) })
      .whereNull('used_at')
      .andWhere('expires_at', '>', new Date())
      .update({ used_at: trx.fn.now() })
      .returning('user_id');
    if (!spent) return null;
    await updateUser(trx, spent.user_id, { password_hash: passwordHash });
    // Other outstanding links stop working too.
    await trx('password_resets').where({ user_id: spent.user_id }).whereNull('used_at').update({ used_at: trx.fn.now() });
    await deleteSessionsOfUser(trx, spent.user_id);
    await recordAudit(trx, { ...actor, userId: spent.user_id }, { action: 'password.reset', subjectType: 'user', subjectId: spent.user_id });
    return (await findUserById(trx, spent.user_id)) ?? null;
  });
}

/** changePassword checks the current password, sets the new one and ends the user's other sessions. */
export async function changePassword(
  knex: Knex,
  user: UserRow,
  input: { current_password: string; password: string },
  currentSid: string,
  actor: Actor,
): Promise<void> {
  if (!(await verifyPassword(user.password_hash, input.current_password))) {
    throw new Invalid({ current_password: 'account.current_password_wrong' });
  }
  const passwordHash = await hashPassword(input.password);
  await knex.transaction(async (trx) => {
    await updateUser(trx, user.id, { password_hash: passwordHash });
    await deleteSessionsOfUser(trx, user.id, currentSid);
    await recordAudit(trx, actor, { action: 'password.changed', subjectType: 'user', subjectId: user.id });
  });
}

/** setPasswordByEmail is the CLI's way back in for an administrator who lost a password. */
export async function setPasswordByEmail(knex: Knex, email: string, password: string): Promise<UserRow> {
  const user = await findUserByEmail(knex, email);
  if (!user) throw new Conflict(`no user with the email ${email}`, 'not_found');
  const passwordHash = await hashPassword(password);
  await knex.transaction(async (trx) => {
    await updateUser(trx, user.id, { password_hash: passwordHash });
    await deleteSessionsOfUser(trx, user.id);
    await recordAudit(trx, { userId: null }, { action: 'password.set_by_cli', subjectType: 'user', subjectId: user.id });
  });
  return user;
}
