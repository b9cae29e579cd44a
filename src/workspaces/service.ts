// Workspace commands: create, configure, invite, accept, change roles, remove members.
// Each runs in the caller's transaction (or its own) and records its audit row there.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/index.js';
import { hashToken, newToken } from '../auth/tokens.js';
import { normalizeEmail, type UserRow } from '../auth/users.js';
import type { Db } from '../db/index.js';
import { Forbidden, Invalid, NotFound } from '../web/errors.js';
import {
  countOwners,
  deleteMembership,
  findMember,
  insertMembership,
  insertWorkspace,
  updateMemberRole,
  updateWorkspace,
  type Role,
  type WorkspaceRow,
} from './repo.js';

const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** Hooks other modules add to set up a new workspace (a default pipeline, say). */
type WorkspaceInitializer = (trx: Db, workspace: WorkspaceRow, owner: UserRow) => Promise<void>;
const initializers: WorkspaceInitializer[] = [];

/** onWorkspaceCreated registers setup that runs inside every new workspace's transaction. */
export function onWorkspaceCreated(fn: WorkspaceInitializer): void {
  initializers.push(fn);
}

/** createWorkspace makes a workspace with `owner` as its owner. */
export async function createWorkspace(
  trx: Db,
  input: { name: string; time_zone?: string; currency?: string; locale?: string },
  owner: UserRow,
  actor: Actor,
): Promise<WorkspaceRow> {
  const workspace = await insertWorkspace(trx, input);
  await insertMembership(trx, workspace.id, owner.id, 'owner');
  for (const init of initializers) await init(trx, workspace, owner);
  await recordAudit(trx, actor, { workspaceId: workspace.id, action: 'workspace.created', subjectType: 'workspace', subjectId: workspace.id });
  return workspace;
}

/** updateWorkspaceSettings changes name, time zone, currency and locale. */
export async function updateWorkspaceSettings(
  knex: Knex,
  workspaceId: string,
  input: Pick<WorkspaceRow, 'name' | 'time_zone' | 'currency' | 'locale'>,
  actor: Actor,
): Promise<WorkspaceRow> {
  return knex.transaction(async (trx) => {
    const row = await updateWorkspace(trx, workspaceId, input);
    await recordAudit(trx, actor, { workspaceId, action: 'workspace.updated', subjectType: 'workspace', subjectId: workspaceId, data: input });
    return row;
  });
}

/** Which roles a member may hand out: only owners make owners. */
export function assignableRoles(actorRole: Role): Role[] {
  return actorRole === 'owner' ? ['owner', 'admin', 'agent'] : actorRole === 'admin' ? ['admin', 'agent'] : [];
}

export interface InvitationRow {
  id: string;
  workspace_id: string;
  email: string;
  role: Role;
  invited_by: string | null;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

/**
 * inviteMember creates a 7-day invitation (replacing a pending one for the same email) and
 * returns the token for the emailed link.
 */
export async function inviteMember(
  knex: Knex,
  workspaceId: string,
  actorRole: Role,
  input: { email: string; role: Role },
  actor: Actor,
): Promise<{ invitation: InvitationRow; token: string }> {
  if (!assignableRoles(actorRole).includes(input.role)) throw new Invalid({ role: 'members.role_not_allowed' });
  const email = normalizeEmail(input.email);
  return knex.transaction(async (trx) => {
    const existing = await trx('memberships as m')
      .join('users as u', 'u.id', 'm.user_id')
      .where('m.workspace_id', workspaceId)
      .andWhereRaw('lower(u.email) = ?', [email])
      .first('m.user_id');
    if (existing) throw new Invalid({ email: 'members.already_member' });
    await trx('invitations')
      .where({ workspace_id: workspaceId })
      .andWhereRaw('lower(email) = ?', [email])
      .whereNull('accepted_at')
      .whereNull('revoked_at')
      .update({ revoked_at: trx.fn.now() });
    const { token, hash } = newToken();
    const [invitation] = await trx('invitations')
      .insert({
        workspace_id: workspaceId,
        email,
        role: input.role,
        token_hash: hash,
        invited_by: actor.userId ?? null,
        expires_at: new Date(Date.now() + INVITATION_TTL_MS),
      })
      .returning('*');
    await recordAudit(trx, actor, {
      workspaceId,
      action: 'member.invited',
      subjectType: 'invitation',
      subjectId: invitation.id,
      data: { email, role: input.role },
    });
    return { invitation, token };
  });
}

/** pendingInvitations lists a workspace's invitations that can still be accepted. */
export function pendingInvitations(db: Db, workspaceId: string): Promise<InvitationRow[]> {
  return db('invitations')
    .where({ workspace_id: workspaceId })
    .whereNull('accepted_at')
    .whereNull('revoked_at')
    .andWhere('expires_at', '>', new Date())
    .orderBy('created_at', 'desc');
}

/** revokeInvitation cancels a pending invitation of the workspace. */
export async function revokeInvitation(knex: Knex, workspaceId: string, invitationId: string, actor: Actor): Promise<void> {
  await knex.transaction(async (trx) => {
    const n = await trx('invitations')
      .where({ workspace_id: workspaceId, id: invitationId })
      .whereNull('accepted_at')
      .whereNull('revoked_at')
      .update({ revoked_at: trx.fn.now() });
    if (!n) throw new NotFound();
    await recordAudit(trx, actor, { workspaceId, action: 'invitation.revoked', subjectType: 'invitation', subjectId: invitationId });
  });
}

/** findOpenInvitation loads an invitation by its link token, if it can still be accepted. */
export function findOpenInvitation(db: Db, token: string): Promise<(InvitationRow & { workspace_name: string; inviter_name: string | null }) | undefined> {
  return db('invitations as i')
    .join('workspaces as w', 'w.id', 'i.workspace_id')
    .leftJoin('users as u', 'u.id', 'i.invited_by')
    .where('i.token_hash', hashToken(token))
    .whereNull('i.accepted_at')
    .whereNull('i.revoked_at')
    .andWhere('i.expires_at', '>', new Date())
    .first('i.*', 'w.name as workspace_name', 'u.name as inviter_name');
}

/**
 * acceptInvitation adds `user` to the invitation's workspace. The invitation is spent by an
 * UPDATE that only matches while it is open, so a link works once.
 */
export async function acceptInvitation(trx: Db, token: string, user: UserRow, actor: Actor): Promise<InvitationRow> {
  const [invitation] = await trx('invitations')
    .where({ token_hash: hashToken(token) })
    .whereNull('accepted_at')
    .whereNull('revoked_at')
    .andWhere('expires_at', '>', new Date())
    .update({ accepted_at: trx.fn.now(), accepted_by: user.id })
    .returning('*');
  if (!invitation) throw new NotFound('invitations.invalid');
  if (normalizeEmail(invitation.email) !== normalizeEmail(user.email)) throw new Forbidden('invitations.wrong_account');
  await trx('memberships')
    .insert({ workspace_id: invitation.workspace_id, user_id: user.id, role: invitation.role })
    .onConflict(['workspace_id', 'user_id'])
    .ignore();
  await recordAudit(trx, { ...actor, userId: user.id }, {
    workspaceId: invitation.workspace_id,
    action: 'invitation.accepted',
    subjectType: 'invitation',
    subjectId: invitation.id,
    data: { role: invitation.role },
  });
  return invitation;
}

/**
 * changeMemberRole sets a member's role. Admins manage admins and agents; only owners touch
 * owners; the last owner keeps the role.
 */
export async function changeMemberRole(
  knex: Knex,
  workspaceId: string,
  actorRole: Role,
  userId: string,
  role: Role,
  actor: Actor,
): Promise<void> {
  await knex.transaction(async (trx) => {
    const member = await findMember(trx, workspaceId, userId);
    if (!member) throw new NotFound();
    if (member.role === role) return;
    if (!assignableRoles(actorRole).includes(role) || (member.role === 'owner' && actorRole !== 'owner')) throw new Forbidden();
    // Lock the workspace's owners so two demotions cannot both pass the last-owner check.
    await trx('memberships').where({ workspace_id: workspaceId, role: 'owner' }).forUpdate();
    if (member.role === 'owner' && (await countOwners(trx, workspaceId)) <= 1) throw new Invalid({ role: 'members.last_owner' });
    await updateMemberRole(trx, workspaceId, userId, role);
    await recordAudit(trx, actor, {
      workspaceId,
      action: 'member.role_changed',
      subjectType: 'user',
      subjectId: userId,
      data: { from: member.role, to: role },
    });
  });
}

/** removeMember takes a member out of the workspace (never the last owner). */
export async function removeMember(knex: Knex, workspaceId: string, actorRole: Role, userId: string, actor: Actor): Promise<void> {
  await knex.transaction(async (trx) => {
    const member = await findMember(trx, workspaceId, userId);
    if (!member) throw new NotFound();
    const self = userId === actor.userId;
    if (!self && (assignableRoles(actorRole).length === 0 || (member.role === 'owner' && actorRole !== 'owner'))) throw new Forbidden();
    await trx('memberships').where({ workspace_id: workspaceId, role: 'owner' }).forUpdate();
    if (member.role === 'owner' && (await countOwners(trx, workspaceId)) <= 1) throw new Invalid({ _: 'members.last_owner' });
    await deleteMembership(trx, workspaceId, userId);
    await recordAudit(trx, actor, {
      workspaceId,
      action: self ? 'member.left' : 'member.removed',
      subjectType: 'user',
      subjectId: userId,
      data: { email: member.email, role: member.role },
    });
  });
}
