// The WhatsApp Cloud API over Meta's Graph API: send, mark read, media up and down, templates,
// phone number details. Base URL and version are configuration (tests use a local fake Graph).
// Every failure becomes a GraphError that says whether trying again can help.

export interface GraphClientOptions {
  baseUrl: string;
  version: string;
  timeoutMs?: number;
}

/** What kind of failure: decides retrying and what the channel's health shows. */
export type GraphErrorKind = 'auth' | 'rate_limit' | 'temporary' | 'permanent';

export class GraphError extends Error {
  constructor(
    /** HTTP status, or 0 when Meta could not be reached. */
    readonly status: number,
    /** Meta's error code as text ('131047'), or 'network' / 'timeout' / 'http_<status>'. */
    readonly code: string,
    readonly title: string,
    readonly details: string | null,
    readonly kind: GraphErrorKind,
    readonly fbtraceId: string | null = null,
  ) {
    super(`${title} (${code})`);
    this.name = 'GraphError';
  }

  get retryable(): boolean {
    return this.kind === 'rate_limit' || this.kind === 'temporary';
  }
}

// META.md's table of send errors.
const AUTH_CODES = new Set(['0', '190']);
const RATE_CODES = new Set(['4', '80007', '130429', '131056']);
const TEMPORARY_CODES = new Set(['1', '2', '131000', '131016', '131057']);
// Everything else (131047 window closed, 131026 undeliverable, 131048 spam limit, 131049/131050,
// 131051-131053 media, 131062 user-id recipient not supported, 131031/368 account, 100, 132xxx
// template errors, 133010 not registered) is final.

/** classifyError decides what an error from Meta means for retrying. */
export function classifyError(status: number, code: string): GraphErrorKind {
  if (AUTH_CODES.has(code) || status === 401) return 'auth';
  if (RATE_CODES.has(code) || status === 429) return 'rate_limit';
  if (TEMPORARY_CODES.has(code) || status >= 500 || status === 0) return 'temporary';
  return 'permanent';
}

export interface SendResult {
  wamid: string;
  waId: string | null;
}

export interface MediaInfo {
  url: string;
  mime_type: string;
  sha256?: string;
  file_size?: number;
  id: string;
}

export interface GraphTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category?: string;
  parameter_format?: 'NAMED' | 'POSITIONAL';
  components?: unknown[];
  rejected_reason?: string;
}

export interface PhoneNumberInfo {
  id?: string;
  verified_name?: string;
  display_phone_number?: string;
  quality_rating?: string;
  code_verification_status?: string;
  throughput?: { level?: string };
}

export interface GraphClient {
  sendMessage(phoneNumberId: string, token: string, payload: Record<string, unknown>): Promise<SendResult>;
  markRead(phoneNumberId: string, token: string, wamid: string): Promise<void>;
  uploadMedia(phoneNumberId: string, token: string, file: { data: Buffer; mimeType: string; filename: string }): Promise<{ id: string }>;
  mediaInfo(mediaId: string, token: string): Promise<MediaInfo>;
  /** Downloads a media URL (which needs the token); refuses bodies over maxBytes. */
  downloadMedia(url: string, token: string, maxBytes: number): Promise<Buffer>;
  /** Every template of the WABA, following the paging cursors. */
  listTemplates(wabaId: string, token: string): Promise<GraphTemplate[]>;
  phoneNumber(phoneNumberId: string, token: string): Promise<PhoneNumberInfo>;
}

/** createGraphClient talks to `${baseUrl}/${version}`. */
export function createGraphClient(options: GraphClientOptions): GraphClient {
  const root = `${options.baseUrl.replace(/\/+$/, '')}/${options.version}`;
  const timeoutMs = options.timeoutMs ?? 20_000;

  async function request(url: string, init: RequestInit & { token: string }): Promise<Response> {
    const { token, ...rest } = init;
    let res: Response;
    try {
      res = await fetch(url, {
        ...rest,
        headers: { Authorization: `Bearer ${token}`, ...(rest.headers as Record<string, string> | undefined) },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
      throw new GraphError(0, timedOut ? 'timeout' : 'network', timedOut ? 'Meta did not answer in time' : 'Meta could not be reached', (err as Error).message, 'temporary');
    }
    if (!res.ok) throw await errorFrom(res);
    return res;
  }

  async function json<T>(url: string, init: RequestInit & { token: string }): Promise<T> {
    const res = await request(url, init);
    try {
      return (await res.json()) as T;
    } catch {
      throw new GraphError(res.status, 'bad_response', 'Meta answered with something that is not JSON', null, 'temporary');
    }
  }

  return {
    async sendMessage(phoneNumberId, token, payload) {
      const body = await json<{ messages?: Array<{ id: string }>; contacts?: Array<{ wa_id?: string }> }>(`${root}/${encodeURIComponent(phoneNumberId)}/messages`, {
        method: 'POST',
        token,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', ...payload }),
      });
      const wamid = body.messages?.[0]?.id;
      if (!wamid) throw new GraphError(200, 'bad_response', 'Meta accepted the message but returned no id', null, 'permanent');
      return { wamid, waId: body.contacts?.[0]?.wa_id ?? null };
    },

    async markRead(phoneNumberId, token, wamid) {
      await json(`${root}/${encodeURIComponent(phoneNumberId)}/messages`, {
        method: 'POST',
        token,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messaging_product: 'whatsapp', status: 'read', message_id: wamid }),
      });
    },

    async uploadMedia(phoneNumberId, token, file) {
      const form = new FormData();
      form.set('messaging_product', 'whatsapp');
      form.set('type', file.mimeType);
      form.set('file', new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.filename);
      const body = await json<{ id?: string }>(`${root}/${encodeURIComponent(phoneNumberId)}/media`, { method: 'POST', token, body: form });
      if (!body.id) throw new GraphError(200, 'bad_response', 'Meta stored the media but returned no id', null, 'temporary');
      return { id: body.id };
    },

    async mediaInfo(mediaId, token) {
      return json<MediaInfo>(`${root}/${encodeURIComponent(mediaId)}`, { method: 'GET', token });
    },

    async downloadMedia(url, token, maxBytes) {
      const res = await request(url, { method: 'GET', token });
      const declared = Number(res.headers.get('content-length'));
      if (declared > maxBytes) {
        await res.body?.cancel();
        throw new GraphError(res.status, 'too_large', `The file is larger than ${maxBytes} bytes`, null, 'permanent');
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > maxBytes) throw new GraphError(res.status, 'too_large', `The file is larger than ${maxBytes} bytes`, null, 'permanent');
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    },

    async listTemplates(wabaId, token) {
      const all: GraphTemplate[] = [];
      let next: string | null = `${root}/${encodeURIComponent(wabaId)}/message_templates?limit=100`;
      for (let page = 0; next && page < 100; page++) {
        const body: { data?: GraphTemplate[]; paging?: { next?: string } } = await json(next, { method: 'GET', token });
        all.push(...(body.data ?? []));
        next = body.paging?.next ?? null;
      }
      return all;
    },

    async phoneNumber(phoneNumberId, token) {
      return json<PhoneNumberInfo>(
        `${root}/${encodeURIComponent(phoneNumberId)}?fields=verified_name,display_phone_number,quality_rating,code_verification_status,throughput`,
        { method: 'GET', token },
      );
    },
  };
}

async function errorFrom(res: Response): Promise<GraphError> {
  let body: { error?: { code?: number | string; message?: string; error_user_title?: string; error_data?: { details?: string }; fbtrace_id?: string } } = {};
  try {
    body = await res.json();
  } catch {
    // not JSON: keep the HTTP status
  }
  const e = body.error;
  const code = e?.code !== undefined ? String(e.code) : `http_${res.status}`;
  const title = e?.error_user_title ?? e?.message ?? `Meta answered HTTP ${res.status}`;
  return new GraphError(res.status, code, title, e?.error_data?.details ?? null, classifyError(res.status, code), e?.fbtrace_id ?? null);
}
