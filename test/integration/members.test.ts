import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace, PASSWORD, uniqueEmail } from '../support/factories.js';
import { anonymous, signIn } from '../support/http.js';

function invitationPath(text: string): string {
  const m = /https?:\/\/[^\s]+(\/invitations\/[A-Za-z0-9_-]+)/.exec(text);
  if (!m) throw new Error(`no invitation link in: ${text}`);
  return m[1];
}

describe('members and invitations', () => {
  it('invites a new person by email, who creates an account and joins with the role', async () => {
    const { ctx, mail } = await testEnv();
    const { user, workspace } = await createWorkspace('Invite Co');
    const owner = await signIn(user.email);
    const email = uniqueEmail('newbie');
    await owner.post('/settings/members/invite', { email, role: 'agent' }).expect(303);
    const page = await owner.get('/settings/members').expect(200);
    expect(page.text).to.contain(`Invitation sent to ${email}`).and.contain('Pending invitations');

    const message = await mail.waitFor(email);
    expect(message.subject).to.equal('Join Invite Co on PAR CRM');
    const link = invitationPath(message.text!);
    const guest = await anonymous();
    const landing = await guest.get(link).expect(200);
    expect(landing.text).to.contain('Join Invite Co on PAR CRM').and.contain('Create account and join');
    await guest.post(`${link}/register`, { name: 'Nina New', password: 'short' }).expect(422);
    const joined = await guest.post(`${link}/register`, { name: 'Nina New', password: PASSWORD }).expect(303);
    expect(joined.headers.location).to.equal('/inbox');
    const inbox = await guest.get('/inbox').expect(200);
    expect(inbox.text).to.contain('Invite Co');

    const newUser = await ctx.knex('users').where({ email }).first();
    const membership = await ctx.knex('memberships').where({ workspace_id: workspace.id, user_id: newUser.id }).first();
    expect(membership.role).to.equal('agent');
    // The link worked once.
    await anonymous().then((s) => s.get(link).expect(410));
  });

  it('lets an existing user accept an invitation after signing in', async () => {
    const { mail } = await testEnv();
    const a = await createWorkspace('First Co');
    const b = await createWorkspace('Second Co');
    const ownerB = await signIn(b.user.email);
    await ownerB.post('/settings/members/invite', { email: a.user.email, role: 'admin' }).expect(303);
    const link = invitationPath((await mail.waitFor(a.user.email)).text!);

    const guest = await anonymous();
    const landing = await guest.get(link).expect(200);
    expect(landing.text).to.contain('Sign in to accept');
    const userA = await signIn(a.user.email);
    await userA.post(`${link}/accept`).expect(303);
    // Now in two workspaces: the switcher lists both and switching works.
    const page = await userA.get('/inbox').expect(200);
    expect(page.text).to.contain('First Co').and.contain('Second Co');
    await userA.post('/workspaces/switch', { workspace_id: a.workspace.id }).expect(303);
    expect((await userA.get('/settings/workspace').expect(200)).text).to.contain('value="First Co"');
    await userA.post('/workspaces/switch', { workspace_id: b.workspace.id }).expect(303);
    expect((await userA.get('/settings/workspace').expect(200)).text).to.contain('value="Second Co"');
  });

  it('refuses to accept an invitation for another email', async () => {
    const { mail } = await testEnv();
    const a = await createWorkspace();
    const other = await createWorkspace();
    const owner = await signIn(a.user.email);
    const email = uniqueEmail('intended');
    await owner.post('/settings/members/invite', { email, role: 'agent' }).expect(303);
    const link = invitationPath((await mail.waitFor(email)).text!);
    const wrong = await signIn(other.user.email);
    expect((await wrong.get(link).expect(200)).text).to.contain('but you are signed in as');
    await wrong.post(`${link}/accept`).expect(403);
  });

  it('does not let a user switch into a workspace they do not belong to', async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const s = await signIn(a.user.email);
    await s.post('/workspaces/switch', { workspace_id: b.workspace.id }).expect(404);
    expect((await s.get('/settings/workspace').expect(200)).text).to.contain(`value="${a.workspace.name}"`);
  });

  it('keeps agents out of member management', async () => {
    const { workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent');
    const s = await signIn(agent.email);
    await s.get('/settings/members').expect(403);
    await s.get('/settings/workspace').expect(403);
    await s.get('/settings/api-tokens').expect(403);
    await s.post('/settings/members/invite', { email: uniqueEmail(), role: 'agent' }).expect(403);
    const settings = await s.get('/settings').expect(303);
    expect(settings.headers.location).to.equal('/account');
  });

  it('changes roles within the rules: admins cannot make owners, the last owner stays', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const admin = await createMember(workspace.id, 'admin');
    const agent = await createMember(workspace.id, 'agent');
    const asAdmin = await signIn(admin.email);
    await asAdmin.post(`/settings/members/${agent.id}/role`, { role: 'admin' }).expect(303);
    expect((await ctx.knex('memberships').where({ workspace_id: workspace.id, user_id: agent.id }).first()).role).to.equal('admin');
    await asAdmin.post(`/settings/members/${agent.id}/role`, { role: 'owner' }).expect(403);
    await asAdmin.post(`/settings/members/${user.id}/role`, { role: 'agent' }).expect(403);
    await asAdmin.post(`/settings/members/${agent.id}/role`, { role: 'superuser' }).expect(422);

    const asOwner = await signIn(user.email);
    const last = await asOwner.post(`/settings/members/${user.id}/role`, { role: 'admin' }).expect(422);
    expect(last.text).to.contain('A workspace needs at least one owner');
    await asOwner.post(`/settings/members/${admin.id}/role`, { role: 'owner' }).expect(303);
    await asOwner.post(`/settings/members/${user.id}/role`, { role: 'admin' }).expect(303);
    const events = await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'member.role_changed' });
    expect(events).to.have.length(3);
  });

  it('removes members, and lets a member leave', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent');
    const leaver = await createMember(workspace.id, 'agent');
    const asOwner = await signIn(user.email);
    await asOwner.post(`/settings/members/${agent.id}/remove`).expect(303);
    expect(await ctx.knex('memberships').where({ workspace_id: workspace.id, user_id: agent.id }).first()).to.equal(undefined);
    const asLeaver = await signIn(leaver.email);
    await asLeaver.post(`/settings/members/${user.id}/remove`).expect(403);
    await asLeaver.post(`/settings/members/${leaver.id}/remove`).expect(303);
    const next = await asLeaver.get('/inbox').expect(303);
    expect(next.headers.location).to.equal('/workspaces/new');
    const last = await asOwner.post(`/settings/members/${user.id}/remove`).expect(422);
    expect(last.text).to.contain('A workspace needs at least one owner');
  });

  it('answers 404 for members, invitations and tokens of another workspace', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const memberOfB = await createMember(b.workspace.id, 'agent');
    const [invitationOfB] = await ctx.knex('invitations')
      .insert({ workspace_id: b.workspace.id, email: uniqueEmail(), role: 'agent', token_hash: `x${Date.now()}`, expires_at: new Date(Date.now() + 3600_000) })
      .returning('id');
    const [tokenOfB] = await ctx.knex('api_tokens')
      .insert({ workspace_id: b.workspace.id, name: 'b', token_hash: `y${Date.now()}`, token_prefix: 'par_x' })
      .returning('id');
    const s = await signIn(a.user.email);
    await s.post(`/settings/members/${memberOfB.id}/role`, { role: 'admin' }).expect(404);
    await s.post(`/settings/members/${memberOfB.id}/remove`).expect(404);
    await s.post(`/settings/invitations/${invitationOfB.id}/revoke`).expect(404);
    await s.post(`/settings/api-tokens/${tokenOfB.id}/revoke`).expect(404);
    expect((await ctx.knex('memberships').where({ user_id: memberOfB.id }).first()).role).to.equal('agent');
    expect((await ctx.knex('api_tokens').where({ id: tokenOfB.id }).first()).revoked_at).to.equal(null);
  });

  it('saves workspace settings and names the bad field', async () => {
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    const bad = await s.post('/settings/workspace', { name: 'Renamed', time_zone: 'Mars/Olympus', currency: 'XXY', locale: 'en-US' }).expect(422);
    expect(bad.text).to.contain('id="f-time_zone-error"').and.contain('id="f-currency-error"');
    await s.post('/settings/workspace', { name: 'Renamed', time_zone: 'America/Sao_Paulo', currency: 'brl', locale: 'en-GB' }).expect(303);
    const page = await s.get('/settings/workspace').expect(200);
    expect(page.text).to.contain('value="Renamed"').and.contain('<option value="BRL" selected>').and.contain('<option value="America/Sao_Paulo" selected>');
  });

  it('creates a second workspace for the same user', async () => {
    const { user } = await createWorkspace('One');
    const s = await signIn(user.email);
    await s.post('/workspaces', { name: '' }).expect(422);
    await s.post('/workspaces', { name: 'Two' }).expect(303);
    expect((await s.get('/settings/workspace').expect(200)).text).to.contain('value="Two"');
  });

  it('lists security events in the activity log for admins', async () => {
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    await s.post('/settings/api-tokens', { name: 'Zapier' }).expect(201);
    const page = await s.get('/settings/activity').expect(200);
    expect(page.text).to.contain('created the API token').and.contain('Zapier').and.contain('created the workspace');
  });
});
