// Workspace API tokens: created in Settings or by the CLI, shown once, stored as a hash.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/index.js';
import { hashToken, newToken } from '../auth/tokens.js';
import type { Db } from '../db/index.js';
import { NotFound } from '../web/errors.js';

export interface ApiTokenRow {
  id: string;
  workspace_id: string;
  name: string;
  token_prefix: string;
  created_by: string | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
}

const TOKEN_PREFIX = 'par_';

/** createApiToken makes a token for the workspace and returns it in clear, the only time it exists. */
export async function createApiToken(knex: Knex, workspaceId: string, name: string, actor: Actor): Promise<{ row: ApiTokenRow; token: string }> {
  const { token, hash } = newToken(TOKEN_PREFIX);
  return knex.transaction(async (trx) => {
    const [row] = await trx('api_tokens')
      .insert({ workspace_id: workspaceId, name, token_hash: hash, token_prefix: token.slice(0, 10), created_by: actor.userId ?? null })
      .returning(['id', 'workspace_id', 'name', 'token_prefix', 'created_by', 'last_used_at', 'revoked_at', 'created_at']);
    await recordAudit(trx, actor, { workspaceId, action: 'api_token.created', subjectType: 'api_token', subjectId: row.id, data: { name } });
    return { row, token };
  });
}

/** listApiTokens lists the workspace's tokens (never their secrets), newest first. */
export function listApiTokens(db: Db, workspaceId: string): Promise<Array<ApiTokenRow & { created_by_name: string | null }>> {
  return db('api_tokens as t')
    .leftJoin('users as u', 'u.id', 't.created_by')
    .where('t.workspace_id', workspaceId)
    .orderBy('t.created_at', 'desc')
    .select('t.id', 't.workspace_id', 't.name', 't.token_prefix', 't.created_by', 't.last_used_at', 't.revoked_at', 't.created_at', 'u.name as created_by_name');
}

/** revokeApiToken stops a token of the workspace from working. */
export async function revokeApiToken(knex: Knex, workspaceId: string, tokenId: string, actor: Actor): Promise<void> {
  await knex.transaction(async (trx) => {
    const n = await trx('api_tokens').where({ workspace_id: workspaceId, id: tokenId }).whereNull('revoked_at').update({ revoked_at: trx.fn.now() });
    if (!n) throw new NotFound();
    await recordAudit(trx, actor, { workspaceId, action: 'api_token.revoked', subjectType: 'api_token', subjectId: tokenId });
  });
}

/** findActiveToken resolves a bearer token to its workspace, or undefined if unknown or revoked. */
export function findActiveToken(db: Db, token: string): Promise<{ id: string; name: string; workspace_id: string; last_used_at: Date | null } | undefined> {
  return db('api_tokens').where({ token_hash: hashToken(token) }).whereNull('revoked_at').first('id', 'name', 'workspace_id', 'last_used_at');
}

/** touchApiToken records use, at most once a minute per token to spare the database. */
export async function touchApiToken(db: Db, token: { id: string; last_used_at: Date | null }): Promise<void> {
  if (token.last_used_at && Date.now() - new Date(token.last_used_at).getTime() < 60_000) return;
  await db('api_tokens').where({ id: token.id }).update({ last_used_at: db.fn.now() });
}
