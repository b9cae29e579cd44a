import { expect } from 'chai';
import request from 'supertest';
import { createApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/index.js';
import { createLogger } from '../../src/logger.js';
import { testEnv } from '../support/context.js';
import { createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';

describe('operations: health, readiness, headers, errors', () => {
  it('answers /healthz and /readyz', async () => {
    const { app } = await testEnv();
    expect((await request(app).get('/healthz').expect(200)).body).to.deep.equal({ status: 'ok' });
    expect((await request(app).get('/readyz').expect(200)).body).to.deep.equal({ status: 'ok' });
  });

  it('answers /readyz 503 when migrations are pending', async () => {
    const { ctx } = await testEnv();
    const log = createLogger('silent');
    const empty = await openDatabase({ memory: true }, log);
    try {
      const app = createApp({ ...ctx, database: empty, knex: empty.knex });
      const res = await request(app).get('/readyz').expect(503);
      expect(res.body.status).to.equal('migrations_pending');
    } finally {
      await empty.close();
    }
  });

  it('answers 503 on /readyz and a generic 500 page when the database is gone, with no internals', async () => {
    const { ctx } = await testEnv();
    const log = createLogger('silent');
    const doomed = await openDatabase({ memory: true }, log);
    const app = createApp({ ...ctx, database: doomed, knex: doomed.knex });
    await doomed.close();
    expect((await request(app).get('/readyz').expect(503)).body.status).to.equal('database_unreachable');
    const page = await request(app).get('/invitations/some-token').expect(500);
    expect(page.text).to.contain('Something went wrong on our side');
    expect(page.text).not.to.match(/at \w+ \(|node_modules|knex|pglite|Error:/i);
    expect(page.headers['x-request-id']).to.be.a('string');
    expect(page.text).to.contain(page.headers['x-request-id']);
    const api = await request(app).get('/api/v1/me').set('Authorization', 'Bearer par_x').expect(500);
    expect(api.body.error).to.deep.equal({ code: 'internal_error', message: 'Something went wrong on our side. It has been logged; please try again.', request_id: api.headers['x-request-id'] });
  });

  it('sends a strict Content-Security-Policy without unsafe-inline', async () => {
    const { app } = await testEnv();
    const res = await request(app).get('/login').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).to.contain("script-src 'self'").and.contain("style-src 'self'").and.contain("frame-ancestors 'none'");
    expect(csp).not.to.contain('unsafe-inline');
    expect(csp).not.to.contain('unsafe-eval');
    expect(res.headers['x-content-type-options']).to.equal('nosniff');
    expect(res.headers['x-powered-by']).to.equal(undefined);
  });

  it('renders pages without inline scripts, styles or event handlers', async () => {
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    for (const path of ['/inbox', '/pipeline', '/followups', '/contacts', '/settings/workspace', '/settings/members', '/settings/api-tokens', '/settings/activity', '/account']) {
      const page = await s.get(path).expect(200);
      expect(page.text, path).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text, path).not.to.match(/\sstyle="/);
      expect(page.text, path).not.to.match(/\son[a-z]+="/);
      expect(page.text, path).not.to.match(/hx-on/);
    }
  });

  it('serves htmx from its own origin', async () => {
    const { app } = await testEnv();
    const page = await request(app).get('/login').expect(200);
    expect(page.text).to.match(/<script src="\/public\/vendor\/htmx\.min\.js\?v=[^"]+" defer><\/script>/);
    const js = await request(app).get('/public/vendor/htmx.min.js').expect(200);
    expect(js.text).to.contain('htmx');
  });

  it('answers an htmx request with the partial alone', async () => {
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    const full = await s.get('/settings/workspace').expect(200);
    expect(full.text).to.contain('<!doctype html>');
    const bad = await s.agent
      .post('/settings/workspace')
      .set('HX-Request', 'true')
      .set('X-CSRF-Token', s.csrf)
      .type('form')
      .send({ name: '', time_zone: 'UTC', currency: 'USD', locale: 'en-US' })
      .expect(422);
    expect(bad.text).not.to.contain('<!doctype html>');
    expect(bad.text).to.contain('id="f-name-error"');
  });

  it('answers unknown pages with a 404 page', async () => {
    const { app } = await testEnv();
    const res = await request(app).get('/no/such/page').expect(404);
    expect(res.text).to.contain('We could not find that page.');
  });
});
