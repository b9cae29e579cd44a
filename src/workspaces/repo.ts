// Queries for workspaces and memberships. Every function scoped to a tenant takes the
// workspace id first and filters on it.
import type { Db } from '../db/index.js';

export type Role = 'owner' | 'admin' | 'agent';
export const roles: Role[] = ['owner', 'admin', 'agent'];

export interface WorkspaceRow {
  id: string;
  name: string;
  time_zone: string;
  currency: string;
  locale: string;
  created_at: Date;
  updated_at: Date;
}

export interface MemberRow {
  user_id: string;
  name: string;
  email: string;
  role: Role;
  created_at: Date;
}

/** findWorkspace loads a workspace by id. */
export function findWorkspace(db: Db, workspaceId: string): Promise<WorkspaceRow | undefined> {
  return db('workspaces').where({ id: workspaceId }).first();
}

/** insertWorkspace creates a workspace row. */
export async function insertWorkspace(db: Db, values: Pick<WorkspaceRow, 'name'> & Partial<WorkspaceRow>): Promise<WorkspaceRow> {
  const [row] = await db('workspaces').insert(values).returning('*');
  return row;
}

/** updateWorkspace changes a workspace's settings. */
export async function updateWorkspace(
  db: Db,
  workspaceId: string,
  values: Partial<Pick<WorkspaceRow, 'name' | 'time_zone' | 'currency' | 'locale'>>,
): Promise<WorkspaceRow> {
  const [row] = await db('workspaces')
    .where({ id: workspaceId })
    .update({ ...values, updated_at: db.fn.now() })
    .returning('*');
  return row;
}

/** findMembership returns the user's role in the workspace, if they belong to it. */
export function findMembership(db: Db, workspaceId: string, userId: string): Promise<{ role: Role } | undefined> {
  return db('memberships').where({ workspace_id: workspaceId, user_id: userId }).first('role');
}

/** membershipsOfUser lists the workspaces a user belongs to, for the switcher. */
export function membershipsOfUser(db: Db, userId: string): Promise<Array<{ workspace_id: string; name: string; role: Role }>> {
  return db('memberships as m')
    .join('workspaces as w', 'w.id', 'm.workspace_id')
    .where('m.user_id', userId)
    .orderBy('w.name')
    .select('m.workspace_id', 'w.name', 'm.role');
}

/** insertMembership adds a user to a workspace with a role. */
export async function insertMembership(db: Db, workspaceId: string, userId: string, role: Role): Promise<void> {
  await db('memberships').insert({ workspace_id: workspaceId, user_id: userId, role });
}

/** listMembers lists a workspace's members with their names, owners first. */
export function listMembers(db: Db, workspaceId: string): Promise<MemberRow[]> {
  return db('memberships as m')
    .join('users as u', 'u.id', 'm.user_id')
    .where('m.workspace_id', workspaceId)
    .orderByRaw("CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END")
    .orderBy('u.name')
    .select('m.user_id', 'u.name', 'u.email', 'm.role', 'm.created_at');
}

/** findMember loads one member of the workspace. */
export function findMember(db: Db, workspaceId: string, userId: string): Promise<MemberRow | undefined> {
  return db('memberships as m')
    .join('users as u', 'u.id', 'm.user_id')
    .where({ 'm.workspace_id': workspaceId, 'm.user_id': userId })
    .first('m.user_id', 'u.name', 'u.email', 'm.role', 'm.created_at');
}

/** countOwners counts a workspace's owners (the last one can't leave or be demoted). */
export async function countOwners(db: Db, workspaceId: string): Promise<number> {
  const row = await db('memberships').where({ workspace_id: workspaceId, role: 'owner' }).count<{ count: number }>('* as count').first();
  return Number(row?.count ?? 0);
}

/** updateMemberRole changes a member's role. */
export async function updateMemberRole(db: Db, workspaceId: string, userId: string, role: Role): Promise<void> {
  await db('memberships').where({ workspace_id: workspaceId, user_id: userId }).update({ role });
}

/** deleteMembership removes a member from the workspace. */
export async function deleteMembership(db: Db, workspaceId: string, userId: string): Promise<void> {
  await db('memberships').where({ workspace_id: workspaceId, user_id: userId }).delete();
}
