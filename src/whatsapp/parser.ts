// Reads Meta's webhook payloads into plain, normalised objects. Pure: no database, no clock.
// Liberal in what it accepts (META.md section 1): ids and timestamps as strings or numbers,
// missing contacts, missing wa_id for username users, type objects that are not there, types
// that did not exist when this was written. Nothing is dropped: every entry, change, message,
// status and error comes out, and what cannot be understood comes out as 'unsupported' or 'other'.

/** The message types PAR CRM understands; anything else is stored as 'unsupported'. */
export const KNOWN_MESSAGE_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'button',
  'reaction',
  'order',
  'system',
  'unsupported',
  'edit',
  'revoke',
  'request_welcome',
] as const;

/** The message types that carry a media file. */
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** Types that carry no object of their own name. */
const TYPES_WITHOUT_OBJECT = new Set(['request_welcome', 'unsupported']);

type Json = Record<string, unknown>;

export interface ParsedError {
  code: number | null;
  title: string | null;
  message: string | null;
  details: string | null;
  raw: unknown;
}

export interface ParsedContact {
  waId: string | null;
  userId: string | null;
  profileName: string | null;
  username: string | null;
}

export interface ParsedMedia {
  id: string | null;
  mimeType: string | null;
  sha256: string | null;
  filename: string | null;
  caption: string | null;
  voice: boolean;
  animated: boolean;
}

export interface ParsedInteractive {
  type: string | null;
  id: string | null;
  title: string | null;
  description: string | null;
  /** nfm_reply (WhatsApp Flows): the flow's name, the body WhatsApp showed, the answers. */
  name: string | null;
  body: string | null;
  response_json: unknown;
}

export interface ParsedContext {
  from: string | null;
  id: string | null;
  forwarded: boolean;
  frequentlyForwarded: boolean;
  referredProduct: Json | null;
}

export interface ParsedMessage {
  wamid: string | null;
  /** wa_id of the sender; missing for a customer known only by a username. */
  from: string | null;
  fromUserId: string | null;
  timestamp: Date | null;
  /** One of KNOWN_MESSAGE_TYPES. */
  type: string;
  /** The type Meta named, when it is not the one above (e.g. 'poll' stored as 'unsupported'). */
  originalType: string | null;
  /** The readable text: body, caption, chosen button or list title, template button text. */
  text: string | null;
  media: ParsedMedia | null;
  location: Json | null;
  contacts: unknown[] | null;
  interactive: ParsedInteractive | null;
  button: { payload: string | null; text: string | null } | null;
  /** emoji is null when the customer removed their reaction. */
  reaction: { messageId: string | null; emoji: string | null } | null;
  order: Json | null;
  system: { body: string | null; type: string | null; waId: string | null; raw: Json } | null;
  referral: Json | null;
  context: ParsedContext | null;
  edit: { originalMessageId: string | null; message: ParsedMessage | null } | null;
  revoke: { originalMessageId: string | null } | null;
  /** What Meta said the unsupported message was ({type: 'poll_creation'}). */
  unsupported: Json | null;
  errors: ParsedError[];
  identity: Json | null;
  raw: unknown;
}

export interface ParsedStatus {
  id: string | null;
  status: string | null;
  timestamp: Date | null;
  recipientId: string | null;
  recipientUserId: string | null;
  conversation: Json | null;
  pricing: Json | null;
  errors: ParsedError[];
  bizOpaqueCallbackData: string | null;
  raw: unknown;
}

interface ChangeBase {
  /** The entry's id: the WhatsApp Business Account id. */
  entryId: string | null;
  field: string;
  raw: unknown;
}

export interface MessagesChange extends ChangeBase {
  kind: 'messages';
  phoneNumberId: string | null;
  displayPhoneNumber: string | null;
  contacts: ParsedContact[];
  messages: ParsedMessage[];
  statuses: ParsedStatus[];
  errors: ParsedError[];
}

export interface TemplateStatusChange extends ChangeBase {
  kind: 'template_status';
  event: string | null;
  templateId: string | null;
  templateName: string | null;
  language: string | null;
  reason: string | null;
}

export interface QualityChange extends ChangeBase {
  kind: 'phone_quality';
  event: string | null;
  displayPhoneNumber: string | null;
  currentLimit: string | null;
}

export interface AccountUpdateChange extends ChangeBase {
  kind: 'account_update';
  event: string | null;
  phoneNumber: string | null;
  banInfo: Json | null;
}

export interface OtherChange extends ChangeBase {
  kind: 'other';
}

export type ParsedChange = MessagesChange | TemplateStatusChange | QualityChange | AccountUpdateChange | OtherChange;

export interface ParsedWebhook {
  object: string | null;
  changes: ParsedChange[];
}

/** WebhookParseError: the body is not a webhook at all (not JSON, or not an object). */
export class WebhookParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookParseError';
  }
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Json | null => (isObject(v) ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** str reads an id, a phone number or a text that Meta may send as a string or a number. */
function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return v.toString();
  return null;
}

/** nonEmpty is str() that also treats '' as missing. */
function nonEmpty(v: unknown): string | null {
  const s = str(v);
  return s === null || s === '' ? null : s;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true';
}

/** parseTimestamp reads unix seconds given as a string or a number. */
export function parseTimestamp(v: unknown): Date | null {
  const s = str(v);
  if (s === null || !/^\d+(\.\d+)?$/.test(s.trim())) return null;
  const date = new Date(Number(s) * 1000);
  return Number.isNaN(date.getTime()) ? null : date;
}

function parseErrors(v: unknown): ParsedError[] {
  return list(v).map((raw) => {
    const e = obj(raw) ?? {};
    const code = Number(str(e.code));
    return {
      code: str(e.code) !== null && Number.isFinite(code) ? code : null,
      title: str(e.title),
      message: str(e.message),
      details: str(obj(e.error_data)?.details) ?? str(e.details),
      raw,
    };
  });
}

function parseContact(raw: unknown): ParsedContact {
  const c = obj(raw) ?? {};
  const profile = obj(c.profile) ?? {};
  return {
    waId: nonEmpty(c.wa_id),
    userId: nonEmpty(c.user_id),
    profileName: nonEmpty(profile.name),
    username: nonEmpty(profile.username) ?? nonEmpty(c.username),
  };
}

function parseMedia(m: Json): ParsedMedia {
  return {
    id: nonEmpty(m.id),
    mimeType: nonEmpty(m.mime_type),
    sha256: nonEmpty(m.sha256),
    filename: nonEmpty(m.filename),
    caption: str(m.caption),
    voice: bool(m.voice),
    animated: bool(m.animated),
  };
}

function parseInteractive(i: Json): ParsedInteractive {
  const type = nonEmpty(i.type);
  // The reply sits in an object named after its type: button_reply, list_reply, nfm_reply ...
  const reply = (type ? obj(i[type]) : null) ?? {};
  let responseJson: unknown = null;
  const rawResponse = reply.response_json;
  if (typeof rawResponse === 'string') {
    try {
      responseJson = JSON.parse(rawResponse);
    } catch {
      // Not valid JSON: keep the text as Meta sent it.
      responseJson = rawResponse;
    }
  } else if (rawResponse !== undefined) {
    responseJson = rawResponse;
  }
  return {
    type,
    id: str(reply.id),
    title: str(reply.title),
    description: str(reply.description),
    name: str(reply.name),
    body: str(reply.body),
    response_json: responseJson,
  };
}

function parseContext(v: unknown): ParsedContext | null {
  const c = obj(v);
  if (!c) return null;
  return {
    from: nonEmpty(c.from),
    id: nonEmpty(c.id),
    forwarded: bool(c.forwarded),
    frequentlyForwarded: bool(c.frequently_forwarded),
    referredProduct: obj(c.referred_product),
  };
}

/** textOf picks the readable text of a message. */
function textOf(type: string, m: Json, parsed: Pick<ParsedMessage, 'media' | 'interactive' | 'button' | 'system' | 'order'>): string | null {
  switch (type) {
    case 'text':
      return str(obj(m.text)?.body);
    case 'image':
    case 'video':
    case 'document':
    case 'audio':
    case 'sticker':
      return parsed.media?.caption ?? null;
    case 'interactive': {
      const i = parsed.interactive;
      return i?.title ?? i?.body ?? null;
    }
    case 'button':
      return parsed.button?.text ?? parsed.button?.payload ?? null;
    case 'system':
      return parsed.system?.body ?? null;
    case 'order':
      return str(parsed.order?.text);
    default:
      return null;
  }
}

/** parseMessage normalises one entry of value.messages (or the message inside an edit). */
export function parseMessage(raw: unknown): ParsedMessage {
  const m = obj(raw) ?? {};
  const declared = nonEmpty(m.type);
  const known = declared !== null && (KNOWN_MESSAGE_TYPES as readonly string[]).includes(declared);
  const hasObject = declared !== null && (TYPES_WITHOUT_OBJECT.has(declared) || (m[declared] !== undefined && m[declared] !== null));
  const type = known && hasObject ? declared : 'unsupported';
  const body = type !== 'unsupported' && declared ? m[declared] : undefined;

  const media = (MEDIA_TYPES as readonly string[]).includes(type) && isObject(body) ? parseMedia(body) : null;
  const interactive = type === 'interactive' && isObject(body) ? parseInteractive(body) : null;
  const buttonObj = type === 'button' ? obj(body) : null;
  const button = buttonObj ? { payload: str(buttonObj.payload), text: str(buttonObj.text) } : null;
  const reactionObj = type === 'reaction' ? obj(body) : null;
  const reaction = reactionObj ? { messageId: nonEmpty(reactionObj.message_id), emoji: nonEmpty(reactionObj.emoji) } : null;
  const order = type === 'order' ? obj(body) : null;
  const systemObj = type === 'system' ? obj(body) : null;
  const system = systemObj
    ? {
        body: str(systemObj.body),
        type: nonEmpty(systemObj.type),
        // 'wa_id' in current payloads, 'new_wa_id' in older ones.
        waId: nonEmpty(systemObj.wa_id) ?? nonEmpty(systemObj.new_wa_id),
        raw: systemObj,
      }
    : null;
  const editObj = type === 'edit' ? obj(body) : null;
  const edit = editObj
    ? { originalMessageId: nonEmpty(editObj.original_message_id), message: isObject(editObj.message) ? parseMessage(editObj.message) : null }
    : null;
  const revokeObj = type === 'revoke' ? obj(body) : null;
  const revoke = revokeObj ? { originalMessageId: nonEmpty(revokeObj.original_message_id) } : null;
  const location = type === 'location' ? obj(body) : null;
  const contacts = type === 'contacts' ? (Array.isArray(body) ? body : isObject(body) ? [body] : null) : null;

  let unsupported: Json | null = null;
  if (type === 'unsupported') {
    unsupported = obj(m.unsupported) ?? {};
    if (declared && declared !== 'unsupported') unsupported = { ...unsupported, declared_type: declared };
  }

  const parsed = { media, interactive, button, system, order };
  return {
    wamid: nonEmpty(m.id),
    from: nonEmpty(m.from),
    fromUserId: nonEmpty(m.from_user_id),
    timestamp: parseTimestamp(m.timestamp),
    type,
    originalType: declared !== type ? declared : null,
    text: textOf(type, m, parsed),
    media,
    location,
    contacts,
    interactive,
    button,
    reaction,
    order,
    system,
    // A click-to-WhatsApp ad reply: Meta puts the referral on the message (usually a text).
    referral: obj(m.referral),
    context: parseContext(m.context),
    edit,
    revoke,
    unsupported,
    errors: parseErrors(m.errors),
    identity: obj(m.identity),
    raw,
  };
}

/** parseStatus normalises one entry of value.statuses. */
export function parseStatus(raw: unknown): ParsedStatus {
  const s = obj(raw) ?? {};
  return {
    id: nonEmpty(s.id),
    status: nonEmpty(s.status)?.toLowerCase() ?? null,
    timestamp: parseTimestamp(s.timestamp),
    recipientId: nonEmpty(s.recipient_id),
    recipientUserId: nonEmpty(s.recipient_user_id),
    conversation: obj(s.conversation),
    pricing: obj(s.pricing),
    errors: parseErrors(s.errors),
    bizOpaqueCallbackData: nonEmpty(s.biz_opaque_callback_data),
    raw,
  };
}

function parseChange(entryId: string | null, raw: unknown): ParsedChange {
  const change = obj(raw) ?? {};
  const field = nonEmpty(change.field) ?? '(none)';
  const value = obj(change.value) ?? {};
  const base = { entryId, field, raw };
  switch (field) {
    case 'messages': {
      const metadata = obj(value.metadata) ?? {};
      return {
        ...base,
        kind: 'messages',
        phoneNumberId: nonEmpty(metadata.phone_number_id),
        displayPhoneNumber: nonEmpty(metadata.display_phone_number),
        contacts: list(value.contacts).map(parseContact),
        messages: list(value.messages).map(parseMessage),
        statuses: list(value.statuses).map(parseStatus),
        errors: parseErrors(value.errors),
      };
    }
    case 'message_template_status_update':
      return {
        ...base,
        kind: 'template_status',
        event: nonEmpty(value.event),
        templateId: nonEmpty(value.message_template_id),
        templateName: nonEmpty(value.message_template_name),
        language: nonEmpty(value.message_template_language),
        reason: nonEmpty(value.reason),
      };
    case 'phone_number_quality_update':
      return {
        ...base,
        kind: 'phone_quality',
        event: nonEmpty(value.event),
        displayPhoneNumber: nonEmpty(value.display_phone_number),
        currentLimit: nonEmpty(value.current_limit),
      };
    case 'account_update':
      return { ...base, kind: 'account_update', event: nonEmpty(value.event), phoneNumber: nonEmpty(value.phone_number), banInfo: obj(value.ban_info) };
    default:
      return { ...base, kind: 'other' };
  }
}

/**
 * parseWebhookPayload walks every entry and change of a decoded webhook body. Throws
 * WebhookParseError only when the body is not an object at all.
 */
export function parseWebhookPayload(payload: unknown): ParsedWebhook {
  if (!isObject(payload)) throw new WebhookParseError(`the webhook body is ${Array.isArray(payload) ? 'an array' : payload === null ? 'null' : `a ${typeof payload}`}, not a JSON object`);
  const changes: ParsedChange[] = [];
  for (const rawEntry of list(payload.entry)) {
    const entry = obj(rawEntry) ?? {};
    const entryId = nonEmpty(entry.id);
    for (const rawChange of list(entry.changes)) changes.push(parseChange(entryId, rawChange));
  }
  return { object: nonEmpty(payload.object), changes };
}

/**
 * decodeWebhookBody turns the stored body text into JSON. NUL characters are removed from
 * every string: Postgres cannot store them in text or jsonb, and they carry no meaning.
 */
export function decodeWebhookBody(body: string): unknown {
  try {
    return JSON.parse(body, (_key, value) => (typeof value === 'string' && value.includes('\u0000') ? value.replace(/\u0000/g, '') : value));
  } catch (err) {
    throw new WebhookParseError(`the webhook body is not valid JSON (${(err as Error).message})`);
  }
}

/** parseWebhookBody decodes and parses a stored webhook body. */
export function parseWebhookBody(body: string): ParsedWebhook {
  return parseWebhookPayload(decodeWebhookBody(body));
}
