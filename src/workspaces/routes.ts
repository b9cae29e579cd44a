// Workspaces: create and switch, settings, members, invitations, API tokens, activity log.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { actorOf, workspaceAudit } from '../audit/index.js';
import { createApiToken, listApiTokens, revokeApiToken } from '../api/tokens.js';
import { logIn } from '../auth/passport.js';
import { createUser } from '../auth/service.js';
import { findUserByEmail, hashPassword, updateUser } from '../auth/users.js';
import { currencies, supportedLocales, timeZones } from '../i18n/index.js';
import { invitationMail } from '../mail/messages.js';
import { Forbidden, NotFound } from '../web/errors.js';
import { flash } from '../web/flash.js';
import { requireMember, requireRole, requireUser } from '../web/guards.js';
import { redirect, render } from '../web/render.js';
import { form, parseInput } from '../web/validate.js';
import { findMembership, listMembers } from './repo.js';
import { ChangeRole, Invite, NewApiToken, NewWorkspace, Register, SwitchWorkspace, WorkspaceSettings } from './schema.js';
import {
  acceptInvitation,
  assignableRoles,
  changeMemberRole,
  createWorkspace,
  findOpenInvitation,
  inviteMember,
  pendingInvitations,
  removeMember,
  revokeInvitation,
  updateWorkspaceSettings,
} from './service.js';

const admin = requireRole('owner', 'admin');

/** workspaceRoutes is the route table for workspaces and their settings. */
export function workspaceRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;

  const settingsForm = {
    view: 'settings/workspace',
    title: 'settings.workspace.title',
    locals: () => ({ timeZones, currencies, locales: supportedLocales }),
  };
  const membersForm = { view: 'settings/members', title: 'settings.members.title', locals: membersLocals };
  const tokensForm = { view: 'settings/api-tokens', title: 'settings.tokens.title', locals: tokensLocals };

  router.get('/workspaces/new', requireUser, newWorkspacePage);
  router.post('/workspaces', requireUser, form({ view: 'workspaces/new', title: 'workspaces.new.title', layout: 'plain' }), createWorkspaceAction);
  router.post('/workspaces/switch', requireUser, switchWorkspace);
  router.get('/settings', requireMember, (req, res) => res.redirect(303, req.membership!.role === 'agent' ? '/account' : '/settings/workspace'));
  router.get('/settings/workspace', admin, settingsPage);
  router.post('/settings/workspace', admin, form(settingsForm), saveSettings);
  router.get('/settings/members', admin, membersPage);
  router.post('/settings/members/invite', admin, form(membersForm), invite);
  router.post('/settings/members/:userId/role', admin, form(membersForm), changeRole);
  router.post('/settings/members/:userId/remove', requireMember, form(membersForm), remove);
  router.post('/settings/invitations/:id/revoke', admin, revokeInvite);
  router.get('/settings/api-tokens', admin, tokensPage);
  router.post('/settings/api-tokens', admin, form(tokensForm), createToken);
  router.post('/settings/api-tokens/:id/revoke', admin, revokeToken);
  router.get('/settings/activity', admin, activityPage);
  router.get('/invitations/:token', invitationPage);
  router.post('/invitations/:token/accept', requireUser, acceptAsUser);
  router.post(
    '/invitations/:token/register',
    form({ view: 'workspaces/invitation', title: 'invitations.title', layout: 'plain', locals: invitationLocals }),
    registerAndAccept,
  );
  return router;

  function newWorkspacePage(req: Request, res: Response) {
    render(req, res, 'workspaces/new', {}, { title: res.locals.t('workspaces.new.title'), layout: 'plain' });
  }

  async function createWorkspaceAction(req: Request, res: Response) {
    const input = parseInput(NewWorkspace, req.body);
    // A new workspace starts with the formats of the one the user is in.
    const current = req.workspace;
    const workspace = await knex.transaction((trx) =>
      createWorkspace(
        trx,
        { name: input.name, time_zone: current?.time_zone, currency: current?.currency, locale: current?.locale },
        req.user!,
        actorOf(req),
      ),
    );
    req.session.workspaceId = workspace.id;
    await updateUser(knex, req.user!.id, { last_workspace_id: workspace.id });
    flash(req, 'success', res.locals.t('workspaces.created', { name: workspace.name }));
    redirect(req, res, '/inbox');
  }

  async function switchWorkspace(req: Request, res: Response) {
    const { workspace_id } = parseInput(SwitchWorkspace, req.body);
    // The id comes from a form, so it is only honoured for a workspace the user belongs to.
    if (!(await findMembership(knex, workspace_id, req.user!.id))) throw new NotFound();
    req.session.workspaceId = workspace_id;
    await updateUser(knex, req.user!.id, { last_workspace_id: workspace_id });
    redirect(req, res, '/inbox');
  }

  function settingsPage(req: Request, res: Response) {
    const ws = req.workspace!;
    render(
      req,
      res,
      'settings/workspace',
      { timeZones, currencies, locales: supportedLocales, values: { name: ws.name, time_zone: ws.time_zone, currency: ws.currency, locale: ws.locale } },
      { title: res.locals.t('settings.workspace.title') },
    );
  }

  async function saveSettings(req: Request, res: Response) {
    const input = parseInput(WorkspaceSettings, req.body);
    await updateWorkspaceSettings(knex, req.workspace!.id, input, actorOf(req));
    flash(req, 'success', res.locals.t('settings.saved'));
    redirect(req, res, '/settings/workspace');
  }

  async function membersLocals(req: Request) {
    const ws = req.workspace!.id;
    return {
      members: await listMembers(knex, ws),
      invitations: await pendingInvitations(knex, ws),
      assignable: assignableRoles(req.membership!.role),
    };
  }

  async function membersPage(req: Request, res: Response) {
    render(req, res, 'settings/members', await membersLocals(req), { title: res.locals.t('settings.members.title') });
  }

  async function invite(req: Request, res: Response) {
    const input = parseInput(Invite, req.body);
    const ws = req.workspace!;
    const { invitation, token } = await inviteMember(knex, ws.id, req.membership!.role, input, actorOf(req));
    const url = `${ctx.config.baseUrl}/invitations/${token}`;
    const t = res.locals.t;
    try {
      await ctx.mail.send(invitationMail(t, invitation.email, req.user!.name, ws.name, t(`roles.${invitation.role}`), url));
      flash(req, 'success', t('members.invited', { email: invitation.email }));
    } catch (err) {
      req.log.error({ err }, 'invitation mail could not be sent');
      // The link exists only now: give it to the admin so the invitation is not lost.
      flash(req, 'error', t('members.invite_mail_failed', { email: invitation.email, url }));
    }
    redirect(req, res, '/settings/members');
  }

  async function changeRole(req: Request, res: Response) {
    const { role } = parseInput(ChangeRole, req.body);
    await changeMemberRole(knex, req.workspace!.id, req.membership!.role, String(req.params.userId), role, actorOf(req));
    flash(req, 'success', res.locals.t('members.role_changed'));
    redirect(req, res, '/settings/members');
  }

  async function remove(req: Request, res: Response) {
    const userId = String(req.params.userId);
    const self = userId === req.user!.id;
    if (!self && req.membership!.role === 'agent') throw new Forbidden();
    await removeMember(knex, req.workspace!.id, req.membership!.role, userId, actorOf(req));
    if (self) {
      delete req.session.workspaceId;
      flash(req, 'info', res.locals.t('members.left', { workspace: req.workspace!.name }));
      return redirect(req, res, '/inbox');
    }
    flash(req, 'success', res.locals.t('members.removed'));
    redirect(req, res, '/settings/members');
  }

  async function revokeInvite(req: Request, res: Response) {
    await revokeInvitation(knex, req.workspace!.id, String(req.params.id), actorOf(req));
    flash(req, 'success', res.locals.t('members.invitation_revoked'));
    redirect(req, res, '/settings/members');
  }

  async function tokensLocals(req: Request) {
    return { tokens: await listApiTokens(knex, req.workspace!.id), newToken: null };
  }

  async function tokensPage(req: Request, res: Response) {
    render(req, res, 'settings/api-tokens', await tokensLocals(req), { title: res.locals.t('settings.tokens.title') });
  }

  async function createToken(req: Request, res: Response) {
    const { name } = parseInput(NewApiToken, req.body);
    const { token } = await createApiToken(knex, req.workspace!.id, name, actorOf(req));
    // Shown on this response only; never stored in clear, never in a redirect or flash.
    render(req, res, 'settings/api-tokens', { ...(await tokensLocals(req)), newToken: token }, { title: res.locals.t('settings.tokens.title'), status: 201 });
  }

  async function revokeToken(req: Request, res: Response) {
    await revokeApiToken(knex, req.workspace!.id, String(req.params.id), actorOf(req));
    flash(req, 'success', res.locals.t('settings.tokens.revoked'));
    redirect(req, res, '/settings/api-tokens');
  }

  async function activityPage(req: Request, res: Response) {
    const beforeId = Number(req.query.before) || undefined;
    const events = await workspaceAudit(knex, req.workspace!.id, { limit: 50, beforeId });
    const nextBefore = events.length === 50 ? events[events.length - 1].id : null;
    render(req, res, 'settings/activity', { events, nextBefore }, { title: res.locals.t('settings.activity.title') });
  }

  async function invitationLocals(req: Request) {
    const invitation = await findOpenInvitation(knex, String(req.params.token));
    const existingUser = invitation ? await findUserByEmail(knex, invitation.email) : undefined;
    return { invitation, token: req.params.token, accountExists: Boolean(existingUser) };
  }

  async function invitationPage(req: Request, res: Response) {
    const locals = await invitationLocals(req);
    if (locals.invitation && !req.user && locals.accountExists) req.session.returnTo = req.originalUrl;
    render(req, res, 'workspaces/invitation', locals, { title: res.locals.t('invitations.title'), layout: 'plain', status: locals.invitation ? 200 : 410 });
  }

  async function acceptAsUser(req: Request, res: Response) {
    const invitation = await knex.transaction((trx) => acceptInvitation(trx, String(req.params.token), req.user!, actorOf(req)));
    req.session.workspaceId = invitation.workspace_id;
    await updateUser(knex, req.user!.id, { last_workspace_id: invitation.workspace_id });
    flash(req, 'success', res.locals.t('invitations.joined'));
    redirect(req, res, '/inbox');
  }

  async function registerAndAccept(req: Request, res: Response) {
    const input = parseInput(Register, req.body);
    const token = String(req.params.token);
    const invitation = await findOpenInvitation(knex, token);
    if (!invitation) throw new NotFound('invitations.invalid');
    const passwordHash = await hashPassword(input.password);
    const user = await knex.transaction(async (trx) => {
      const created = await createUser(trx, { name: input.name, email: invitation.email, passwordHash }, actorOf(req));
      await acceptInvitation(trx, token, created, actorOf(req));
      return created;
    });
    await logIn(req, user);
    req.session.workspaceId = invitation.workspace_id;
    await updateUser(knex, user.id, { last_workspace_id: invitation.workspace_id, last_login_at: new Date() });
    flash(req, 'success', res.locals.t('invitations.joined'));
    redirect(req, res, '/inbox');
  }
}
