import crypto from 'node:crypto';
import { expect } from 'chai';
import type request from 'supertest';
import { downloadPendingMedia } from '../../src/media/download.js';
import { eventually, testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { anonymous, signIn } from '../support/http.js';
import { createTestChannel, deliverAndSettle, messageByWamid, messagesPayload, uniqueWamid, unixSeconds, type TestChannel } from '../support/webhooks.js';

type Channel = TestChannel & { workspaceId: string; ownerEmail: string };

async function newChannel(): Promise<Channel> {
  const { workspace, user } = await createWorkspace();
  return { ...(await createTestChannel(workspace.id)), workspaceId: workspace.id, ownerEmail: user.email };
}

let mediaCounter = 0;
const mediaId = () => `${Date.now()}${(mediaCounter += 1)}${crypto.randomInt(1000, 9999)}`;

/** sendsMedia has the customer send a file of `type` that the fake Graph holds under a new id. */
async function sendsMedia(ch: Channel, type: string, file: { data: Buffer; mimeType: string; filename?: string; announcedSize?: number }, extra: Record<string, unknown> = {}) {
  const { graph } = await testEnv();
  const id = mediaId();
  graph.media.set(id, file);
  const wamid = uniqueWamid(type.toUpperCase());
  const object = { id, mime_type: file.mimeType, sha256: crypto.createHash('sha256').update(file.data).digest('base64'), ...(file.filename ? { filename: file.filename } : {}), ...extra };
  await deliverAndSettle(
    ch,
    messagesPayload(ch, {
      contacts: [{ profile: { name: 'Ana' }, wa_id: '5511955550000' }],
      messages: [{ from: '5511955550000', id: wamid, timestamp: unixSeconds(new Date()), type, [type]: object }],
    }),
  );
  const message = await messageByWamid(ch, wamid);
  return { message, mediaId: message.media_id as string };
}

async function settledFile(id: string) {
  const { ctx } = await testEnv();
  return eventually(async () => {
    const f = await ctx.knex('media_files').where({ id }).first();
    return f.status !== 'pending' ? f : null;
  }, 15_000, 'the media download to finish');
}

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(2048)]);

describe('WhatsApp media', () => {
  it('downloads a customer\'s photo from Meta, stores it, announces it and serves it inline to members', async () => {
    const { ctx, graph } = await testEnv();
    const ch = await newChannel();
    const seen: Array<Record<string, unknown>> = [];
    const unsubscribe = ctx.realtime.subscribe(ch.workspaceId, (e) => seen.push(e));
    const data = jpeg();
    try {
      const { message, mediaId } = await sendsMedia(ch, 'image', { data, mimeType: 'image/jpeg' }, { caption: 'Our shop' });
      const file = await settledFile(mediaId);
      expect(file).to.include({ status: 'ready', size: data.length, mime_type: 'image/jpeg', error: null, sha256: crypto.createHash('sha256').update(data).digest('hex') });
      expect(await ctx.media.read(file.storage_key)).to.deep.equal(data);
      // The download used the channel's token.
      const download = graph.requests.find((r) => r.path === `/cdn/${file.meta_media_id}`)!;
      expect(download.headers.authorization).to.equal(`Bearer ${ch.accessToken}`);
      await eventually(() => seen.some((e) => e.type === 'message.updated' && e.message_id === message.id), 5000, 'message.updated');

      const owner = await signIn(ch.ownerEmail);
      const res = await owner.get(`/media/${mediaId}`).buffer(true).parse(binary).expect(200);
      expect(res.body).to.deep.equal(data);
      expect(res.headers['content-type']).to.equal('image/jpeg');
      expect(res.headers['content-disposition']).to.match(/^inline; filename="media-[0-9a-f]{8}\.jpg"/);
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['content-security-policy']).to.equal("sandbox; default-src 'none'");
      const forced = await owner.get(`/media/${mediaId}?download=1`).buffer(true).parse(binary).expect(200);
      expect(forced.headers['content-type']).to.equal('application/octet-stream');
      expect(forced.headers['content-disposition']).to.match(/^attachment; /);
      // Byte ranges, for audio and video players.
      const part = await owner.get(`/media/${mediaId}`).set('Range', 'bytes=0-3').buffer(true).parse(binary).expect(206);
      expect(part.body).to.deep.equal(data.subarray(0, 4));
      expect(part.headers['content-range']).to.equal(`bytes 0-3/${data.length}`);
      await owner.get(`/media/${mediaId}`).set('Range', `bytes=${data.length + 10}-`).expect(416);
    } finally {
      unsubscribe();
    }
  });

  it('serves documents and anything not safe to show as downloads with their own name', async () => {
    const ch = await newChannel();
    const pdf = await sendsMedia(ch, 'document', { data: Buffer.from('%PDF-1.7 invoice'), mimeType: 'application/pdf', filename: 'Invoice 2026-004 (São Paulo).pdf' });
    const html = await sendsMedia(ch, 'document', { data: Buffer.from('<script>alert(1)</script>'), mimeType: 'text/html', filename: 'page.html' });
    const svg = await sendsMedia(ch, 'document', { data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), mimeType: 'image/svg+xml', filename: 'x.svg' });
    for (const m of [pdf, html, svg]) expect((await settledFile(m.mediaId)).status).to.equal('ready');
    const owner = await signIn(ch.ownerEmail);
    const res = await owner.get(`/media/${pdf.mediaId}`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).to.equal('application/octet-stream');
    expect(res.headers['content-disposition']).to.equal(`attachment; filename="Invoice 2026-004 (S_o Paulo).pdf"; filename*=UTF-8''Invoice%202026-004%20%28S%C3%A3o%20Paulo%29.pdf`);
    for (const m of [html, svg]) {
      const r = await owner.get(`/media/${m.mediaId}`).buffer(true).parse(binary).expect(200);
      expect(r.headers['content-type']).to.equal('application/octet-stream');
      expect(r.headers['content-disposition']).to.match(/^attachment; /);
      expect(r.headers['x-content-type-options']).to.equal('nosniff');
      expect(r.headers['content-security-policy']).to.equal("sandbox; default-src 'none'");
    }
    // Voice notes play inline with their type.
    const voice = await sendsMedia(ch, 'audio', { data: crypto.randomBytes(512), mimeType: 'audio/ogg; codecs=opus' }, { voice: true });
    expect((await settledFile(voice.mediaId)).status).to.equal('ready');
    const audio = await owner.get(`/media/${voice.mediaId}`).buffer(true).parse(binary).expect(200);
    expect(audio.headers['content-type']).to.equal('audio/ogg');
    expect(audio.headers['content-disposition']).to.match(/^inline; filename="media-[0-9a-f]{8}\.ogg"/);
  });

  it('refuses files over Meta\'s limit for their type, or of a type the message cannot be', async () => {
    const ch = await newChannel();
    const sticker = await sendsMedia(ch, 'sticker', { data: crypto.randomBytes(600 * 1024), mimeType: 'image/webp' });
    const bigSticker = await settledFile(sticker.mediaId);
    expect(bigSticker.status).to.equal('failed');
    expect(bigSticker.error).to.contain('larger than 512000 bytes');
    expect(bigSticker.storage_key).to.equal(null);
    // Announced as too big: refused before downloading.
    const image = await sendsMedia(ch, 'image', { data: jpeg(), mimeType: 'image/jpeg', announcedSize: 6 * 1024 * 1024 });
    expect((await settledFile(image.mediaId)).error).to.contain('larger than');
    const fake = await sendsMedia(ch, 'image', { data: Buffer.from('<html></html>'), mimeType: 'text/html' });
    const wrongType = await settledFile(fake.mediaId);
    expect(wrongType).to.include({ status: 'failed' });
    expect(wrongType.error).to.contain('text/html is not accepted');
    const owner = await signIn(ch.ownerEmail);
    await owner.get(`/media/${fake.mediaId}`).expect(404);
  });

  it('retries a download that failed for a passing reason', async () => {
    const { ctx, graph } = await testEnv();
    const ch = await newChannel();
    const data = jpeg();
    const id = mediaId();
    graph.script({ match: (r) => r.method === 'GET' && r.path.endsWith(`/${id}`), status: 500, body: { error: { message: 'Service temporarily unavailable', code: 2 } } });
    graph.media.set(id, { data, mimeType: 'image/jpeg' });
    const wamid = uniqueWamid('RETRY');
    await deliverAndSettle(ch, messagesPayload(ch, { messages: [{ from: '5511955550001', id: wamid, timestamp: unixSeconds(new Date()), type: 'image', image: { id, mime_type: 'image/jpeg' } }] }));
    const fileId = (await messageByWamid(ch, wamid)).media_id;
    const waiting = await eventually(async () => {
      const f = await ctx.knex('media_files').where({ id: fileId }).first();
      return f.error ? f : null;
    }, 10_000, 'the first attempt to fail');
    expect(waiting).to.include({ status: 'pending', attempts: 1 });
    expect(waiting.error).to.contain('Service temporarily unavailable');
    expect(waiting.next_attempt_at.getTime()).to.be.greaterThan(Date.now());
    await ctx.knex('media_files').where({ id: fileId }).update({ next_attempt_at: new Date(Date.now() - 1000) });
    await downloadPendingMedia(ctx);
    expect(await settledFile(fileId)).to.include({ status: 'ready', attempts: 2, error: null, size: data.length });
  });

  it('serves a file only to members of its workspace', async () => {
    const ch = await newChannel();
    const { mediaId } = await sendsMedia(ch, 'image', { data: jpeg(), mimeType: 'image/png' });
    expect((await settledFile(mediaId)).status).to.equal('ready');
    const agent = await createMember(ch.workspaceId, 'agent');
    const asAgent = await signIn(agent.email);
    const ok = await asAgent.get(`/media/${mediaId}`).buffer(true).parse(binary).expect(200);
    expect(ok.headers['content-type']).to.equal('image/png');
    const other = await createWorkspace();
    const outsider = await signIn(other.user.email);
    await outsider.get(`/media/${mediaId}`).expect(404);
    await outsider.get('/media/not-a-uuid').expect(404);
    const guest = await anonymous();
    const res = await guest.get(`/media/${mediaId}`).expect(303);
    expect(res.headers.location).to.equal('/login');
  });
});
