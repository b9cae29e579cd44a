// The audit log: security events and every change a command makes, written in the same
// transaction as the change so the log and the data never disagree.
import type { Request } from 'express';
import type { Db } from '../db/index.js';

/** Who did something: a signed-in user, an API token, or nobody (a failed sign-in). */
export interface Actor {
  userId?: string | null;
  tokenId?: string | null;
  ip?: string | null;
}

export interface AuditEvent {
  workspaceId?: string | null;
  action: string;
  subjectType?: string;
  subjectId?: string | null;
  data?: Record<string, unknown>;
}

export interface AuditRow {
  id: number;
  workspace_id: string | null;
  actor_user_id: string | null;
  actor_token_id: string | null;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  ip: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

/** actorOf describes who made a request: the session's user or the API token, and the IP. */
export function actorOf(req: Request): Actor {
  return { userId: req.user?.id ?? null, tokenId: req.apiToken?.id ?? null, ip: req.ip ?? null };
}

/** recordAudit appends one event; call it with the transaction that made the change. */
export async function recordAudit(db: Db, actor: Actor, event: AuditEvent): Promise<void> {
  await db('audit_log').insert({
    workspace_id: event.workspaceId ?? null,
    actor_user_id: actor.userId ?? null,
    actor_token_id: actor.tokenId ?? null,
    action: event.action,
    subject_type: event.subjectType ?? null,
    subject_id: event.subjectId ?? null,
    ip: actor.ip ?? null,
    data: JSON.stringify(event.data ?? {}),
  });
}

/** workspaceAudit lists a workspace's events, newest first, with the actor's name and email. */
export async function workspaceAudit(db: Db, workspaceId: string, opts: { limit: number; beforeId?: number }) {
  const q = db('audit_log as a')
    .leftJoin('users as u', 'u.id', 'a.actor_user_id')
    .leftJoin('api_tokens as t', 't.id', 'a.actor_token_id')
    .where('a.workspace_id', workspaceId)
    .orderBy('a.id', 'desc')
    .limit(opts.limit)
    .select('a.*', 'u.name as actor_name', 'u.email as actor_email', 't.name as actor_token_name');
  if (opts.beforeId) q.andWhere('a.id', '<', opts.beforeId);
  return (await q) as Array<AuditRow & { actor_name: string | null; actor_email: string | null; actor_token_name: string | null }>;
}
