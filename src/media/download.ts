// Downloads the media customers send. A webhook only names Meta's media id; the file must be
// fetched within days (ids live 7 days, each download URL 5 minutes) with the channel's token.
// Files are claimed with a lease (so a crash leaves them to be picked up again), fetched outside
// any transaction, checked against Meta's size and type limits, stored, and announced.
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import { publish } from '../realtime/index.js';
import { channelSecrets, setChannelHealth, type ChannelRow } from '../whatsapp/channels.js';
import { GraphError } from '../whatsapp/graph.js';
import { baseMime, MEDIA_RULES } from '../whatsapp/media-rules.js';
import type { MediaType } from '../whatsapp/parser.js';
import { pollingWorker, type Worker } from '../workers.js';

/** After this many attempts a download that keeps failing for a temporary reason is given up. */
export const MAX_MEDIA_ATTEMPTS = 6;
const BATCH = 4;
const LEASE_MS = 10 * 60_000;
const POLL_MS = 5000;

interface PendingFile {
  id: string;
  workspace_id: string;
  channel_id: string | null;
  meta_media_id: string | null;
  mime_type: string | null;
  sha256: string | null;
  attempts: number;
}

/** A download that cannot succeed however often it is tried. */
class PermanentMediaError extends Error {}

/** mediaRetryDelayMs: 30 s, doubling, at most an hour. */
export function mediaRetryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3600_000);
}

/** claimMediaDownloads leases up to `limit` inbound files that are due for a download attempt. */
async function claimMediaDownloads(ctx: AppContext, limit: number): Promise<PendingFile[]> {
  const { rows } = await ctx.knex.raw(
    `UPDATE media_files SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => ?)
     WHERE id IN (
       SELECT id FROM media_files
       WHERE status = 'pending' AND direction = 'inbound' AND (next_attempt_at IS NULL OR next_attempt_at <= now())
       ORDER BY next_attempt_at NULLS FIRST, created_at LIMIT ? FOR UPDATE SKIP LOCKED)
     RETURNING id, workspace_id, channel_id, meta_media_id, mime_type, sha256, attempts`,
    [LEASE_MS / 1000, limit],
  );
  return rows;
}

/** sha256Matches compares Meta's declared checksum (base64 or hex) with the bytes. */
function sha256Matches(declared: string | null | undefined, data: Buffer): boolean {
  if (!declared) return true;
  const digest = crypto.createHash('sha256').update(data).digest();
  if (/^[0-9a-f]{64}$/i.test(declared)) return digest.toString('hex') === declared.toLowerCase();
  return digest.toString('base64') === declared || digest.toString('base64url') === declared.replace(/=+$/, '');
}

async function downloadOne(ctx: AppContext, file: PendingFile): Promise<void> {
  const ws = file.workspace_id;
  const message = await ctx.knex('messages').where({ workspace_id: ws, media_id: file.id }).first('id', 'conversation_id', 'type');
  const channel: ChannelRow | undefined = file.channel_id ? await ctx.knex('channels').where({ workspace_id: ws, id: file.channel_id }).first() : undefined;
  try {
    if (!file.meta_media_id) throw new PermanentMediaError('The webhook named no media id');
    if (!channel) throw new PermanentMediaError('The channel of this file no longer exists');
    if (channel.type === 'sandbox') return await adoptSandboxMedia(ctx, file, message);
    const token = channelSecrets(ctx.config.encryptionKey, channel).accessToken;
    if (!token) throw new PermanentMediaError('The channel has no access token to download media with');
    const rule = MEDIA_RULES[(message?.type ?? 'document') as MediaType] ?? MEDIA_RULES.document;

    const info = await ctx.graph.mediaInfo(file.meta_media_id, token);
    const mime = baseMime(info.mime_type || file.mime_type);
    if (rule.mimeTypes && !rule.mimeTypes.includes(mime)) throw new PermanentMediaError(`A ${message?.type ?? 'file'} of type ${mime || 'unknown'} is not accepted`);
    if (!info.url) throw new Error('Meta gave no download URL for the media');
    if (info.file_size && Number(info.file_size) > rule.maxBytes) throw new PermanentMediaError(`The file is larger than ${rule.maxBytes} bytes, the limit for this type`);
    const data = await ctx.graph.downloadMedia(info.url, token, rule.maxBytes);
    if (!sha256Matches(info.sha256 ?? file.sha256, data)) throw new Error('The downloaded file does not match its checksum');

    const key = await ctx.media.put(ws, data);
    await ctx.knex.transaction(async (trx) => {
      await trx('media_files')
        .where({ workspace_id: ws, id: file.id })
        .update({
          status: 'ready',
          storage_key: key,
          size: data.length,
          sha256: crypto.createHash('sha256').update(data).digest('hex'),
          mime_type: info.mime_type || file.mime_type,
          error: null,
          next_attempt_at: null,
        });
      if (message) await publish(trx, ws, { type: 'message.updated', conversation_id: message.conversation_id, message_id: message.id, status: 'received' });
    });
  } catch (err) {
    const graphError = err instanceof GraphError ? err : null;
    if (graphError?.kind === 'auth' && channel) await setChannelHealth(ctx.knex, ws, channel.id, 'token_expired', graphError.title);
    const permanent = err instanceof PermanentMediaError || (graphError !== null && graphError.kind === 'permanent');
    const giveUp = permanent || file.attempts >= MAX_MEDIA_ATTEMPTS;
    const error = (err as Error).message.slice(0, 1000);
    ctx.log.warn({ err, mediaId: file.id, workspaceId: ws, attempts: file.attempts, giveUp }, 'media download failed');
    await ctx.knex.transaction(async (trx) => {
      await trx('media_files')
        .where({ workspace_id: ws, id: file.id })
        .update(giveUp ? { status: 'failed', error, next_attempt_at: null } : { error, next_attempt_at: new Date(Date.now() + mediaRetryDelayMs(file.attempts)) });
      if (giveUp && message) await publish(trx, ws, { type: 'message.updated', conversation_id: message.conversation_id, message_id: message.id, status: 'received' });
    });
  }
}

/**
 * A sandbox "media id" (sandbox:<storage key>) names bytes the simulator already stored: the file
 * is ready once they are found, with the same checks a download gets.
 */
async function adoptSandboxMedia(ctx: AppContext, file: PendingFile, message: { id: string; conversation_id: string; type: string } | undefined): Promise<void> {
  const key = file.meta_media_id!.startsWith('sandbox:') ? file.meta_media_id!.slice('sandbox:'.length) : null;
  if (!key) throw new PermanentMediaError('A sandbox channel can only receive files sent from its simulator');
  const data = await ctx.media.read(key);
  const rule = MEDIA_RULES[(message?.type ?? 'document') as MediaType] ?? MEDIA_RULES.document;
  if (data.length > rule.maxBytes) throw new PermanentMediaError(`The file is larger than ${rule.maxBytes} bytes, the limit for this type`);
  await ctx.knex.transaction(async (trx) => {
    await trx('media_files')
      .where({ workspace_id: file.workspace_id, id: file.id })
      .update({ status: 'ready', storage_key: key, size: data.length, sha256: crypto.createHash('sha256').update(data).digest('hex'), error: null, next_attempt_at: null });
    if (message) await publish(trx, file.workspace_id, { type: 'message.updated', conversation_id: message.conversation_id, message_id: message.id, status: 'received' });
  });
}

/** downloadPendingMedia downloads the files that are due; returns how many it claimed. */
export async function downloadPendingMedia(ctx: AppContext, limit = BATCH): Promise<number> {
  const files = await claimMediaDownloads(ctx, limit);
  await Promise.all(files.map((f) => downloadOne(ctx, f)));
  return files.length;
}

/** mediaWorker downloads inbound media as it arrives (woken by 'media'). */
export function mediaWorker(): Worker {
  return pollingWorker('media', POLL_MS, async (ctx) => (await downloadPendingMedia(ctx)) >= BATCH);
}
