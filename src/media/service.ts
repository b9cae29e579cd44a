// Files the workspace uploads to send on WhatsApp: checked against Meta's limits, stored, and
// recorded ready to send (the sender uploads them to Meta when a message needs them).
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { recordAudit, type Actor } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { Invalid } from '../web/errors.js';
import { MAX_MEDIA_BYTES, mediaKindOf, mediaProblem } from '../whatsapp/media-rules.js';

export interface MediaFileRow {
  id: string;
  workspace_id: string;
  direction: 'inbound' | 'outbound';
  mime_type: string | null;
  size: number | null;
  filename: string | null;
  status: 'pending' | 'ready' | 'failed';
  storage_key: string | null;
  created_at: Date;
  [key: string]: unknown;
}

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_MEDIA_BYTES, files: 1, fields: 20 } });

/**
 * singleFile reads a multipart form with one file in `file` (in memory, at most the largest
 * size WhatsApp takes); a larger file answers 422 naming the field.
 */
export function singleFile(req: Request, res: Response, next: NextFunction): void {
  upload.single('file')(req, res, (err: unknown) => {
    if (!err) return next();
    const code = (err as { code?: string }).code;
    if (code === 'LIMIT_FILE_SIZE') return next(new Invalid({ file: 'media.too_large' }));
    if (code === 'LIMIT_UNEXPECTED_FILE' || code === 'LIMIT_FILE_COUNT') return next(new Invalid({ file: 'media.one_file' }));
    next(err);
  });
}

/** normalizedMime reads the file's type, trusting the name's extension when the browser says nothing useful. */
function normalizedMime(mimetype: string, filename: string): string {
  const mime = mimetype.split(';')[0].trim().toLowerCase();
  if (mime && mime !== 'application/octet-stream') return mime;
  const ext = filename.toLowerCase().split('.').pop() ?? '';
  const byExt: Record<string, string> = {
    jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', mp4: 'video/mp4', '3gp': 'video/3gpp',
    mp3: 'audio/mpeg', m4a: 'audio/mp4', aac: 'audio/aac', amr: 'audio/amr', ogg: 'audio/ogg', opus: 'audio/ogg',
    pdf: 'application/pdf', txt: 'text/plain', csv: 'text/csv', doc: 'application/msword', xls: 'application/vnd.ms-excel', ppt: 'application/vnd.ms-powerpoint',
    docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  };
  return byExt[ext] ?? mime;
}

/** storeUpload keeps an uploaded file for sending, refusing what WhatsApp would refuse. */
export async function storeUpload(ctx: AppContext, workspaceId: string, file: Express.Multer.File | undefined, actor: Actor): Promise<MediaFileRow> {
  if (!file) throw new Invalid({ file: 'validation.required' });
  const mime = normalizedMime(file.mimetype, file.originalname);
  const problem = mediaProblem(mime, file.size);
  if (problem) throw new Invalid({ file: problem });
  const key = await ctx.media.put(workspaceId, file.buffer);
  const filename = file.originalname.replace(/[\\/\0]/g, '_').slice(0, 240) || `file.${mediaKindOf(mime)}`;
  return ctx.knex.transaction(async (trx) => {
    const [row] = await trx('media_files')
      .insert({
        workspace_id: workspaceId,
        direction: 'outbound',
        mime_type: mime,
        size: file.size,
        sha256: crypto.createHash('sha256').update(file.buffer).digest('hex'),
        filename,
        storage_key: key,
        status: 'ready',
      })
      .returning('*');
    await recordAudit(trx, actor, { workspaceId, action: 'media.uploaded', subjectType: 'media', subjectId: row.id, data: { name: filename, size: file.size } });
    return row;
  });
}

/** presentMedia is the API shape of a media file. */
export function presentMedia(baseUrl: string, m: MediaFileRow) {
  return {
    id: m.id,
    mime_type: m.mime_type,
    filename: m.filename,
    size: m.size === null ? null : Number(m.size),
    status: m.status,
    url: m.status === 'ready' ? `${baseUrl}/api/v1/media/${m.id}/content` : null,
  };
}
