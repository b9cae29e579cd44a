import crypto from 'node:crypto';
import { expect } from 'chai';
import { decryptSecret, encryptSecret, SecretDecryptionError } from '../../src/db/encryption.js';
import { channelSecrets, findChannelByWebhookKey, type ChannelRow } from '../../src/whatsapp/channels.js';
import { testEnv } from '../support/context.js';
import { whatsappChannelInput } from '../support/channel-factories.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn, type Session } from '../support/http.js';

const connectForm = whatsappChannelInput;

/** connect submits the Connect form and returns the stored channel with what was typed. */
async function connect(s: Session, workspaceId: string, overrides: Record<string, string> = {}): Promise<{ channel: ChannelRow; form: ReturnType<typeof connectForm> }> {
  const { ctx } = await testEnv();
  const form = connectForm(overrides);
  await s.post('/settings/channels', form).expect(303);
  const channel = await ctx.knex('channels').where({ workspace_id: workspaceId, phone_number_id: form.phone_number_id }).whereNull('deleted_at').first();
  return { channel, form };
}

describe('Settings -> Channels', () => {
  it('shows the empty state with both ways to start, and the nav entry after Workspace', async () => {
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    const page = await s.get('/settings/channels').expect(200);
    expect(page.text).to.contain('Connect WhatsApp to get started').and.contain('Try the sandbox').and.contain('href="/settings/channels/new"');
    expect(page.text).to.match(/href="\/settings\/workspace"[^>]*>Workspace<\/a><a href="\/settings\/channels" aria-current="page">Channels<\/a>/);
  });

  it('connects a WhatsApp number, with field errors first, and never shows the secrets again', async () => {
    const { ctx, baseUrl } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const bad = await s
      .post('/settings/channels', { name: '', phone_number_id: '+1 555', waba_id: '', access_token: 'has space', app_secret: 'sekret-value', verify_token: 'mine' })
      .expect(422);
    expect(bad.text).to.contain('id="f-name-error"').and.contain('Use digits only (as Meta shows it)').and.contain('This cannot contain spaces');
    expect(bad.text).to.match(/id="f-waba_id-error">This field is required/);
    // Secrets typed into the form are not echoed back.
    expect(bad.text).not.to.contain('sekret-value').and.not.to.contain('has space');
    expect(bad.text).not.to.contain('value="mine"');

    const { channel, form } = await connect(s, workspace.id, { verify_token: 'my-verify-token' });
    expect(channel).to.include({ type: 'whatsapp_cloud', name: 'Sales', health: 'unknown', waba_id: form.waba_id });
    const page = await s.get('/settings/channels').expect(200);
    expect(page.text).to.contain('Channel Sales connected');
    expect(page.text).to.contain(`value="${baseUrl}/webhooks/whatsapp/${channel.webhook_key}"`).and.contain('data-copy="#webhook-');
    expect(page.text).to.contain('value="my-verify-token"').and.contain('Not checked yet');
    expect(page.text).not.to.contain(form.access_token).and.not.to.contain(form.app_secret);
    const edit = await s.get(`/settings/channels/${channel.id}/edit`).expect(200);
    expect(edit.text).not.to.contain(form.access_token).and.not.to.contain(form.app_secret);

    const audit = await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'channel.created' }).first();
    expect(audit.subject_id).to.equal(channel.id);
    expect(JSON.stringify(audit.data)).not.to.contain(form.access_token);
  });

  it('generates a verify token when left blank', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const { channel } = await connect(s, workspace.id);
    const secrets = channelSecrets(ctx.config.encryptionKey, channel);
    expect(secrets.verifyToken).to.match(/^[A-Za-z0-9_-]{20,}$/);
    expect((await s.get('/settings/channels').expect(200)).text).to.contain(`value="${secrets.verifyToken}"`);
  });

  it('keeps secrets encrypted at rest; another ENCRYPTION_KEY gives a clear error', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const { channel, form } = await connect(s, workspace.id);
    const raw = JSON.stringify(await ctx.knex('channels').where({ id: channel.id }).first());
    expect(raw).not.to.contain(form.access_token).and.not.to.contain(form.app_secret);
    expect(channel.access_token_enc).to.match(/^v1\./);
    expect(channelSecrets(ctx.config.encryptionKey, channel)).to.include({ accessToken: form.access_token, appSecret: form.app_secret });

    const otherKey = crypto.randomBytes(32);
    expect(() => channelSecrets(otherKey, channel)).to.throw(SecretDecryptionError, /another ENCRYPTION_KEY/);
    // A channel whose secrets were saved under another key says so instead of failing obscurely.
    await ctx.knex('channels').where({ id: channel.id }).update({ access_token_enc: encryptSecret(otherKey, 'x'), verify_token_enc: encryptSecret(otherKey, 'y') });
    await s.post(`/settings/channels/${channel.id}/test`).expect(303);
    const page = await s.get('/settings/channels').expect(200);
    expect(page.text).to.contain('The stored secrets cannot be decrypted: this secret was encrypted with another ENCRYPTION_KEY');
    expect(page.text).to.contain('cannot be read with the current ENCRYPTION_KEY');
    expect((await ctx.knex('channels').where({ id: channel.id }).first()).health).to.equal('error');
    expect(decryptSecret(otherKey, (await ctx.knex('channels').where({ id: channel.id }).first()).access_token_enc)).to.equal('x');
  });

  it('creates a sandbox in one click, with its built-in templates and a simulator link', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const created = await s.post('/settings/channels/sandbox').expect(303);
    const channel = await ctx.knex('channels').where({ workspace_id: workspace.id, type: 'sandbox' }).first();
    expect(channel).to.include({ name: 'Sandbox', health: 'ok' });
    expect(channel.templates_synced_at).to.be.instanceOf(Date);
    // Straight to the simulator.
    expect(created.headers.location).to.equal(`/sandbox/${channel.id}`);
    expect((await s.get(created.headers.location).expect(200)).text).to.contain('Your sandbox is ready');
    const page = await s.get('/settings/channels').expect(200);
    expect(page.text).to.contain(`href="/sandbox/${channel.id}"`).and.contain('Open simulator').and.contain('5 templates');
    // Two sandboxes may coexist (their made-up ids are not Meta's).
    await s.post('/settings/channels/sandbox').expect(303);
    expect(await ctx.knex('channels').where({ workspace_id: workspace.id, type: 'sandbox' })).to.have.length(2);
  });

  it('edits a channel: blank secrets are kept, a new token is stored and resets the health', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const { channel, form } = await connect(s, workspace.id);
    await ctx.knex('channels').where({ id: channel.id }).update({ health: 'token_expired', health_error: 'expired' });

    const bad = await s.post(`/settings/channels/${channel.id}`, { name: 'Sales 2', display_phone_number: '', access_token: '', app_secret: '', messages_per_second: '5000', mark_read: 'on' }).expect(422);
    expect(bad.text).to.contain('Choose between 1 and 1000');

    await s.post(`/settings/channels/${channel.id}`, { name: 'Sales 2', display_phone_number: '+1 555 0199', access_token: '', app_secret: '', messages_per_second: '20' }).expect(303);
    let row: ChannelRow = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row).to.include({ name: 'Sales 2', display_phone_number: '+1 555 0199', messages_per_second: 20, mark_read: false, health: 'token_expired' });
    expect(channelSecrets(ctx.config.encryptionKey, row)).to.include({ accessToken: form.access_token, appSecret: form.app_secret });

    await s.post(`/settings/channels/${channel.id}`, { name: 'Sales 2', display_phone_number: '+1 555 0199', access_token: 'EAAGnewtoken', app_secret: '', messages_per_second: '20', mark_read: 'on' }).expect(303);
    row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row).to.include({ mark_read: true, health: 'unknown', health_error: null });
    expect(channelSecrets(ctx.config.encryptionKey, row)).to.include({ accessToken: 'EAAGnewtoken', appSecret: form.app_secret });
    const updates = await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'channel.updated' }).orderBy('id');
    expect(updates.map((u) => u.data.changed)).to.deep.equal([['name', 'display_phone_number', 'messages_per_second', 'mark_read'], ['mark_read', 'access_token']]);
    expect(JSON.stringify(updates)).not.to.contain('EAAGnewtoken');
  });

  it('deletes a channel softly: the webhook URL stops working, conversations stay, the number can be connected again', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const { channel, form } = await connect(s, workspace.id);
    const [contact] = await ctx.knex('contacts').insert({ workspace_id: workspace.id, phone: '+5511999990000', phone_key: '5511999990000', name: 'Ana' }).returning('*');
    await ctx.knex('conversations').insert({ workspace_id: workspace.id, channel_id: channel.id, contact_id: contact.id });
    expect(await findChannelByWebhookKey(ctx.knex, channel.webhook_key)).to.not.equal(undefined);

    await s.post(`/settings/channels/${channel.id}/delete`).expect(303);
    const row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row.deleted_at).to.be.instanceOf(Date);
    expect(await findChannelByWebhookKey(ctx.knex, channel.webhook_key)).to.equal(undefined);
    expect(await ctx.knex('conversations').where({ channel_id: channel.id })).to.have.length(1);
    const page = await s.get('/settings/channels').expect(200);
    expect(page.text).to.contain('Channel Sales deleted').and.contain('Connect WhatsApp to get started');
    await s.get(`/settings/channels/${channel.id}/edit`).expect(404);
    await s.post(`/settings/channels/${channel.id}/delete`).expect(404);
    expect(await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'channel.deleted', subject_id: channel.id })).to.have.length(1);

    await s.post('/settings/channels', { ...connectForm(), phone_number_id: form.phone_number_id }).expect(303);
  });

  it('tests the connection: ok stores what Meta says, an expired token turns red, other errors are shown', async () => {
    const { ctx, graph } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const { channel, form } = await connect(s, workspace.id, { display_phone_number: '' });
    graph.phoneNumbers.set(form.phone_number_id, { verified_name: 'Lima Móveis', display_phone_number: '+55 11 4000-1234', quality_rating: 'GREEN' });

    await s.post(`/settings/channels/${channel.id}/test`).expect(303);
    let row: ChannelRow = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row).to.include({ health: 'ok', health_error: null, verified_name: 'Lima Móveis', quality_rating: 'GREEN', display_phone_number: '+55 11 4000-1234' });
    expect(row.health_checked_at).to.be.instanceOf(Date);
    const call = graph.requests.find((r) => r.path === `/v25.0/${form.phone_number_id}`)!;
    expect(call.headers.authorization).to.equal(`Bearer ${form.access_token}`);
    let page = await s.get('/settings/channels').expect(200);
    expect(page.text).to.contain('Sales is connected: Meta knows it as Lima Móveis (quality GREEN)').and.contain('data-health="ok"').and.contain('High');

    graph.expiredTokens.add(form.access_token);
    await s.post(`/settings/channels/${channel.id}/test`).expect(303);
    row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row.health).to.equal('token_expired');
    expect(row.health_error).to.contain('Session has expired');
    page = await s.get('/settings/channels').expect(200);
    expect(page.text).to.contain('Meta refused the access token of Sales').and.contain('data-health="token_expired"').and.contain('Token expired');

    graph.expiredTokens.delete(form.access_token);
    graph.script({ match: (r) => r.path === `/v25.0/${form.phone_number_id}`, status: 400, body: { error: { message: '(#100) Object with ID does not exist', type: 'GraphMethodException', code: 100 } } });
    await s.post(`/settings/channels/${channel.id}/test`).expect(303);
    row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row.health).to.equal('error');
    page = await s.get('/settings/channels').expect(200);
    expect(page.text).to.contain('Meta answered with an error for Sales: (#100) Object with ID does not exist').and.contain('data-health="error"');
    const tests = await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'channel.tested' }).orderBy('id');
    expect(tests.map((a) => a.data.health)).to.deep.equal(['ok', 'token_expired', 'error']);
  });

  it('refuses a phone number id already connected in any workspace', async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const sa = await signIn(a.user.email);
    const sb = await signIn(b.user.email);
    const { form } = await connect(sa, a.workspace.id);
    const taken = await sb.post('/settings/channels', { ...connectForm(), phone_number_id: form.phone_number_id }).expect(422);
    expect(taken.text).to.match(/id="f-phone_number_id-error">This phone number is already connected on this server/);
  });

  it('keeps agents out and answers 404 for channels of another workspace', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const agent = await createMember(a.workspace.id, 'agent');
    const asAgent = await signIn(agent.email);
    await asAgent.get('/settings/channels').expect(403);
    await asAgent.get('/settings/channels/new').expect(403);
    await asAgent.post('/settings/channels/sandbox').expect(403);
    await asAgent.post('/settings/channels', connectForm()).expect(403);
    expect((await asAgent.get('/account').expect(200)).text).not.to.contain('href="/settings/channels"');

    const sb = await signIn(b.user.email);
    const { channel } = await connect(sb, b.workspace.id);
    const sa = await signIn(a.user.email);
    await sa.get(`/settings/channels/${channel.id}/edit`).expect(404);
    await sa.get(`/settings/channels/${channel.id}/templates`).expect(404);
    await sa.post(`/settings/channels/${channel.id}`, { name: 'Stolen', messages_per_second: '10' }).expect(404);
    await sa.post(`/settings/channels/${channel.id}/test`).expect(404);
    await sa.post(`/settings/channels/${channel.id}/sync-templates`).expect(404);
    await sa.post(`/settings/channels/${channel.id}/delete`).expect(404);
    await sa.get('/settings/channels/not-a-uuid/edit').expect(404);
    const row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row).to.include({ name: 'Sales', deleted_at: null, health: 'unknown' });
    await asAgent.get(`/settings/channels/${channel.id}/edit`).expect(403);
  });

  it('renders the channel pages without inline scripts, styles or handlers', async () => {
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    await s.post('/settings/channels/sandbox').expect(303);
    const { channel } = await connect(s, workspace.id);
    for (const path of ['/settings/channels', '/settings/channels/new', `/settings/channels/${channel.id}/edit`, `/settings/channels/${channel.id}/templates`]) {
      const page = await s.get(path).expect(200);
      expect(page.text, path).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text, path).not.to.match(/\sstyle="/);
      expect(page.text, path).not.to.match(/\son[a-z]+="/);
      expect(page.text, path).not.to.match(/hx-on/);
    }
  });
});
