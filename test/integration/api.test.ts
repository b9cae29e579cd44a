import { expect } from 'chai';
import request from 'supertest';
import { createApiToken, revokeApiToken } from '../../src/api/tokens.js';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';

describe('API authentication and conventions', () => {
  it('answers /api/v1/me for a good token with its workspace', async () => {
    const { app, ctx } = await testEnv();
    const { workspace } = await createWorkspace('Api Co');
    const { token, row } = await createApiToken(ctx.knex, workspace.id, 'test', { userId: null });
    const res = await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body.data.workspace).to.include({ id: workspace.id, name: 'Api Co' });
    expect(res.body.data.token).to.deep.equal({ id: row.id, name: 'test' });
    const stored = await ctx.knex('api_tokens').where({ id: row.id }).first();
    expect(stored.token_hash).not.to.contain(token);
    expect(stored.last_used_at).to.be.instanceOf(Date);
  });

  it('answers 401 in JSON for a missing, unknown or revoked token', async () => {
    const { app, ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const missing = await request(app).get('/api/v1/me').expect(401);
    expect(missing.body.error.code).to.equal('unauthorized');
    expect(missing.headers['www-authenticate']).to.equal('Bearer');
    const bad = await request(app).get('/api/v1/me').set('Authorization', 'Bearer par_nope').expect(401);
    expect(bad.body.error.message).to.contain('unknown or was revoked');
    const { token, row } = await createApiToken(ctx.knex, workspace.id, 'soon revoked', { userId: null });
    await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    await revokeApiToken(ctx.knex, workspace.id, row.id, { userId: null });
    await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
  });

  it('creates a token in Settings, shows it once, and it works', async () => {
    const { app, ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const created = await s.post('/settings/api-tokens', { name: 'CRM sync' }).expect(201);
    const token = /<code id="new-token">(par_[A-Za-z0-9_-]+)<\/code>/.exec(created.text)![1];
    const page = await s.get('/settings/api-tokens').expect(200);
    expect(page.text).to.contain('CRM sync').and.not.contain(token);
    await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
    const row = await ctx.knex('api_tokens').where({ workspace_id: workspace.id, name: 'CRM sync' }).first();
    await s.post(`/settings/api-tokens/${row.id}/revoke`).expect(303);
    await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
    await s.post('/settings/api-tokens', { name: '' }).expect(422);
  });

  it('pages lists with limit and cursor', async () => {
    const { app, ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    await createMember(workspace.id, 'admin');
    await createMember(workspace.id, 'agent');
    const { token } = await createApiToken(ctx.knex, workspace.id, 'pager', { userId: null });
    const auth = { Authorization: `Bearer ${token}` };
    const first = await request(app).get('/api/v1/members?limit=2').set(auth).expect(200);
    expect(first.body.data).to.have.length(2);
    expect(first.body.next_cursor).to.be.a('string');
    const second = await request(app).get(`/api/v1/members?limit=2&cursor=${first.body.next_cursor}`).set(auth).expect(200);
    expect(second.body.data).to.have.length(1);
    expect(second.body.next_cursor).to.equal(null);
    const ids = [...first.body.data, ...second.body.data].map((m: { user_id: string }) => m.user_id);
    expect(new Set(ids).size).to.equal(3);
    const bad = await request(app).get('/api/v1/members?limit=500').set(auth).expect(422);
    expect(bad.body.error.fields.limit).to.equal('limit must be between 1 and 100');
    const badCursor = await request(app).get('/api/v1/members?cursor=garbage').set(auth).expect(422);
    expect(badCursor.body.error.fields).to.have.property('cursor');
  });

  it('serves the OpenAPI document, answers unknown endpoints and bad JSON in JSON', async () => {
    const { app, ctx } = await testEnv();
    const doc = await request(app).get('/api/v1/openapi.json').expect(200);
    expect(doc.body.openapi).to.equal('3.1.0');
    expect(doc.body.paths).to.have.property('/me');
    expect(doc.body.components.securitySchemes.bearer.scheme).to.equal('bearer');
    const { workspace } = await createWorkspace();
    const { token } = await createApiToken(ctx.knex, workspace.id, 'x', { userId: null });
    const missing = await request(app).get('/api/v1/nothing-here').set('Authorization', `Bearer ${token}`).expect(404);
    expect(missing.body.error.code).to.equal('not_found');
    const badJson = await request(app).post('/api/v1/me').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"broken":').expect(400);
    expect(badJson.body.error.code).to.equal('bad_request');
  });
});
