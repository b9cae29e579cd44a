// Works through stored webhook events: claims pending ones in id order, many per transaction
// (FOR UPDATE SKIP LOCKED, so several replicas share the work), and processes each inside a
// savepoint so one bad event is marked failed, with its error, without failing the batch. A
// failed event is retried with backoff by the webhooks:retry job and can be replayed by hand
// from Settings -> Webhook events: no message is lost to a bug.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { isUuid, type Db } from '../db/index.js';
import { defaultLocale, translator } from '../i18n/index.js';
import { publish } from '../realtime/index.js';
import { NotFound } from '../web/errors.js';
import { pollingWorker, type Worker } from '../workers.js';
import { setChannelHealth, type ChannelRow } from './channels.js';
import { storeInboundMessage, type InboundScope } from './inbound.js';
import { parseWebhookBody, type AccountUpdateChange, type MessagesChange, type ParsedChange, type QualityChange, type TemplateStatusChange } from './parser.js';
import { syncTemplates } from './templates.js';
import { applyPendingStatuses, applyStatus, findMessageForStatus, holdStatus, isKnownStatus, type StatusTarget } from './statuses.js';
import type { WebhookEventRow } from './webhooks.js';

/** Events claimed per transaction. */
export const EVENT_BATCH_SIZE = 100;
/** After this many attempts a failed event waits for a person to replay it. */
export const MAX_EVENT_ATTEMPTS = 8;
const POLL_MS = 2000;

/** Meta's codes that mean the access token no longer works. */
const AUTH_ERROR_CODES = new Set([0, 190]);

/** What processing an event found: stored in webhook_events.summary. */
export interface EventSummary {
  messages: number;
  duplicates: number;
  edits: number;
  revokes: number;
  statuses: number;
  statuses_pending: number;
  statuses_ignored: number;
  errors: Array<{ code: number | null; title: string | null }>;
  misrouted: number;
  templates: number;
  templates_unknown: number;
  /** Changes of other fields (quality, account updates, fields we do not handle), by field. */
  other: Record<string, number>;
}

function emptySummary(): EventSummary {
  return {
    messages: 0,
    duplicates: 0,
    edits: 0,
    revokes: 0,
    statuses: 0,
    statuses_pending: 0,
    statuses_ignored: 0,
    errors: [],
    misrouted: 0,
    templates: 0,
    templates_unknown: 0,
    other: {},
  };
}

export interface EventOutcome {
  eventId: number;
  status: 'processed' | 'failed';
  summary: EventSummary | null;
  error: string | null;
}

/** eventRetryDelayMs is how long a failed event waits before its next attempt (1 min, doubling, at most 6 h). */
export function eventRetryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
}

interface EventEffects {
  mediaQueued: { value: boolean };
  /** Channels that reported a template we do not have yet: synced once the batch commits. */
  templatesToSync: Map<string, ChannelRow>;
}

function newEffects(): EventEffects {
  return { mediaQueued: { value: false }, templatesToSync: new Map() };
}

/** afterCommit starts what the batch found work for: media downloads, template syncs. */
function afterCommit(ctx: AppContext, effects: EventEffects): void {
  if (effects.mediaQueued.value) ctx.signals.wake('media');
  for (const channel of effects.templatesToSync.values()) {
    syncTemplates(ctx, channel).catch((err) => ctx.log.warn({ err, channelId: channel.id }, 'syncing templates after a status update failed'));
  }
}

/** processEvent processes one stored event inside the caller's transaction (a savepoint). */
async function processEvent(ctx: AppContext, db: Db, event: WebhookEventRow, channel: ChannelRow, effects: EventEffects): Promise<EventSummary> {
  const parsed = parseWebhookBody(event.body);
  const summary = emptySummary();
  const workspace = await db('workspaces').where({ id: event.workspace_id }).first('locale');
  const scope: InboundScope = {
    db,
    channel,
    t: translator(workspace?.locale ?? defaultLocale),
    log: ctx.log,
    receivedAt: new Date(event.received_at),
    touched: new Set(),
    mediaQueued: effects.mediaQueued,
  };
  for (const change of parsed.changes) {
    if (isMisrouted(change, channel)) {
      summary.misrouted += 1;
      ctx.log.warn(
        { eventId: event.id, channelId: channel.id, field: change.field, phoneNumberId: change.kind === 'messages' ? change.phoneNumberId : undefined, entryId: change.entryId },
        'webhook change is for another phone number or account than its channel; ignored',
      );
      continue;
    }
    switch (change.kind) {
      case 'messages':
        await processMessagesChange(ctx, scope, event, change, summary);
        break;
      case 'template_status':
        if (!(await processTemplateStatus(db, channel, change, summary))) effects.templatesToSync.set(channel.id, channel);
        break;
      case 'phone_quality':
      case 'account_update':
        logAccountChange(ctx, channel, change);
        summary.other[change.field] = (summary.other[change.field] ?? 0) + 1;
        break;
      default:
        summary.other[change.field] = (summary.other[change.field] ?? 0) + 1;
    }
  }
  for (const conversationId of scope.touched) await publish(db, channel.workspace_id, { type: 'conversation.updated', conversation_id: conversationId });
  return summary;
}

/** isMisrouted tells whether a change names another phone number (or WABA) than its channel's. */
function isMisrouted(change: ParsedChange, channel: ChannelRow): boolean {
  if (change.kind === 'messages') return change.phoneNumberId !== channel.phone_number_id;
  return Boolean(channel.waba_id && change.entryId && change.entryId !== channel.waba_id);
}

async function processMessagesChange(ctx: AppContext, scope: InboundScope, event: WebhookEventRow, change: MessagesChange, summary: EventSummary): Promise<void> {
  const { db, channel } = scope;
  for (const msg of change.messages) {
    const outcome = await inItem(`message ${msg.wamid ?? '(no id)'}`, () => storeInboundMessage(scope, change.contacts, msg));
    if (outcome === 'stored') summary.messages += 1;
    else if (outcome === 'duplicate') summary.duplicates += 1;
    else if (outcome === 'edited') summary.edits += 1;
    else summary.revokes += 1;
  }
  for (const status of change.statuses) {
    const wamid = status.id;
    if (!wamid || !isKnownStatus(status.status)) {
      summary.statuses_ignored += 1;
      continue;
    }
    await inItem(`status ${status.status} of ${wamid}`, async () => {
      let message = await findMessageForStatus(db, channel.workspace_id, channel.id, wamid);
      if (!message && status.bizOpaqueCallbackData) message = await claimByCallbackData(db, channel, wamid, status.bizOpaqueCallbackData);
      if (!message) {
        await holdStatus(db, channel.workspace_id, channel.id, status, scope.receivedAt);
        summary.statuses_pending += 1;
        return;
      }
      await applyStatus(db, message, status, scope.receivedAt);
      summary.statuses += 1;
    });
  }
  for (const error of change.errors) {
    summary.errors.push({ code: error.code, title: error.title ?? error.message });
    ctx.log.warn({ eventId: event.id, channelId: channel.id, code: error.code, title: error.title, details: error.details }, 'Meta reported an error for the channel');
    if (error.code !== null && AUTH_ERROR_CODES.has(error.code)) {
      await setChannelHealth(db, channel.workspace_id, channel.id, 'token_expired', error.title ?? error.message ?? `Meta error ${error.code}`);
    }
  }
}

/**
 * claimByCallbackData finds our outbound message by the id the sender put in
 * biz_opaque_callback_data, when Meta's status outran the recording of its wamid, and records it.
 */
async function claimByCallbackData(db: Db, channel: ChannelRow, wamid: string, callbackData: string): Promise<StatusTarget | undefined> {
  if (!isUuid(callbackData)) return undefined;
  const mine = await db('messages')
    .where({ workspace_id: channel.workspace_id, channel_id: channel.id, id: callbackData, direction: 'outbound' })
    .whereNull('wamid')
    .forUpdate()
    .first('id');
  if (!mine) return undefined;
  await db('messages').where({ workspace_id: channel.workspace_id, id: mine.id }).update({ wamid });
  await applyPendingStatuses(db, channel.workspace_id, channel.id, wamid);
  return findMessageForStatus(db, channel.workspace_id, channel.id, wamid);
}

/** processTemplateStatus applies a template status change; false when the template is not known yet. */
async function processTemplateStatus(db: Db, channel: ChannelRow, change: TemplateStatusChange, summary: EventSummary): Promise<boolean> {
  const scoped = () => db('templates').where({ workspace_id: channel.workspace_id, channel_id: channel.id });
  let template = change.templateId ? await scoped().where({ meta_template_id: change.templateId }).first('id') : undefined;
  if (!template && change.templateName && change.language) template = await scoped().where({ name: change.templateName, language: change.language }).first('id');
  if (!template || !change.event) {
    // A template made in Meta's tools since the last sync: a sync brings it in with its status.
    summary.templates_unknown += 1;
    return false;
  }
  await scoped()
    .where({ id: template.id })
    .update({ status: change.event.toUpperCase(), status_reason: change.reason && change.reason !== 'NONE' ? change.reason : null, synced_at: db.fn.now() });
  summary.templates += 1;
  return true;
}

function logAccountChange(ctx: AppContext, channel: ChannelRow, change: QualityChange | AccountUpdateChange): void {
  const details = change.kind === 'phone_quality' ? { event: change.event, currentLimit: change.currentLimit } : { event: change.event, banInfo: change.banInfo };
  ctx.log.warn({ channelId: channel.id, workspaceId: channel.workspace_id, field: change.field, ...details }, 'Meta sent an account notice for the channel');
}

/** inItem names the part of the event an error happened in ('message wamid.X'), for the person replaying it. */
async function inItem<T>(item: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err && typeof err === 'object' && !('webhookItem' in err)) Object.assign(err, { webhookItem: item });
    throw err;
  }
}

/** errorText is what a person sees of a failure: where, and the database's or our message without the SQL. */
function errorText(err: unknown): string {
  const e = (err ?? {}) as { message?: string; code?: string; webhookItem?: string };
  let message = e.message ?? String(err);
  const database = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code);
  // knex prefixes database errors with the whole statement: keep Postgres's own words.
  if (database && message.includes(' - ')) message = message.slice(message.lastIndexOf(' - ') + 3);
  const text = `${e.webhookItem ? `${e.webhookItem}: ` : ''}${message}${database ? ` [${e.code}]` : ''}`;
  return text.replace(/\u0000/g, '').slice(0, 2000);
}

/**
 * runEvent processes one event in a savepoint of `trx` and records the outcome on the event:
 * processed with its summary, or failed with the error, one more attempt and the next retry time.
 */
async function runEvent(ctx: AppContext, trx: Knex.Transaction, event: WebhookEventRow, channel: ChannelRow | undefined, effects: EventEffects): Promise<EventOutcome> {
  const attempts = event.attempts + 1;
  try {
    if (!channel) throw new Error(`channel ${event.channel_id} of the event no longer exists`);
    const summary = await trx.transaction((savepoint) => processEvent(ctx, savepoint, event, channel, effects));
    await trx('webhook_events')
      .where({ workspace_id: event.workspace_id, id: event.id })
      .update({ status: 'processed', summary: JSON.stringify(summary), attempts, last_error: null, next_attempt_at: null, processed_at: trx.fn.now() });
    return { eventId: event.id, status: 'processed', summary, error: null };
  } catch (err) {
    const error = errorText(err);
    ctx.log.error({ err, eventId: event.id, workspaceId: event.workspace_id, attempts }, 'webhook event failed to process; kept for retry and replay');
    const nextAttemptAt = attempts < MAX_EVENT_ATTEMPTS ? new Date(Date.now() + eventRetryDelayMs(attempts)) : null;
    await trx('webhook_events')
      .where({ workspace_id: event.workspace_id, id: event.id })
      .update({ status: 'failed', attempts, last_error: error, next_attempt_at: nextAttemptAt, processed_at: trx.fn.now() });
    return { eventId: event.id, status: 'failed', summary: null, error };
  }
}

export interface BatchResult {
  claimed: number;
  processed: number;
  failed: number;
}

/**
 * processPendingEvents claims up to `limit` pending events (oldest first, skipping those another
 * replica holds) and processes them in one transaction, each in its own savepoint.
 */
export async function processPendingEvents(ctx: AppContext, limit = EVENT_BATCH_SIZE): Promise<BatchResult> {
  const effects = newEffects();
  const result = await ctx.knex.transaction(async (trx) => {
    const events: WebhookEventRow[] = await trx('webhook_events').where({ status: 'pending' }).orderBy('id').limit(limit).forUpdate().skipLocked();
    const batch: BatchResult = { claimed: events.length, processed: 0, failed: 0 };
    const channels = new Map<string, ChannelRow | undefined>();
    for (const event of events) {
      if (!channels.has(event.channel_id)) {
        channels.set(event.channel_id, await trx('channels').where({ workspace_id: event.workspace_id, id: event.channel_id }).first());
      }
      const outcome = await runEvent(ctx, trx, event, channels.get(event.channel_id), effects);
      if (outcome.status === 'processed') batch.processed += 1;
      else batch.failed += 1;
    }
    return batch;
  });
  afterCommit(ctx, effects);
  return result;
}

/**
 * replayEvent processes one stored event of the workspace again, now, whatever its status
 * (processing is idempotent). With an actor, the replay is recorded in the audit log.
 */
export async function replayEvent(ctx: AppContext, workspaceId: string, eventId: number | string, actor?: Actor): Promise<EventOutcome> {
  if (!/^\d{1,15}$/.test(String(eventId))) throw new NotFound();
  const effects = newEffects();
  const outcome = await ctx.knex.transaction(async (trx) => {
    const event: WebhookEventRow | undefined = await trx('webhook_events').where({ workspace_id: workspaceId, id: Number(eventId) }).forUpdate().first();
    if (!event) throw new NotFound();
    const channel = await trx('channels').where({ workspace_id: workspaceId, id: event.channel_id }).first();
    const result = await runEvent(ctx, trx, event, channel, effects);
    if (actor) {
      await recordAudit(trx, actor, {
        workspaceId,
        action: 'webhook_event.replayed',
        subjectType: 'webhook_event',
        subjectId: String(event.id),
        data: { status: result.status },
      });
    }
    return result;
  });
  afterCommit(ctx, effects);
  return outcome;
}

/** retryFailedEvents puts failed events whose retry time has come back in the queue. */
export async function retryFailedEvents(db: Db): Promise<number> {
  return db('webhook_events')
    .where({ status: 'failed' })
    .andWhere('attempts', '<', MAX_EVENT_ATTEMPTS)
    .andWhere('next_attempt_at', '<=', db.fn.now())
    .update({ status: 'pending' });
}

/** webhookWorker processes stored webhook events as they arrive (woken by 'webhooks'). */
export function webhookWorker(): Worker {
  return pollingWorker('webhooks', POLL_MS, async (ctx) => {
    const batch = await processPendingEvents(ctx);
    return batch.claimed >= EVENT_BATCH_SIZE;
  });
}
