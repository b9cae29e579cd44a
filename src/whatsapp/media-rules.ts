// Meta's media rules (META.md §3): which files WhatsApp takes, as what message type, how large.

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

const MB = 1024 * 1024;

const IMAGE = ['image/jpeg', 'image/png'];
const VIDEO = ['video/mp4', 'video/3gpp'];
const AUDIO = ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp3', 'audio/mp4', 'audio/m4a', 'audio/x-m4a', 'audio/ogg', 'audio/opus'];
const STICKER = ['image/webp'];

/**
 * Meta's limits per kind, for files in both directions. `mimeTypes` null: customers may send any
 * document type (we serve those as downloads); what we send is checked by mediaKindOf.
 * Animated stickers may reach 500 KB; static ones 100 KB.
 */
export const MEDIA_RULES: Record<MediaKind, { maxBytes: number; mimeTypes: string[] | null }> = {
  image: { maxBytes: 5 * MB, mimeTypes: IMAGE },
  video: { maxBytes: 16 * MB, mimeTypes: VIDEO },
  audio: { maxBytes: 16 * MB, mimeTypes: AUDIO },
  document: { maxBytes: 100 * MB, mimeTypes: null },
  sticker: { maxBytes: 500 * 1024, mimeTypes: STICKER },
};

/** Size limits per kind, in bytes. */
export const MEDIA_LIMITS: Record<MediaKind, number> = Object.fromEntries(Object.entries(MEDIA_RULES).map(([k, v]) => [k, v.maxBytes])) as Record<MediaKind, number>;

/** baseMime is the media type without parameters, lowercased ('audio/ogg; codecs=opus' -> 'audio/ogg'). */
export function baseMime(mime: string | null | undefined): string {
  return (mime ?? '').split(';')[0].trim().toLowerCase();
}
const DOCUMENT = [
  'application/pdf',
  'text/plain',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'text/csv',
];

/** mediaKindOf says how WhatsApp sends a file of this type, or null if it does not take it. */
export function mediaKindOf(mimeType: string): MediaKind | null {
  const mime = baseMime(mimeType);
  if (IMAGE.includes(mime)) return 'image';
  if (VIDEO.includes(mime)) return 'video';
  if (AUDIO.includes(mime)) return 'audio';
  if (STICKER.includes(mime)) return 'sticker';
  if (DOCUMENT.includes(mime)) return 'document';
  return null;
}

/** The largest file any kind allows: the upload limit before the type is known. */
export const MAX_MEDIA_BYTES = Math.max(...Object.values(MEDIA_LIMITS));

/** mediaProblem explains why a file cannot be sent on WhatsApp, or returns null when it can. */
export function mediaProblem(mimeType: string, size: number): string | null {
  const kind = mediaKindOf(mimeType);
  if (!kind) return 'media.unsupported_type';
  if (size > MEDIA_LIMITS[kind]) return `media.too_large_${kind}`;
  if (size === 0) return 'media.empty';
  return null;
}
