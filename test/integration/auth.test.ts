import { expect } from 'chai';
import request from 'supertest';
import { testEnv } from '../support/context.js';
import { createWorkspace, PASSWORD, uniqueEmail } from '../support/factories.js';
import { anonymous, csrfFrom, signIn } from '../support/http.js';

describe('accounts: sign-up, sign-in, sign-out', () => {
  it('signs up a user with a workspace they own, and keeps the session in the database', async () => {
    const { ctx } = await testEnv();
    const s = await anonymous();
    const email = uniqueEmail('signup');
    const res = await s.post('/signup', { name: 'Ana Souza', email, password: PASSWORD, workspace_name: 'Souza Imports' }).expect(303);
    expect(res.headers.location).to.equal('/inbox');
    const inbox = await s.get('/inbox').expect(200);
    expect(inbox.text).to.contain('Souza Imports').and.contain('Welcome to PAR CRM');

    const user = await ctx.knex('users').where({ email }).first();
    expect(user.password_hash).to.match(/^\$argon2id\$/);
    const membership = await ctx.knex('memberships').where({ user_id: user.id }).first();
    expect(membership.role).to.equal('owner');
    const sessions = await ctx.knex('sessions').where({ user_id: user.id });
    expect(sessions).to.have.length(1);
    const audit = await ctx.knex('audit_log').where({ actor_user_id: user.id }).pluck('action');
    expect(audit).to.include.members(['user.signed_up', 'workspace.created']);
  });

  it('answers a bad sign-up form with 422 and a message on each bad field', async () => {
    const s = await anonymous();
    const res = await s.post('/signup', { name: '', email: 'not-an-email', password: 'short', workspace_name: 'X' }).expect(422);
    expect(res.text).to.contain('id="f-name-error"').and.contain('This field is required');
    expect(res.text).to.contain('id="f-email-error"').and.contain('Enter a valid email address');
    expect(res.text).to.contain('id="f-password-error"').and.contain('Use at least 10 characters');
    // What was typed comes back (but never the password).
    expect(res.text).to.contain('value="not-an-email"');
    expect(res.text).not.to.contain('value="short"');
  });

  it('refuses a second account with the same email, whatever its case', async () => {
    const { user } = await createWorkspace();
    const s = await anonymous();
    const res = await s.post('/signup', { name: 'Copy', email: user.email.toUpperCase(), password: PASSWORD, workspace_name: 'Copy' }).expect(422);
    expect(res.text).to.contain('An account with this email already exists');
  });

  it('signs in, and out', async () => {
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    await s.get('/inbox').expect(200);
    await s.post('/logout').expect(303);
    const after = await s.get('/inbox').expect(303);
    expect(after.headers.location).to.equal('/login');
  });

  it('gives the same generic answer for a wrong password and an unknown email', async () => {
    const { user } = await createWorkspace();
    const s = await anonymous();
    const wrong = await s.post('/login', { email: user.email, password: 'wrong password!' }).expect(422);
    const unknown = await s.post('/login', { email: uniqueEmail('nobody'), password: 'wrong password!' }).expect(422);
    for (const res of [wrong, unknown]) expect(res.text).to.contain('That email and password do not match an account.');
    await s.get('/inbox').expect(303);
  });

  it('rate limits sign-in attempts per email, even with the right password afterwards', async () => {
    const { ctx } = await testEnv();
    const { user } = await createWorkspace();
    await ctx.knex('rate_limits').where('key', 'like', 'login:ip:%').delete();
    const s = await anonymous();
    for (let i = 0; i < 8; i++) await s.post('/login', { email: user.email, password: `wrong-${i}-password` }).expect(422);
    const blocked = await s.post('/login', { email: user.email, password: PASSWORD }).expect(429);
    expect(blocked.headers['retry-after']).to.match(/^\d+$/);
    expect(blocked.text).to.contain('Too many attempts');
    const events = await ctx.knex('audit_log').whereRaw("data->>'email' = ?", [user.email]).pluck('action');
    expect(events).to.include('user.login_rate_limited');
  });

  it('rate limits sign-in attempts per address', async () => {
    const { ctx } = await testEnv();
    await ctx.knex('rate_limits').where('key', 'like', 'login:ip:%').delete();
    const s = await anonymous();
    let last = 0;
    for (let i = 0; i < 31; i++) last = (await s.post('/login', { email: uniqueEmail('spray'), password: 'whatever-password' })).status;
    expect(last).to.equal(429);
    await ctx.knex('rate_limits').where('key', 'like', 'login:ip:%').delete();
  });

  it('refuses state-changing requests without the CSRF token', async () => {
    const { app } = await testEnv();
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    await s.agent.post('/settings/workspace').type('form').send({ name: 'Hijacked' }).expect(403);
    await s.agent.post('/settings/workspace').type('form').send({ name: 'Hijacked', _csrf: 'forged' }).expect(403);
    await s.agent.post('/logout').expect(403);
    // htmx requests carry it in the X-CSRF-Token header instead.
    await s.agent.post('/logout').set('X-CSRF-Token', s.csrf).expect(303);
    // A request with no session at all has nothing to match.
    await request(app).post('/login').type('form').send({ email: user.email, password: PASSWORD }).expect(403);
  });

  it('sets the session cookie httpOnly and SameSite=Lax', async () => {
    const { app } = await testEnv();
    const res = await request(app).get('/login').expect(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).to.match(/par\.sid=/).and.match(/HttpOnly/).and.match(/SameSite=Lax/);
    expect(cookie).not.to.match(/Secure/);
  });

  it('sends a visitor to sign in and back where they were going', async () => {
    const { user } = await createWorkspace();
    const s = await anonymous();
    const res = await s.get('/settings/members').expect(303);
    expect(res.headers.location).to.equal('/login');
    await s.agent.get('/login');
    const page = await s.agent.get('/login');
    const login = await s.agent.post('/login').type('form').send({ _csrf: csrfFrom(page.text), email: user.email, password: PASSWORD }).expect(303);
    expect(login.headers.location).to.equal('/settings/members');
  });

  it('changes the password from the account page, checking the current one', async () => {
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    const bad = await s.post('/account/password', { current_password: 'nope-nope-nope', password: 'a brand new password', password_confirmation: 'a brand new password' }).expect(422);
    expect(bad.text).to.contain('The current password is not right');
    const mismatch = await s.post('/account/password', { current_password: PASSWORD, password: 'a brand new password', password_confirmation: 'different' }).expect(422);
    expect(mismatch.text).to.contain('The passwords do not match');
    await s.post('/account/password', { current_password: PASSWORD, password: 'a brand new password', password_confirmation: 'a brand new password' }).expect(303);
    await s.get('/inbox').expect(200);
    const other = await anonymous();
    await other.post('/login', { email: user.email, password: PASSWORD }).expect(422);
    await signIn(user.email, 'a brand new password');
  });
});
