import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { createWorkspace, PASSWORD, uniqueEmail } from '../support/factories.js';
import { anonymous, signIn } from '../support/http.js';

function resetPath(text: string): string {
  const m = /https?:\/\/[^\s]+(\/password\/reset\/[A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no reset link in: ${text}`);
  return m[1];
}

describe('password reset by email', () => {
  it('mails a single-use link that sets a new password and signs the user out everywhere', async () => {
    const { ctx, mail } = await testEnv();
    const { user } = await createWorkspace();
    const elsewhere = await signIn(user.email);

    const s = await anonymous();
    const res = await s.post('/password/forgot', { email: user.email.toUpperCase() }).expect(200);
    expect(res.text).to.contain('If an account exists for that email');
    const message = await mail.waitFor(user.email);
    expect(message.subject).to.equal('Reset your PAR CRM password');
    expect(message.html).to.be.a('string').and.contain('/password/reset/');
    const link = resetPath(message.text!);

    await s.get(link).expect(200);
    const mismatch = await s.post(link, { password: 'my new password 1', password_confirmation: 'something else' }).expect(422);
    expect(mismatch.text).to.contain('The passwords do not match');
    const done = await s.post(link, { password: 'my new password 1', password_confirmation: 'my new password 1' }).expect(303);
    expect(done.headers.location).to.equal('/login');

    // Used once: the link is dead now.
    await s.get(link).expect(410);
    await s.post(link, { password: 'another password 2', password_confirmation: 'another password 2' }).expect(410);
    // The other browser was signed out; the old password no longer works; the new one does.
    await elsewhere.get('/inbox').expect(303);
    const again = await anonymous();
    await again.post('/login', { email: user.email, password: PASSWORD }).expect(422);
    await signIn(user.email, 'my new password 1');
    const actions = await ctx.knex('audit_log').where({ actor_user_id: user.id }).pluck('action');
    expect(actions).to.include.members(['password.reset_requested', 'password.reset']);
  });

  it('does not work after an hour', async () => {
    const { ctx, mail } = await testEnv();
    const { user } = await createWorkspace();
    const s = await anonymous();
    await s.post('/password/forgot', { email: user.email }).expect(200);
    const link = resetPath((await mail.waitFor(user.email)).text!);
    const row = await ctx.knex('password_resets').where({ user_id: user.id }).first();
    expect(new Date(row.expires_at).getTime() - new Date(row.created_at).getTime()).to.be.closeTo(3600_000, 5_000);
    await ctx.knex('password_resets').where({ id: row.id }).update({ expires_at: new Date(Date.now() - 1000) });
    const page = await s.get(link).expect(410);
    expect(page.text).to.contain('This reset link has expired or was already used');
  });

  it('answers the same for an unknown email and sends nothing', async () => {
    const { mail } = await testEnv();
    const s = await anonymous();
    const email = uniqueEmail('ghost');
    const res = await s.post('/password/forgot', { email }).expect(200);
    expect(res.text).to.contain('If an account exists for that email');
    await new Promise((r) => setTimeout(r, 300));
    expect(mail.messages.some((m) => JSON.stringify(m.to).includes(email))).to.equal(false);
  });

  it('keeps only a hash of the token', async () => {
    const { ctx, mail } = await testEnv();
    const { user } = await createWorkspace();
    const s = await anonymous();
    await s.post('/password/forgot', { email: user.email }).expect(200);
    const token = resetPath((await mail.waitFor(user.email)).text!).split('/').pop()!;
    const row = await ctx.knex('password_resets').where({ user_id: user.id }).first();
    expect(row.token_hash).to.have.length(64).and.not.equal(token);
  });
});
