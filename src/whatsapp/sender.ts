// The outbox sender: takes queued messages and hands them to Meta (or the sandbox).
//
// - One sender at a time: with Postgres the process holding an advisory lock sends (others
//   stand by and take over if it dies), so per-channel rate limits hold across replicas.
// - Woken by NOTIFY 'par_outbox' (queueMessage) and by ctx.signals; polls every second for
//   retries that come due.
// - Claims with FOR UPDATE SKIP LOCKED only as many messages as it sends at once, oldest
//   first, one per conversation at a time (so a customer reads them in order), within each
//   channel's messages-per-second budget.
// - A claimed message is 'sending' until Meta answers. A crash in between leaves it 'sending':
//   Meta's status webhook (which carries our message id as biz_opaque_callback_data) settles it
//   if Meta got it; otherwise, after a grace period, it is marked failed as interrupted, to be
//   retried by a person. It is never sent twice on its own.
import pg from 'pg';
import type { AppContext } from '../context.js';
import { contactDisplayName } from '../contacts/repo.js';
import type { Db } from '../db/index.js';
import { publish } from '../realtime/index.js';
import type { Worker } from '../workers.js';
import { channelSecrets, setChannelHealth, type ChannelRow } from './channels.js';
import { GraphError } from './graph.js';
import type { MessageRow } from './outbox.js';
import { sandboxSend } from './sandbox.js';
import { applyPendingStatuses } from './statuses.js';

const MAX_ATTEMPTS = 8;
const MAX_IN_FLIGHT = 32;
const POLL_MS = 1000;
const LEADER_RETRY_MS = 5000;
/** How long a message may sit 'sending' after a crash before it is declared interrupted. */
export const IN_DOUBT_GRACE_MS = 2 * 60 * 1000;
/** Meta keeps an uploaded media id for 30 days; reuse it for 29. */
const MEDIA_REUSE_MS = 29 * 24 * 3600 * 1000;

/** backoffMs: exponential with jitter; Meta's pair rate limit (131056) asks for at least 6 s. */
export function backoffMs(attempt: number, code: string, random = Math.random): number {
  const base = Math.min(2000 * 2 ** Math.max(0, attempt - 1), 10 * 60 * 1000);
  const jittered = base * (0.5 + random());
  return Math.round(code === '131056' ? Math.max(jittered, 6500) : jittered);
}

class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private rate: number) {
    this.tokens = rate;
  }
  setRate(rate: number) {
    this.rate = rate;
    this.tokens = Math.min(this.tokens, rate);
  }
  available(): number {
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    return Math.floor(this.tokens);
  }
  take(n: number) {
    this.tokens -= n;
  }
}

type ContactTarget = { phone: string | null; wa_id: string | null; wa_user_id: string | null; name: string | null; profile_name: string | null; username: string | null };

/** payloadFor builds Meta's send payload for a queued message (media ids filled in by the caller). */
export function payloadFor(m: MessageRow, contact: ContactTarget, metaMediaId: string | null): Record<string, unknown> {
  const to = contact.phone ?? (contact.wa_id ? `+${contact.wa_id}` : null);
  const payload: Record<string, unknown> = {
    recipient_type: 'individual',
    ...(to ? { to } : { recipient: contact.wa_user_id }),
    // Comes back in status webhooks: settles a message whose send call never returned.
    biz_opaque_callback_data: m.id,
  };
  if (m.reply_to_wamid) payload.context = { message_id: m.reply_to_wamid };
  const content = (m.content ?? {}) as Record<string, unknown>;
  switch (m.type) {
    case 'text':
      payload.type = 'text';
      payload.text = { body: m.text, preview_url: Boolean(content.preview_url) };
      break;
    case 'image':
    case 'video':
    case 'audio':
    case 'document':
    case 'sticker': {
      const media: Record<string, unknown> = { id: metaMediaId };
      if (m.text && m.type !== 'audio' && m.type !== 'sticker') media.caption = m.text;
      if (m.type === 'document' && content.filename) media.filename = content.filename;
      payload.type = m.type;
      payload[m.type] = media;
      break;
    }
    case 'template': {
      const template = structuredClone(content.template) as { components?: Array<{ type: string; parameters?: Array<Record<string, { id?: string | null }>> }> };
      for (const c of template.components ?? []) {
        if (c.type !== 'header') continue;
        for (const p of c.parameters ?? []) for (const v of Object.values(p)) if (v && typeof v === 'object' && 'id' in v) v.id = metaMediaId;
      }
      payload.type = 'template';
      payload.template = template;
      break;
    }
    case 'reaction':
      payload.type = 'reaction';
      payload.reaction = { message_id: m.reaction_to_wamid, emoji: m.reaction_emoji ?? '' };
      break;
    case 'location':
      payload.type = 'location';
      payload.location = m.location;
      break;
    case 'interactive': {
      const spec = m.interactive as Record<string, unknown> & { type: 'button' | 'list' };
      const interactive: Record<string, unknown> = { type: spec.type, body: { text: spec.body } };
      if (spec.header) interactive.header = { type: 'text', text: spec.header };
      if (spec.footer) interactive.footer = { text: spec.footer };
      interactive.action =
        spec.type === 'button'
          ? { buttons: (spec.buttons as Array<{ id: string; title: string }>).map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) }
          : { button: spec.button, sections: spec.sections };
      payload.type = 'interactive';
      payload.interactive = interactive;
      break;
    }
    default:
      throw new GraphError(0, 'unsupported_type', `PAR CRM cannot send a message of type ${m.type}`, null, 'permanent');
  }
  return payload;
}

/** recordAccepted stores the wamid Meta gave a message and applies statuses that came first. */
export async function recordAccepted(trx: Db, m: MessageRow, wamid: string): Promise<MessageRow> {
  const [row] = (await trx('messages')
    .where({ workspace_id: m.workspace_id, id: m.id })
    .update({
      wamid,
      // A status webhook may already have moved it further (it can outrun our send call).
      status: trx.raw("CASE WHEN status IN ('sending', 'queued') THEN 'sent' ELSE status END"),
      sent_at: trx.raw('COALESCE(sent_at, now())'),
      attempt_started_at: null,
      error_code: null,
      error_title: null,
      error_details: null,
    })
    .returning('*')) as MessageRow[];
  await applyPendingStatuses(trx, m.workspace_id, m.channel_id, wamid);
  return row;
}

/** Settles messages left 'sending' by a process that died, once Meta had time to report them. */
export async function settleInterrupted(ctx: AppContext, graceMs = IN_DOUBT_GRACE_MS): Promise<number> {
  const rows = (await ctx.knex('messages')
    .where({ status: 'sending', direction: 'outbound' })
    .andWhere('attempt_started_at', '<', new Date(Date.now() - graceMs))
    .update({
      status: 'failed',
      error_code: 'interrupted',
      error_title: 'Sending was interrupted before WhatsApp confirmed it',
      error_details: null,
      failed_at: ctx.knex.fn.now(),
      attempt_started_at: null,
    })
    .returning(['workspace_id', 'conversation_id', 'id'])) as Array<{ workspace_id: string; conversation_id: string; id: string }>;
  for (const r of rows) await publish(ctx.knex, r.workspace_id, { type: 'message.updated', conversation_id: r.conversation_id, message_id: r.id, status: 'failed' });
  return rows.length;
}

export interface Sender {
  /** Sends what is due now; resolves when nothing more can be sent this moment. */
  drain(): Promise<number>;
}

export interface SenderOptions {
  /** Stop claiming new messages (messages in flight still finish and are recorded). */
  isStopped?: () => boolean;
  /** The process is dying: record nothing more (lets tests act out a crash mid-send). */
  isCrashed?: () => boolean;
}

/** createSender builds the send loop for one process (the worker drives it). */
export function createSender(ctx: AppContext, options: SenderOptions = {}): Sender {
  const buckets = new Map<string, TokenBucket>();
  const stopped = options.isStopped ?? (() => false);
  const crashed = options.isCrashed ?? (() => false);

  async function claim(channelId: string, limit: number): Promise<MessageRow[]> {
    return ctx.knex.transaction(async (trx) => {
      const { rows } = await trx.raw(
        `SELECT m.id FROM messages m
          WHERE m.id IN (SELECT DISTINCT ON (conversation_id) id FROM messages
                          WHERE channel_id = ? AND status = 'queued' AND direction = 'outbound'
                          ORDER BY conversation_id, created_at, id)
            AND m.next_attempt_at <= now()
            AND NOT EXISTS (SELECT 1 FROM messages s WHERE s.conversation_id = m.conversation_id AND s.status = 'sending')
          ORDER BY m.next_attempt_at, m.created_at
          LIMIT ?
          FOR UPDATE SKIP LOCKED`,
        [channelId, limit],
      );
      if (!rows.length) return [];
      return (await trx('messages')
        .whereIn(
          'id',
          rows.map((r: { id: string }) => r.id),
        )
        .update({ status: 'sending', attempt_started_at: trx.fn.now(), attempts: trx.raw('attempts + 1') })
        .returning('*')) as MessageRow[];
    });
  }

  async function metaMediaIdFor(m: MessageRow, channel: ChannelRow, token: string): Promise<string | null> {
    if (!m.media_id) return null;
    const media = await ctx.knex('media_files').where({ workspace_id: m.workspace_id, id: m.media_id }).first();
    if (!media?.storage_key) throw new GraphError(0, 'media_missing', 'The file to send is missing', null, 'permanent');
    const fresh = media.meta_channel_id === channel.id && media.meta_media_id && Date.now() - new Date(media.meta_uploaded_at).getTime() < MEDIA_REUSE_MS;
    if (fresh) return media.meta_media_id;
    const data = await ctx.media.read(media.storage_key);
    const { id } = channel.type === 'sandbox' ? { id: `sandbox-media-${media.id}` } : await ctx.graph.uploadMedia(channel.phone_number_id, token, { data, mimeType: media.mime_type, filename: media.filename ?? 'file' });
    await ctx.knex('media_files').where({ workspace_id: m.workspace_id, id: media.id }).update({ meta_media_id: id, meta_channel_id: channel.id, meta_uploaded_at: ctx.knex.fn.now() });
    return id;
  }

  async function sendOne(m: MessageRow, channel: ChannelRow): Promise<void> {
    try {
      const contact = await ctx.knex('contacts').where({ workspace_id: m.workspace_id, id: m.contact_id }).first();
      const secrets = channelSecrets(ctx.config.encryptionKey, channel);
      const metaMediaId = await metaMediaIdFor(m, channel, secrets.accessToken ?? '');
      const payload = payloadFor(m, contact, metaMediaId);
      const { wamid } =
        channel.type === 'sandbox'
          ? await sandboxSend(ctx, channel, m, payload, contactDisplayName(contact))
          : await ctx.graph.sendMessage(channel.phone_number_id, secrets.accessToken ?? '', payload);
      if (crashed()) return;
      await ctx.knex.transaction(async (trx) => {
        const row = await recordAccepted(trx, m, wamid);
        await trx('messages').where({ workspace_id: m.workspace_id, id: m.id }).update({ raw: JSON.stringify(payload) });
        await publish(trx, m.workspace_id, { type: 'message.updated', conversation_id: m.conversation_id, message_id: m.id, status: row.status });
      });
      if (channel.health !== 'ok' && channel.type !== 'sandbox') await setChannelHealth(ctx.knex, channel.workspace_id, channel.id, 'ok', null);
    } catch (err) {
      if (crashed()) return;
      await recordFailure(m, channel, err);
    }
  }

  async function recordFailure(m: MessageRow, channel: ChannelRow, err: unknown): Promise<void> {
    const g = err instanceof GraphError ? err : null;
    if (!g) ctx.log.error({ err, messageId: m.id }, 'sending a message failed unexpectedly');
    const code = g?.code ?? 'internal';
    const retry = g?.retryable && m.attempts < MAX_ATTEMPTS;
    await ctx.knex.transaction(async (trx) => {
      await trx('messages')
        .where({ workspace_id: m.workspace_id, id: m.id, status: 'sending' })
        .update({
          status: retry ? 'queued' : 'failed',
          next_attempt_at: retry ? new Date(Date.now() + backoffMs(m.attempts, code)) : null,
          attempt_started_at: null,
          error_code: code,
          error_title: g?.title ?? 'PAR CRM could not send this message',
          error_details: g?.details ?? (g ? null : (err as Error).message?.slice(0, 500) ?? null),
          failed_at: retry ? null : trx.fn.now(),
        });
      if (g?.kind === 'auth') await setChannelHealth(trx, channel.workspace_id, channel.id, 'token_expired', g.title);
      await publish(trx, m.workspace_id, { type: 'message.updated', conversation_id: m.conversation_id, message_id: m.id, status: retry ? 'queued' : 'failed' });
    });
  }

  async function drain(): Promise<number> {
    let sent = 0;
    for (;;) {
      if (stopped() || crashed()) return sent;
      // Channels with something due; a channel whose token Meta refused waits for a new one.
      const due = (await ctx.knex('messages as m')
        .join('channels as c', function () {
          this.on('c.id', 'm.channel_id').andOn('c.workspace_id', 'm.workspace_id');
        })
        .where({ 'm.status': 'queued', 'm.direction': 'outbound' })
        .andWhere('m.next_attempt_at', '<=', ctx.knex.fn.now())
        .whereNull('c.deleted_at')
        .whereNot('c.health', 'token_expired')
        .distinct('c.*')) as ChannelRow[];
      if (!due.length) return sent;
      const inFlight: Promise<void>[] = [];
      for (const channel of due) {
        let bucket = buckets.get(channel.id);
        if (!bucket) buckets.set(channel.id, (bucket = new TokenBucket(channel.messages_per_second)));
        bucket.setRate(channel.messages_per_second);
        const room = Math.min(bucket.available(), MAX_IN_FLIGHT - inFlight.length);
        if (room <= 0) continue;
        const claimed = await claim(channel.id, room);
        bucket.take(claimed.length);
        for (const m of claimed) inFlight.push(sendOne(m, channel));
      }
      if (!inFlight.length) return sent; // every due channel is out of budget: the poll comes back
      await Promise.all(inFlight);
      sent += inFlight.length;
    }
  }

  return { drain };
}

/** outboxWorker runs the sender in this process while it holds the sender lock. */
export function outboxWorker(): Worker {
  let ctx: AppContext;
  let stopped = false;
  let leader = false;
  let lockClient: pg.Client | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let timer: NodeJS.Timeout | null = null;
  let settleTimer: NodeJS.Timeout | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  let unwake: (() => void) | null = null;
  let sender: ReturnType<typeof createSender>;

  async function becomeLeader(): Promise<void> {
    if (leader || stopped) return;
    if (ctx.database.kind === 'pglite') {
      leader = true;
      return;
    }
    const client = new pg.Client({ connectionString: ctx.database.url ?? undefined, application_name: 'par-crm-sender' });
    try {
      await client.connect();
      const { rows } = await client.query("SELECT pg_try_advisory_lock(hashtext('par-crm:outbox-sender')) AS locked");
      if (rows[0].locked && !stopped) {
        lockClient = client;
        leader = true;
        // Losing the connection loses the lock: stand down and try again.
        client.on('error', () => {
          leader = false;
          lockClient = null;
        });
        return;
      }
    } catch (err) {
      ctx.log.warn({ err }, 'outbox sender could not check the sender lock');
    }
    await client.end().catch(() => {});
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await becomeLeader();
        if (!leader) return;
        try {
          await sender.drain();
        } catch (err) {
          ctx.log.error({ err }, 'outbox sender round failed');
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  }

  return {
    name: 'outbox',
    start(c) {
      ctx = c;
      stopped = false;
      sender = createSender(ctx, { isStopped: () => stopped });
      unwake = ctx.signals.onWake('outbox', kick);
      ctx.database
        .listen('par_outbox', kick)
        .then((u) => (unlisten = u))
        .catch((err) => ctx.log.error({ err }, 'outbox sender cannot listen for new messages; polling only'));
      const loop = () => {
        kick();
        timer = setTimeout(loop, leader ? POLL_MS : LEADER_RETRY_MS);
      };
      loop();
      const settle = () => {
        if (leader) settleInterrupted(ctx).catch((err) => ctx.log.error({ err }, 'settling interrupted sends failed'));
        settleTimer = setTimeout(settle, 30_000);
      };
      settleTimer = setTimeout(settle, 30_000);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (settleTimer) clearTimeout(settleTimer);
      unwake?.();
      await unlisten?.();
      await running;
      if (lockClient) await lockClient.end().catch(() => {});
      lockClient = null;
      leader = false;
    },
  };
}
