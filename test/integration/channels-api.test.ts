import { expect } from 'chai';
import request from 'supertest';
import { createApiToken } from '../../src/api/tokens.js';
import { channelSecrets } from '../../src/whatsapp/channels.js';
import { createSandboxChannel, createWhatsAppChannel, whatsappChannelInput } from '../support/channel-factories.js';
import { testEnv } from '../support/context.js';
import { createWorkspace } from '../support/factories.js';

/** api returns request helpers authenticated with a fresh token of the workspace. */
async function api(workspaceId: string) {
  const { app, ctx } = await testEnv();
  const { token } = await createApiToken(ctx.knex, workspaceId, 'channels test', { userId: null });
  const auth = { Authorization: `Bearer ${token}` };
  return {
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
    post: (path: string, body?: object) => request(app).post(`/api/v1${path}`).set(auth).send(body ?? {}),
    patch: (path: string, body: object) => request(app).patch(`/api/v1${path}`).set(auth).send(body),
    delete: (path: string) => request(app).delete(`/api/v1${path}`).set(auth),
  };
}

describe('channels API', () => {
  it('creates, reads, changes and deletes a WhatsApp channel without ever answering a secret', async () => {
    const { ctx, baseUrl } = await testEnv();
    const { workspace } = await createWorkspace();
    const client = await api(workspace.id);
    const input = whatsappChannelInput({ verify_token: 'meta-verify-1' });
    const secrets = [input.access_token, input.app_secret];
    const bodies: unknown[] = [];

    const created = await client.post('/channels', { type: 'whatsapp_cloud', ...input }).expect(201);
    bodies.push(created.body);
    const data = created.body.data;
    expect(data).to.include({
      type: 'whatsapp_cloud',
      name: 'Sales',
      phone_number_id: input.phone_number_id,
      waba_id: input.waba_id,
      display_phone_number: input.display_phone_number,
      verify_token: 'meta-verify-1',
      health: 'unknown',
      health_error: null,
      verified_name: null,
      quality_rating: null,
      messages_per_second: 80,
      mark_read: true,
    });
    expect(data.webhook_url).to.match(new RegExp(`^${baseUrl}/webhooks/whatsapp/[A-Za-z0-9_-]{20,}$`));
    expect(data).to.have.property('created_at');
    expect(data).not.to.have.any.keys('access_token', 'app_secret', 'access_token_enc', 'app_secret_enc', 'verify_token_enc', 'webhook_key', 'workspace_id');

    bodies.push((await client.get(`/channels/${data.id}`).expect(200)).body);
    const listed = await client.get('/channels').expect(200);
    bodies.push(listed.body);
    expect(listed.body.data.map((c: { id: string }) => c.id)).to.deep.equal([data.id]);
    expect(listed.body.next_cursor).to.equal(null);

    const patched = await client.patch(`/channels/${data.id}`, { name: 'Sales BR', messages_per_second: 20, mark_read: false, access_token: '' }).expect(200);
    bodies.push(patched.body);
    expect(patched.body.data).to.include({ name: 'Sales BR', messages_per_second: 20, mark_read: false });
    let row = await ctx.knex('channels').where({ id: data.id }).first();
    expect(channelSecrets(ctx.config.encryptionKey, row).accessToken).to.equal(input.access_token);

    const rotated = await client.patch(`/channels/${data.id}`, { access_token: 'EAAGrotated', app_secret: 'new-app-secret', verify_token: 'meta-verify-2' }).expect(200);
    bodies.push(rotated.body);
    secrets.push('EAAGrotated', 'new-app-secret');
    expect(rotated.body.data.verify_token).to.equal('meta-verify-2');
    row = await ctx.knex('channels').where({ id: data.id }).first();
    expect(channelSecrets(ctx.config.encryptionKey, row)).to.deep.equal({ accessToken: 'EAAGrotated', appSecret: 'new-app-secret', verifyToken: 'meta-verify-2' });

    const invalid = await client.patch(`/channels/${data.id}`, { name: '', phone_number_id: 'abc', messages_per_second: 0, mark_read: 'yes' }).expect(422);
    expect(invalid.body.error.code).to.equal('invalid');
    expect(invalid.body.error.fields).to.deep.equal({
      name: 'This field is required',
      phone_number_id: 'Use digits only (as Meta shows it)',
      messages_per_second: 'Choose between 1 and 1000',
      mark_read: 'Use true or false',
    });

    const tested = await client.post(`/channels/${data.id}/test`).expect(200);
    bodies.push(tested.body);
    expect(tested.body.data).to.include({ health: 'ok', verified_name: 'Test Business', quality_rating: 'GREEN' });

    await client.delete(`/channels/${data.id}`).expect(204);
    await client.get(`/channels/${data.id}`).expect(404);
    expect((await client.get('/channels').expect(200)).body.data).to.deep.equal([]);
    expect((await ctx.knex('channels').where({ id: data.id }).first()).deleted_at).to.be.instanceOf(Date);

    for (const body of bodies) for (const s of secrets) expect(JSON.stringify(body)).not.to.contain(s);
    const actions = (await ctx.knex('audit_log').where({ workspace_id: workspace.id, subject_id: data.id }).orderBy('id')).map((a) => a.action);
    expect(actions).to.deep.equal(['channel.created', 'channel.updated', 'channel.updated', 'channel.tested', 'channel.deleted']);
    const byToken = await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'channel.created' }).first();
    expect(byToken.actor_token_id).to.be.a('string');
  });

  it('creates a sandbox from a name alone, with its built-in templates', async () => {
    const { workspace } = await createWorkspace();
    const client = await api(workspace.id);
    const created = await client.post('/channels', { type: 'sandbox', name: 'Demo' }).expect(201);
    expect(created.body.data).to.include({ type: 'sandbox', name: 'Demo', health: 'ok' });
    expect(created.body.data.phone_number_id).to.match(/^sandbox-/);
    const tested = await client.post(`/channels/${created.body.data.id}/test`).expect(200);
    expect(tested.body.data.health).to.equal('ok');
    const templates = await client.get(`/templates?channel_id=${created.body.data.id}`).expect(200);
    expect(templates.body.data.map((t: { name: string }) => t.name)).to.include.members(['hello_world', 'order_update', 'appointment_reminder', 'spring_sale']);
    // A sandbox has no Meta ids or secrets to change.
    const refused = await client.patch(`/channels/${created.body.data.id}`, { access_token: 'EAAGx', waba_id: '123456' }).expect(422);
    expect(refused.body.error.fields).to.have.keys('access_token', 'waba_id');
  });

  it('validates new channels field by field', async () => {
    const { workspace } = await createWorkspace();
    const client = await api(workspace.id);
    const noType = await client.post('/channels', { name: 'x' }).expect(422);
    expect(noType.body.error.fields).to.deep.equal({ type: 'type must be "whatsapp_cloud" or "sandbox"' });
    const missing = await client.post('/channels', { type: 'whatsapp_cloud', name: 'x', phone_number_id: '12ab' }).expect(422);
    expect(missing.body.error.fields).to.have.keys('phone_number_id', 'waba_id', 'access_token', 'app_secret');
    const noName = await client.post('/channels', { type: 'sandbox' }).expect(422);
    expect(noName.body.error.fields).to.deep.equal({ name: 'This field is required' });
  });

  it('refuses a phone number id connected in another workspace, and allows it again once deleted there', async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const { channel } = await createWhatsAppChannel(a.workspace.id);
    const client = await api(b.workspace.id);
    const input = { type: 'whatsapp_cloud', ...whatsappChannelInput({ phone_number_id: channel.phone_number_id }) };
    const taken = await client.post('/channels', input).expect(422);
    expect(taken.body.error.fields.phone_number_id).to.equal('This phone number is already connected on this server. Delete it there first.');
    const own = (await client.post('/channels', { type: 'whatsapp_cloud', ...whatsappChannelInput() }).expect(201)).body.data;
    const moved = await client.patch(`/channels/${own.id}`, { phone_number_id: channel.phone_number_id }).expect(422);
    expect(moved.body.error.fields).to.have.key('phone_number_id');
    await (await api(a.workspace.id)).delete(`/channels/${channel.id}`).expect(204);
    await client.post('/channels', input).expect(201);
  });

  it('pages the channel list', async () => {
    const { workspace } = await createWorkspace();
    for (const name of ['One', 'Two', 'Three']) await createSandboxChannel(workspace.id, name);
    const client = await api(workspace.id);
    const first = await client.get('/channels?limit=2').expect(200);
    expect(first.body.data.map((c: { name: string }) => c.name)).to.deep.equal(['One', 'Two']);
    const second = await client.get(`/channels?limit=2&cursor=${first.body.next_cursor}`).expect(200);
    expect(second.body.data.map((c: { name: string }) => c.name)).to.deep.equal(['Three']);
    expect(second.body.next_cursor).to.equal(null);
  });

  it('answers 404 for a channel of another workspace on every route', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const { channel } = await createWhatsAppChannel(b.workspace.id);
    const client = await api(a.workspace.id);
    await client.get(`/channels/${channel.id}`).expect(404);
    await client.patch(`/channels/${channel.id}`, { name: 'Mine now' }).expect(404);
    await client.post(`/channels/${channel.id}/test`).expect(404);
    await client.delete(`/channels/${channel.id}`).expect(404);
    await client.get(`/templates?channel_id=${channel.id}`).expect(404);
    await client.post('/templates/sync', { channel_id: channel.id }).expect(404);
    await client.get('/channels/not-a-uuid').expect(404);
    expect((await client.get('/channels').expect(200)).body.data).to.deep.equal([]);
    const row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row).to.include({ name: 'Sales', deleted_at: null, health: 'unknown' });
  });

  it('documents the channel and template routes in the OpenAPI document', async () => {
    const { app } = await testEnv();
    const doc = (await request(app).get('/api/v1/openapi.json').expect(200)).body;
    expect(doc.paths['/channels']).to.have.keys('get', 'post');
    expect(doc.paths['/channels/{id}']).to.have.keys('get', 'patch', 'delete');
    expect(doc.paths['/channels/{id}/test']).to.have.key('post');
    expect(doc.paths['/templates']).to.have.key('get');
    expect(doc.paths['/templates/sync']).to.have.key('post');
    const create = doc.paths['/channels'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(create)).to.contain('"const":"sandbox"').and.contain('phone_number_id');
    const channel = doc.paths['/channels/{id}'].get.responses[200].content['application/json'].schema.properties.data;
    expect(channel.properties).to.have.property('webhook_url');
    expect(channel.properties).not.to.have.any.keys('access_token', 'app_secret');
  });
});
