import { expect } from 'chai';
import request from 'supertest';
import { createApiToken } from '../../src/api/tokens.js';
import { findJob } from '../../src/jobs/index.js';
import { runJobOnce } from '../../src/jobs/scheduler.js';
import { syncTemplates } from '../../src/whatsapp/templates.js';
import { channelSecrets } from '../../src/whatsapp/channels.js';
import { processPendingEvents } from '../../src/whatsapp/processor.js';
import { signPayload } from '../../src/whatsapp/webhooks.js';
import { whatsappChannel } from '../support/whatsapp.js';
import { createSandboxChannel, createWhatsAppChannel } from '../support/channel-factories.js';
import { eventually, testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';

/** metaTemplate is a template as Meta's list answers it. */
function metaTemplate(name: string, overrides: Record<string, unknown> = {}) {
  return {
    id: `${Math.floor(Math.random() * 1e15)}`,
    name,
    language: 'en_US',
    status: 'APPROVED',
    category: 'UTILITY',
    components: [{ type: 'BODY', text: `Hello {{1}}, this is ${name}.` }],
    ...overrides,
  };
}

describe('message templates', () => {
  it('syncs every page of Meta templates, updates changed ones and deletes vanished ones', async () => {
    const { ctx, graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const { channel, input } = await createWhatsAppChannel(workspace.id);
    graph.templatesPageSize = 2;
    graph.templates.set(input.waba_id, [
      metaTemplate('welcome'),
      metaTemplate('welcome', { language: 'pt_BR', components: [{ type: 'BODY', text: 'Olá {{nome}}!' }], parameter_format: 'NAMED' }),
      metaTemplate('promo', { category: 'MARKETING', status: 'PENDING' }),
      metaTemplate('old_offer', { status: 'REJECTED', rejected_reason: 'PROMOTIONAL' }),
      metaTemplate('receipt', { rejected_reason: 'NONE' }),
    ]);
    const synced = await syncTemplates(ctx, channel);
    expect(synced.map((t) => `${t.name}/${t.language}`)).to.deep.equal(['old_offer/en_US', 'promo/en_US', 'receipt/en_US', 'welcome/en_US', 'welcome/pt_BR']);
    const pages = graph.requests.filter((r) => r.path === `/v25.0/${input.waba_id}/message_templates`);
    expect(pages).to.have.length(3);
    expect(pages[0].headers.authorization).to.equal(`Bearer ${input.access_token}`);
    const byName = Object.fromEntries(synced.map((t) => [`${t.name}/${t.language}`, t]));
    expect(byName['welcome/pt_BR']).to.include({ parameter_format: 'NAMED', status: 'APPROVED', category: 'UTILITY' });
    expect(byName['welcome/pt_BR'].components).to.deep.equal([{ type: 'BODY', text: 'Olá {{nome}}!' }]);
    expect(byName['welcome/en_US'].parameter_format).to.equal('POSITIONAL');
    expect(byName['old_offer/en_US']).to.include({ status: 'REJECTED', status_reason: 'PROMOTIONAL' });
    expect(byName['receipt/en_US'].status_reason).to.equal(null);
    let row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row.templates_synced_at).to.be.instanceOf(Date);
    expect(row.health).to.equal('ok');

    // Meta approved promo, dropped old_offer and receipt: the next sync follows.
    const welcomeId = byName['welcome/en_US'].id;
    graph.templates.set(input.waba_id, [metaTemplate('welcome'), metaTemplate('welcome', { language: 'pt_BR' }), metaTemplate('promo', { category: 'MARKETING' })]);
    const again = await syncTemplates(ctx, channel);
    expect(again.map((t) => `${t.name}/${t.language}/${t.status}`)).to.deep.equal(['promo/en_US/APPROVED', 'welcome/en_US/APPROVED', 'welcome/pt_BR/APPROVED']);
    expect(again.find((t) => t.name === 'welcome' && t.language === 'en_US')!.id).to.equal(welcomeId);

    graph.templates.set(input.waba_id, []);
    expect(await syncTemplates(ctx, channel)).to.deep.equal([]);
    row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row.health).to.equal('ok');
  });

  it('records a failed sync in the channel health and keeps the templates it had', async () => {
    const { ctx, graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const { channel, input } = await createWhatsAppChannel(workspace.id);
    graph.templates.set(input.waba_id, [metaTemplate('keep_me')]);
    await syncTemplates(ctx, channel);
    graph.expiredTokens.add(input.access_token);
    let failed: unknown = null;
    await syncTemplates(ctx, channel).catch((err) => (failed = err));
    expect(failed).to.have.property('kind', 'auth');
    const row = await ctx.knex('channels').where({ id: channel.id }).first();
    expect(row.health).to.equal('token_expired');
    expect(await ctx.knex('templates').where({ channel_id: channel.id })).to.have.length(1);
    graph.expiredTokens.delete(input.access_token);
  });

  it('gives sandbox channels the built-in templates without calling Meta', async () => {
    const { ctx, graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await createSandboxChannel(workspace.id);
    const before = graph.requests.length;
    const templates = await syncTemplates(ctx, channel);
    expect(graph.requests.length).to.equal(before);
    const byName = Object.fromEntries(templates.map((t) => [t.name, t]));
    expect(byName.hello_world).to.include({ language: 'en_US', category: 'UTILITY', status: 'APPROVED' });
    expect(byName.order_update).to.include({ parameter_format: 'POSITIONAL', status: 'APPROVED' });
    expect(byName.order_update.components.find((c) => c.type === 'BODY')!.text).to.equal('Hi {{1}}, your order {{2}} is on its way.');
    expect(byName.appointment_reminder).to.include({ parameter_format: 'NAMED', category: 'UTILITY' });
    expect(byName.spring_sale.components.find((c) => c.type === 'HEADER')).to.include({ format: 'IMAGE' });
    expect(byName.spring_sale.category).to.equal('MARKETING');
  });

  it('runs the hourly job for every live channel; a failing channel does not stop the others', async () => {
    const { ctx, graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const broken = await createWhatsAppChannel(workspace.id);
    const working = await createWhatsAppChannel(workspace.id);
    const deleted = await createWhatsAppChannel(workspace.id);
    await ctx.knex('channels').where({ id: deleted.channel.id }).update({ deleted_at: new Date() });
    graph.expiredTokens.add(broken.input.access_token);
    graph.templates.set(working.input.waba_id, [metaTemplate('a'), metaTemplate('b'), metaTemplate('c')]);
    graph.templates.set(deleted.input.waba_id, [metaTemplate('never')]);

    const job = findJob('templates:sync')!;
    expect(job.schedule).to.equal('41 * * * *');
    const outcome = await runJobOnce(ctx, job);
    expect(outcome.ran).to.equal(true);
    expect(outcome.summary).to.match(/synced \d+ channels, [1-9]\d* failed/);
    expect((await ctx.knex('templates').where({ channel_id: working.channel.id })).map((t) => t.name).sort()).to.deep.equal(['a', 'b', 'c']);
    expect(await ctx.knex('templates').where({ channel_id: deleted.channel.id })).to.have.length(0);
    const brokenRow = await ctx.knex('channels').where({ id: broken.channel.id }).first();
    expect(brokenRow.health).to.equal('token_expired');
    expect(brokenRow.templates_synced_at).to.equal(null);
    graph.expiredTokens.delete(broken.input.access_token);
  });

  it('syncs on demand from Settings and shows each template with its status and variables', async () => {
    const { graph } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const { channel, input } = await createWhatsAppChannel(workspace.id);
    graph.templates.set(input.waba_id, [
      metaTemplate('shipping_update', { components: [{ type: 'BODY', text: 'Hi {{1}}, order {{2}} ships today.' }] }),
      metaTemplate('rejected_one', { status: 'REJECTED', rejected_reason: 'INVALID_FORMAT', category: 'MARKETING' }),
    ]);
    const s = await signIn(user.email);
    const empty = await s.get(`/settings/channels/${channel.id}/templates`).expect(200);
    expect(empty.text).to.contain('No templates yet').and.contain('Not synced yet');
    await s.post(`/settings/channels/${channel.id}/sync-templates`, { return_to: 'templates' }).expect(303).expect('Location', `/settings/channels/${channel.id}/templates`);
    const page = await s.get(`/settings/channels/${channel.id}/templates`).expect(200);
    expect(page.text).to.contain('2 templates synced for Sales.');
    expect(page.text).to.contain('shipping_update').and.contain('<mark class="var">{{1}}</mark>').and.contain('<mark class="var">{{2}}</mark>');
    expect(page.text).to.contain('data-status="APPROVED"').and.contain('data-status="REJECTED"').and.contain('Reason: INVALID_FORMAT');
    expect(page.text).to.contain('Needs: 2 body values');

    graph.expiredTokens.add(input.access_token);
    await s.post(`/settings/channels/${channel.id}/sync-templates`).expect(303).expect('Location', '/settings/channels');
    const list = await s.get('/settings/channels').expect(200);
    expect(list.text).to.contain('Meta refused the access token of Sales').and.contain('data-health="token_expired"');
    graph.expiredTokens.delete(input.access_token);
  });

  it('keeps agents out of the templates page', async () => {
    const { workspace } = await createWorkspace();
    const channel = await createSandboxChannel(workspace.id);
    const agent = await createMember(workspace.id, 'agent');
    const s = await signIn(agent.email);
    await s.get(`/settings/channels/${channel.id}/templates`).expect(403);
    await s.post(`/settings/channels/${channel.id}/sync-templates`).expect(403);
  });

  it('lists templates in the API by channel and status, and syncs on demand', async () => {
    const { app, ctx, graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const sandbox = await createSandboxChannel(workspace.id);
    const { channel, input } = await createWhatsAppChannel(workspace.id);
    const { token } = await createApiToken(ctx.knex, workspace.id, 'templates', { userId: null });
    const auth = { Authorization: `Bearer ${token}` };
    graph.templates.set(input.waba_id, [metaTemplate('approved_one'), metaTemplate('pending_one', { status: 'PENDING' })]);

    const synced = await request(app).post('/api/v1/templates/sync').set(auth).send({ channel_id: channel.id }).expect(200);
    expect(synced.body.data.map((t: { name: string }) => t.name)).to.deep.equal(['approved_one', 'pending_one']);
    expect(synced.body.data[0]).to.have.keys('id', 'channel_id', 'name', 'language', 'status', 'status_reason', 'category', 'parameter_format', 'components', 'synced_at');

    const all = await request(app).get('/api/v1/templates').set(auth).expect(200);
    expect(all.body.data).to.have.length(7);
    const approved = await request(app).get('/api/v1/templates?status=approved').set(auth).expect(200);
    expect(approved.body.data.map((t: { name: string }) => t.name)).to.include('approved_one').and.not.include('pending_one').and.not.include('flash_discount');
    const ofChannel = await request(app).get(`/api/v1/templates?channel_id=${channel.id}&status=PENDING`).set(auth).expect(200);
    expect(ofChannel.body.data.map((t: { name: string }) => t.name)).to.deep.equal(['pending_one']);
    const ofSandbox = await request(app).get(`/api/v1/templates?channel_id=${sandbox.id}&limit=2`).set(auth).expect(200);
    expect(ofSandbox.body.data).to.have.length(2);
    expect(ofSandbox.body.next_cursor).to.be.a('string');
    const rest = await request(app).get(`/api/v1/templates?channel_id=${sandbox.id}&limit=10&cursor=${ofSandbox.body.next_cursor}`).set(auth).expect(200);
    expect(rest.body.data).to.have.length(3);
    await request(app).get('/api/v1/templates?channel_id=nope').set(auth).expect(422);

    graph.expiredTokens.add(input.access_token);
    const refused = await request(app).post('/api/v1/templates/sync').set(auth).send({ channel_id: channel.id }).expect(502);
    expect(refused.body.error.code).to.equal('whatsapp_token_expired');
    graph.expiredTokens.delete(input.access_token);
    graph.script({ match: (r) => r.path.endsWith('/message_templates'), status: 500, body: { error: { message: 'An unexpected error has occurred.', code: 2 } } });
    const down = await request(app).post('/api/v1/templates/sync').set(auth).send({ channel_id: channel.id }).expect(502);
    expect(down.body.error.code).to.equal('whatsapp_error');
    expect(down.body.error.message).to.contain('An unexpected error has occurred.');
    await request(app).post('/api/v1/templates/sync').set(auth).send({}).expect(422);

    // Templates of a deleted channel are not listed.
    await request(app).delete(`/api/v1/channels/${channel.id}`).set(auth).expect(204);
    expect((await request(app).get('/api/v1/templates').set(auth).expect(200)).body.data).to.have.length(5);
  });
});

describe('template status webhooks', () => {
  it('syncs the channel when Meta reports a template PAR CRM does not know yet', async () => {
    const { ctx, graph, app } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    graph.templates.set(channel.waba_id!, [
      { id: '9001', name: 'new_arrivals', language: 'pt_BR', status: 'APPROVED', category: 'MARKETING', components: [{ type: 'BODY', text: 'Chegaram novidades!' }] },
    ]);
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: channel.waba_id, changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 9001, message_template_name: 'new_arrivals', message_template_language: 'pt_BR', reason: 'NONE' } }] }],
    });
    const { appSecret } = channelSecrets(ctx.config.encryptionKey, channel);
    const delivered = await request(app).post(`/webhooks/whatsapp/${channel.webhook_key}`).set('X-Hub-Signature-256', signPayload(appSecret, body)).set('Content-Type', 'application/json').send(body);
    expect(delivered.status, delivered.text).to.equal(200);
    await processPendingEvents(ctx);
    const row = await eventually(() => ctx.knex('templates').where({ channel_id: channel.id, name: 'new_arrivals' }).first(), 10_000, 'the template to be synced');
    expect(row).to.include({ status: 'APPROVED', language: 'pt_BR', category: 'MARKETING' });
  });
});
