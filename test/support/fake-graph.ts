// A local stand-in for Meta's Graph API (the one part of the system we do not own), speaking
// the same HTTP: send messages, mark read, upload / look up / download media, list templates
// with paging, phone number details. Tests script errors and delays, and read what was sent.
import crypto from 'node:crypto';
import http from 'node:http';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: Record<string, unknown> | null;
}

export interface SentMessage {
  phoneNumberId: string;
  token: string;
  payload: Record<string, unknown>;
  wamid: string;
  at: Date;
}

export interface ScriptedAnswer {
  /** Which requests it applies to (default: message sends). */
  match?: (req: RecordedRequest) => boolean;
  /** How many times (default 1). */
  times?: number;
  status: number;
  body: unknown;
  delayMs?: number;
}

export interface FakeMedia {
  data: Buffer;
  mimeType: string;
  filename?: string;
  /** Content-Length to announce instead of the real one (to test size checks). */
  announcedSize?: number;
}

export interface FakeGraph {
  /** Base URL to configure as WHATSAPP_GRAPH_URL. */
  url: string;
  version: string;
  requests: RecordedRequest[];
  /** Accepted message sends, in order (read receipts excluded). */
  sent: SentMessage[];
  /** Read receipts sent with {status: 'read'}. */
  readReceipts: Array<{ phoneNumberId: string; wamid: string }>;
  media: Map<string, FakeMedia>;
  /** Templates per WABA id. */
  templates: Map<string, unknown[]>;
  /** Phone number details per phone number id (unknown ids answer a plausible default). */
  phoneNumbers: Map<string, Record<string, unknown>>;
  /** Tokens that Meta considers expired (answered 401 / code 190). */
  expiredTokens: Set<string>;
  /** Delay before answering each message send, in ms. */
  sendDelayMs: number;
  /** Templates page size, to exercise paging. */
  templatesPageSize: number;
  script(answer: ScriptedAnswer): void;
  /** Answers the next `times` sends with a Meta error. */
  failSends(code: number, options?: { times?: number; status?: number; message?: string; details?: string }): void;
  /** Sends to `phoneNumberId` (and waits until `count` have arrived). */
  waitForSends(count: number, timeoutMs?: number): Promise<SentMessage[]>;
  reset(): void;
  close(): Promise<void>;
}

function metaError(code: number, message: string, details?: string) {
  return {
    error: {
      message: `(#${code}) ${message}`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details: details ?? message },
      fbtrace_id: `Az${crypto.randomBytes(8).toString('base64url')}`,
    },
  };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A tiny multipart/form-data reader: enough for Meta's media upload form. */
function parseMultipart(body: Buffer, contentType: string): Map<string, { value: Buffer; filename?: string; type?: string }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const parts = new Map<string, { value: Buffer; filename?: string; type?: string }>();
  if (!boundary) return parts;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const value = part.subarray(headerEnd + 4);
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (name) parts.set(name, { value, filename: /filename="([^"]*)"/.exec(headers)?.[1], type: /Content-Type:\s*([^\r\n]+)/i.exec(headers)?.[1] });
    start = next;
  }
  return parts;
}

/** startFakeGraph listens on a free loopback port. */
export async function startFakeGraph(version = 'v25.0'): Promise<FakeGraph> {
  let scripted: Array<ScriptedAnswer & { left: number }> = [];
  const waiters: Array<{ count: number; resolve: (s: SentMessage[]) => void }> = [];

  const fake: FakeGraph = {
    url: '',
    version,
    requests: [],
    sent: [],
    readReceipts: [],
    media: new Map(),
    templates: new Map(),
    phoneNumbers: new Map(),
    expiredTokens: new Set(),
    sendDelayMs: 0,
    templatesPageSize: 2,
    script(answer) {
      scripted.push({ ...answer, left: answer.times ?? 1 });
    },
    failSends(code, options = {}) {
      const status = options.status ?? (code === 190 ? 401 : code === 130429 || code === 4 ? 429 : 400);
      this.script({ times: options.times ?? 1, status, body: metaError(code, options.message ?? 'Scripted failure', options.details) });
    },
    waitForSends(count, timeoutMs = 10_000) {
      if (fake.sent.length >= count) return Promise.resolve(fake.sent.slice(0, count));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fake Graph: ${fake.sent.length} of ${count} sends after ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ count, resolve: (s) => (clearTimeout(timer), resolve(s)) });
      });
    },
    reset() {
      scripted = [];
      this.requests.length = 0;
      this.sent.length = 0;
      this.readReceipts.length = 0;
      this.expiredTokens.clear();
      this.sendDelayMs = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const isSend = (r: RecordedRequest) => r.method === 'POST' && /\/messages$/.test(r.path) && r.json?.status !== 'read';

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    let json: Record<string, unknown> | null = null;
    if ((req.headers['content-type'] ?? '').includes('application/json')) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = null;
      }
    }
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, json };
    fake.requests.push(recorded);
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(payload));
    };

    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (!token) return send(401, metaError(190, 'An access token is required to request this resource.'));
    if (fake.expiredTokens.has(token)) return send(401, metaError(190, 'Error validating access token: Session has expired.'));

    const rule = scripted.find((s) => s.left > 0 && (s.match ? s.match(recorded) : isSend(recorded)));
    if (rule) {
      rule.left -= 1;
      if (rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
      return send(rule.status, rule.body);
    }

    // CDN download of a media file: /cdn/<media id>
    const cdn = /^\/cdn\/([^/]+)$/.exec(url.pathname);
    if (cdn && req.method === 'GET') {
      const m = fake.media.get(cdn[1]);
      if (!m) return send(404, metaError(100, 'Unknown media'));
      res.writeHead(200, { 'Content-Type': m.mimeType, 'Content-Length': String(m.announcedSize ?? m.data.length) });
      return res.end(m.data);
    }

    const [, v, id, edge] = /^\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname) ?? [];
    if (v !== version) return send(400, metaError(2635, `Unknown version ${v}`));

    if (edge === 'messages' && req.method === 'POST') {
      if (!json) return send(400, metaError(100, 'Invalid parameter'));
      if (json.status === 'read') {
        fake.readReceipts.push({ phoneNumberId: id, wamid: String(json.message_id) });
        return send(200, { success: true });
      }
      // Phone numbers go in `to`; customers known only by a business-scoped user id in `recipient`.
      if (json.messaging_product !== 'whatsapp' || !(json.to || json.recipient) || !json.type) return send(400, metaError(100, 'Invalid parameter'));
      if (fake.sendDelayMs) await new Promise((r) => setTimeout(r, fake.sendDelayMs));
      const wamid = `wamid.${crypto.randomBytes(18).toString('base64url')}`;
      fake.sent.push({ phoneNumberId: id, token, payload: json, wamid, at: new Date() });
      for (const w of [...waiters]) {
        if (fake.sent.length >= w.count) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(fake.sent.slice(0, w.count));
        }
      }
      const contact = json.to ? { input: String(json.to), wa_id: String(json.to).replace(/\D/g, '') } : { input: String(json.recipient), user_id: String(json.recipient) };
      return send(200, { messaging_product: 'whatsapp', contacts: [contact], messages: [{ id: wamid, message_status: 'accepted' }] });
    }

    if (edge === 'media' && req.method === 'POST') {
      const parts = parseMultipart(body, req.headers['content-type'] ?? '');
      const file = parts.get('file');
      if (!file || parts.get('messaging_product')?.value.toString() !== 'whatsapp') return send(400, metaError(100, 'Invalid parameter'));
      const mediaId = String(1_000_000_000_000 + fake.media.size + Math.floor(Math.random() * 1e9));
      fake.media.set(mediaId, { data: file.value, mimeType: parts.get('type')?.value.toString() ?? file.type ?? 'application/octet-stream', filename: file.filename });
      return send(200, { id: mediaId });
    }

    if (edge === 'message_templates' && req.method === 'GET') {
      const all = fake.templates.get(id) ?? [];
      const after = Number(url.searchParams.get('after') ?? 0);
      const size = fake.templatesPageSize;
      const page = all.slice(after, after + size);
      const more = after + size < all.length;
      const next = more ? `${fake.url}/${version}/${id}/message_templates?limit=${size}&after=${after + size}` : undefined;
      return send(200, { data: page, paging: { cursors: { before: String(after), after: String(after + size) }, ...(next ? { next } : {}) } });
    }

    if (!edge && req.method === 'GET') {
      const m = fake.media.get(id);
      if (m) {
        return send(200, {
          url: `${fake.url}/cdn/${id}`,
          mime_type: m.mimeType,
          sha256: crypto.createHash('sha256').update(m.data).digest('base64'),
          file_size: m.announcedSize ?? m.data.length,
          id,
          messaging_product: 'whatsapp',
        });
      }
      const info = fake.phoneNumbers.get(id) ?? { verified_name: 'Test Business', display_phone_number: '+1 555-0100', quality_rating: 'GREEN', code_verification_status: 'VERIFIED' };
      return send(200, { id, ...info });
    }

    send(404, metaError(100, `Unsupported request ${req.method} ${url.pathname}`));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return fake;
}
