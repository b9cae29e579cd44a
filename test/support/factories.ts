// Factories: fresh workspaces and users for each test, made through PAR CRM's own commands.
import crypto from 'node:crypto';
import { signUp } from '../../src/auth/service.js';
import { hashPassword, insertUser, type UserRow } from '../../src/auth/users.js';
import type { Role, WorkspaceRow } from '../../src/workspaces/repo.js';
import { insertMembership } from '../../src/workspaces/repo.js';
import { testEnv } from './context.js';

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** uniqueEmail makes an email no other test uses. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${crypto.randomBytes(2).toString('hex')}@example.test`;
}

export interface Owned {
  user: UserRow;
  workspace: WorkspaceRow;
  password: string;
}

/** createWorkspace signs up a new owner with a new workspace. */
export async function createWorkspace(name = 'Acme Sales'): Promise<Owned> {
  const { ctx } = await testEnv();
  const { user, workspace } = await signUp(
    ctx.knex,
    { name: 'Olivia Owner', email: uniqueEmail('owner'), password: PASSWORD, workspace_name: name },
    { ip: '127.0.0.1' },
  );
  return { user, workspace, password: PASSWORD };
}

/** createMember adds a new user with `role` to the workspace. */
export async function createMember(workspaceId: string, role: Role, name = `${role[0].toUpperCase()}${role.slice(1)} Person`): Promise<UserRow> {
  const { ctx } = await testEnv();
  const user = await insertUser(ctx.knex, { name, email: uniqueEmail(role), password_hash: await hashPassword(PASSWORD) });
  await insertMembership(ctx.knex, workspaceId, user.id, role);
  return user;
}
