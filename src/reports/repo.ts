// The numbers behind /reports. Money is summed by Postgres (numeric) and stays a string; counts
// and durations (seconds) are plain numbers. Every query takes the workspace id first.
import type { Db } from '../db/index.js';

/** Open deals' count and value per open stage and currency. */
export interface StageValueRow {
  stage_id: string;
  name: string;
  probability: number | null;
  currency: string | null;
  count: number;
  total: string | null;
}

/** pipelineValueByStage sums the open deals of each open stage of a pipeline. */
export async function pipelineValueByStage(db: Db, workspaceId: string, pipelineId: string): Promise<StageValueRow[]> {
  const { rows } = await db.raw(
    `SELECT s.id AS stage_id, s.name, s.probability, s.position, d.currency, count(d.id) AS count, sum(d.value) AS total
       FROM pipeline_stages s
       LEFT JOIN deals d ON d.workspace_id = s.workspace_id AND d.stage_id = s.id AND d.closed_at IS NULL
      WHERE s.workspace_id = ? AND s.pipeline_id = ? AND s.archived_at IS NULL AND s.kind = 'open'
      GROUP BY s.id, d.currency
      ORDER BY s.position, d.currency`,
    [workspaceId, pipelineId],
  );
  return rows;
}

/** How many of the deals created since `since` reached each stage (or a later one). */
export interface ReachedRow {
  stage_id: string;
  name: string;
  kind: 'open' | 'won';
  reached: number;
}

/**
 * stageReach counts, for the deals of a pipeline created since `since`, how many reached each
 * open or won stage: a deal reached a stage when it was ever in it or in a stage further right
 * (deals can skip stages). Lost stages are not a step of the funnel.
 */
export async function stageReach(db: Db, workspaceId: string, pipelineId: string, since: Date): Promise<ReachedRow[]> {
  const { rows } = await db.raw(
    `WITH furthest AS (
       SELECT e.deal_id, max(s.position) AS position
         FROM deal_events e
         JOIN deals d ON d.workspace_id = e.workspace_id AND d.id = e.deal_id
         JOIN pipeline_stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
        WHERE e.workspace_id = ? AND d.pipeline_id = ? AND s.pipeline_id = ? AND d.created_at >= ?
          AND e.type IN ('created', 'stage_changed') AND s.kind <> 'lost'
        GROUP BY e.deal_id
     )
     SELECT st.id AS stage_id, st.name, st.kind, count(f.deal_id) FILTER (WHERE f.position >= st.position) AS reached
       FROM pipeline_stages st
       LEFT JOIN furthest f ON true
      WHERE st.workspace_id = ? AND st.pipeline_id = ? AND st.archived_at IS NULL AND st.kind <> 'lost'
      GROUP BY st.id
      ORDER BY st.position`,
    [workspaceId, pipelineId, pipelineId, since, workspaceId, pipelineId],
  );
  return rows.map((r: ReachedRow) => ({ ...r, reached: Number(r.reached) }));
}

/** Won deals per calendar month (in the workspace's time zone) and currency. */
export interface WonMonthRow {
  month: string;
  currency: string;
  count: number;
  total: string;
}

/** wonByMonth sums the deals won since the first day of `fromMonth` ('YYYY-MM'). */
export async function wonByMonth(db: Db, workspaceId: string, pipelineId: string, timeZone: string, fromMonth: string): Promise<WonMonthRow[]> {
  const { rows } = await db.raw(
    `SELECT to_char(date_trunc('month', d.won_at AT TIME ZONE ?), 'YYYY-MM') AS month, d.currency, count(*) AS count, sum(d.value) AS total
       FROM deals d
      WHERE d.workspace_id = ? AND d.pipeline_id = ? AND d.won_at >= (?::timestamp AT TIME ZONE ?)
      GROUP BY 1, 2
      ORDER BY 1, 2`,
    [timeZone, workspaceId, pipelineId, `${fromMonth}-01 00:00:00`, timeZone],
  );
  return rows.map((r: WonMonthRow) => ({ ...r, count: Number(r.count), currency: r.currency.trim() }));
}

/** Average time deals spent in each open stage. */
export interface StageTimeRow {
  stage_id: string;
  name: string;
  stays: number;
  /** Average length of a stay in seconds, or null without stays. */
  avg_seconds: number | null;
}

/**
 * timeInStage averages how long deals stayed in each open stage of a pipeline: stays that ended
 * since `since`, and stays still going on (counted up to now). A stay runs from entering the
 * stage to the next stage change.
 */
export async function timeInStage(db: Db, workspaceId: string, pipelineId: string, since: Date): Promise<StageTimeRow[]> {
  const { rows } = await db.raw(
    `WITH stays AS (
       SELECT e.to_stage_id AS stage_id, e.created_at AS entered_at,
              lead(e.created_at) OVER (PARTITION BY e.deal_id ORDER BY e.created_at, e.id) AS left_at
         FROM deal_events e
        WHERE e.workspace_id = ? AND e.type IN ('created', 'stage_changed')
          AND e.deal_id IN (SELECT id FROM deals WHERE workspace_id = ? AND pipeline_id = ?)
     )
     SELECT s.id AS stage_id, s.name, count(st.entered_at) AS stays,
            avg(extract(epoch FROM coalesce(st.left_at, now()) - st.entered_at)) AS avg_seconds
       FROM pipeline_stages s
       LEFT JOIN stays st ON st.stage_id = s.id AND (st.left_at IS NULL OR st.left_at >= ?)
      WHERE s.workspace_id = ? AND s.pipeline_id = ? AND s.archived_at IS NULL AND s.kind = 'open'
      GROUP BY s.id
      ORDER BY s.position`,
    [workspaceId, workspaceId, pipelineId, since, workspaceId, pipelineId],
  );
  return rows.map((r: { stage_id: string; name: string; stays: number; avg_seconds: string | null }) => ({
    stage_id: r.stage_id,
    name: r.name,
    stays: Number(r.stays),
    avg_seconds: r.avg_seconds === null ? null : Number(r.avg_seconds),
  }));
}

// The first reply to each conversation whose first customer message came since `since`: the
// first outbound message a person (not an automation) sent after it.
const FIRST_REPLIES = `
  WITH firsts AS (
    SELECT m.conversation_id, min(m.created_at) AS first_in
      FROM messages m
     WHERE m.workspace_id = :ws AND m.direction = 'inbound'
     GROUP BY m.conversation_id
    HAVING min(m.created_at) >= :since
  ), replies AS (
    SELECT f.conversation_id, f.first_in, r.created_at AS replied_at, r.sent_by
      FROM firsts f
      LEFT JOIN LATERAL (
        SELECT m.created_at, m.sent_by FROM messages m
         WHERE m.workspace_id = :ws AND m.conversation_id = f.conversation_id AND m.direction = 'outbound'
           AND m.sent_by IS NOT NULL AND m.created_at >= f.first_in
         ORDER BY m.created_at, m.id LIMIT 1
      ) r ON true
  )`;

/** First response time over all conversations started since `since`. */
export interface ResponseSummary {
  conversations: number;
  answered: number;
  avg_seconds: number | null;
  median_seconds: number | null;
}

/** firstResponseSummary measures how fast the team first answered new conversations. */
export async function firstResponseSummary(db: Db, workspaceId: string, since: Date): Promise<ResponseSummary> {
  const { rows } = await db.raw(
    `${FIRST_REPLIES}
     SELECT count(*) AS conversations, count(replied_at) AS answered,
            avg(extract(epoch FROM replied_at - first_in)) AS avg_seconds,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM replied_at - first_in)) AS median_seconds
       FROM replies`,
    { ws: workspaceId, since },
  );
  const r = rows[0];
  return {
    conversations: Number(r.conversations),
    answered: Number(r.answered),
    avg_seconds: r.avg_seconds === null ? null : Number(r.avg_seconds),
    median_seconds: r.median_seconds === null ? null : Number(r.median_seconds),
  };
}

/** One agent's inbox numbers. */
export interface AgentRow {
  user_id: string;
  name: string;
  /** Conversations the agent wrote in since `since`. */
  conversations: number;
  /** Open conversations assigned to the agent now. */
  assigned_open: number;
  /** New conversations whose first reply was the agent's. */
  first_replies: number;
  avg_first_response_seconds: number | null;
}

/** agentActivity lists, per member, conversations handled and their first response time. */
export async function agentActivity(db: Db, workspaceId: string, since: Date): Promise<AgentRow[]> {
  const { rows } = await db.raw(
    `${FIRST_REPLIES}
     , handled AS (
       SELECT m.sent_by AS user_id, count(DISTINCT m.conversation_id) AS conversations
         FROM messages m
        WHERE m.workspace_id = :ws AND m.direction = 'outbound' AND m.sent_by IS NOT NULL AND m.created_at >= :since
        GROUP BY m.sent_by
     ), assigned AS (
       SELECT c.assignee_id AS user_id, count(*) AS assigned_open
         FROM conversations c
        WHERE c.workspace_id = :ws AND c.status = 'open' AND c.assignee_id IS NOT NULL
        GROUP BY c.assignee_id
     ), first_by AS (
       SELECT sent_by AS user_id, count(*) AS first_replies, avg(extract(epoch FROM replied_at - first_in)) AS avg_seconds
         FROM replies WHERE sent_by IS NOT NULL GROUP BY sent_by
     )
     SELECT u.id AS user_id, u.name,
            coalesce(h.conversations, 0) AS conversations, coalesce(a.assigned_open, 0) AS assigned_open,
            coalesce(f.first_replies, 0) AS first_replies, f.avg_seconds AS avg_first_response_seconds
       FROM users u
       LEFT JOIN handled h ON h.user_id = u.id
       LEFT JOIN assigned a ON a.user_id = u.id
       LEFT JOIN first_by f ON f.user_id = u.id
      WHERE u.id IN (SELECT user_id FROM memberships WHERE workspace_id = :ws)
         OR h.user_id IS NOT NULL OR f.user_id IS NOT NULL
      ORDER BY coalesce(h.conversations, 0) DESC, u.name`,
    { ws: workspaceId, since },
  );
  return rows.map((r: Record<string, string | null>) => ({
    user_id: r.user_id!,
    name: r.name!,
    conversations: Number(r.conversations),
    assigned_open: Number(r.assigned_open),
    first_replies: Number(r.first_replies),
    avg_first_response_seconds: r.avg_first_response_seconds === null ? null : Number(r.avg_first_response_seconds),
  }));
}
