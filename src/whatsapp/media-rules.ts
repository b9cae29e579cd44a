// Meta's media rules (META.md §3): which files WhatsApp takes, as what message type, how large.

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

const MB = 1024 * 1024;

/** Size limits per kind, in bytes. Animated stickers may reach 500 KB; static ones 100 KB. */
export const MEDIA_LIMITS: Record<MediaKind, number> = {
  image: 5 * MB,
  video: 16 * MB,
  audio: 16 * MB,
  document: 100 * MB,
  sticker: 500 * 1024,
};

const IMAGE = ['image/jpeg', 'image/png'];
const VIDEO = ['video/mp4', 'video/3gpp'];
const AUDIO = ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/x-m4a', 'audio/m4a'];
const STICKER = ['image/webp'];
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
  const mime = mimeType.split(';')[0].trim().toLowerCase();
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

/** Types safe to show inline in a browser (never HTML, SVG or scripts). */
export function inlineSafe(mimeType: string): boolean {
  const mime = mimeType.split(';')[0].trim().toLowerCase();
  return /^image\/(jpeg|png|webp|gif)$/.test(mime) || /^audio\//.test(mime) || /^video\/(mp4|3gpp|webm)$/.test(mime);
}
