// Serving media files to the members of their workspace. Customers choose what they send, so a
// file is never trusted to be what it claims: only images, audio and video are shown inline
// (with their own type, never HTML, SVG or XML); everything else is a download. Every answer
// forbids sniffing and sandboxes the file, should a browser open it anyway.
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { NotFound } from '../web/errors.js';
import { requireMember } from '../web/guards.js';
import { baseMime } from '../whatsapp/media-rules.js';
import { findReadyMedia } from './repo.js';

const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);
const EXTENSIONS: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'video/mp4': '.mp4',
  'video/3gpp': '.3gp',
  'audio/ogg': '.ogg',
  'audio/mpeg': '.mp3',
  'audio/mp4': '.m4a',
  'audio/aac': '.aac',
  'audio/amr': '.amr',
  'application/pdf': '.pdf',
};

/** isInlineSafe tells whether a media type may be shown in the browser (images, audio, video). */
export function isInlineSafe(mime: string): boolean {
  return INLINE_TYPES.has(mime) || /^(audio|video)\/[\w.+-]+$/.test(mime);
}

/** contentDisposition builds the header with an ASCII fallback and the RFC 5987 UTF-8 name. */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** downloadName is the file's own name without path or control characters, or one made up from its type. */
function downloadName(filename: string | null, mime: string, id: string): string {
  const clean = (filename ?? '').replace(/[\u0000-\u001f\u007f/\\]/g, '').trim().slice(0, 200);
  return clean || `media-${id.slice(0, 8)}${EXTENSIONS[mime] ?? ''}`;
}

/** parseRange reads a single "bytes=a-b" range; null for none or one we do not serve. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}

/** mediaRoutes is the route table of /media. */
export function mediaRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/media/:id', requireMember, serveMedia);
  return router;

  async function serveMedia(req: Request, res: Response) {
    const file = await findReadyMedia(ctx.knex, req.workspace!.id, String(req.params.id));
    if (!file || !file.storage_key) throw new NotFound();
    await streamMedia(ctx, req, res, file, req.query.download === '1');
  }
}

/**
 * streamMedia answers with a stored file (byte ranges included): inline only for images, audio
 * and video, as a download otherwise or when `forceDownload`.
 */
export async function streamMedia(
  ctx: AppContext,
  req: Request,
  res: Response,
  file: { id: string; storage_key: string | null; mime_type: string | null; size: number | string | null; filename: string | null },
  forceDownload = false,
): Promise<void> {
  const mime = baseMime(file.mime_type);
  const inline = isInlineSafe(mime) && !forceDownload;
  const size = file.size === null ? null : Number(file.size);
  const range = size ? parseRange(req.get('Range'), size) : null;

  res.set({
    'Content-Type': inline ? mime : 'application/octet-stream',
    'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', downloadName(file.filename, mime, file.id)),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Cache-Control': 'private, max-age=3600',
    'Accept-Ranges': 'bytes',
  });
  if (range === 'unsatisfiable') {
    res.status(416).set('Content-Range', `bytes */${size}`).end();
    return;
  }
  const opened = await ctx.media.open(file.storage_key!, range ?? undefined);
  if (range) res.status(206).set({ 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': String(range.end - range.start + 1) });
  else res.status(200).set('Content-Length', String(opened.size));
  try {
    await pipeline(opened.stream, res);
  } catch (err) {
    // The browser went away mid-file (seeking in a video does that): nothing to answer.
    if ((err as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw err;
  }
}
