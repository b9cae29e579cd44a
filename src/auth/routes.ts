// Sign-up, sign-in, sign-out, password reset and the user's own account.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { actorOf, recordAudit } from '../audit/index.js';
import { passwordResetMail } from '../mail/messages.js';
import { hitRateLimit, peekRateLimit, clearRateLimit } from '../web/rate-limit.js';
import { flash } from '../web/flash.js';
import { NotFound, TooManyRequests, Invalid } from '../web/errors.js';
import { requireUser } from '../web/guards.js';
import { redirect, render, safeReturnTo } from '../web/render.js';
import { form, parseInput } from '../web/validate.js';
import { authenticateLocal, logIn, logOut, type PassportInstance } from './passport.js';
import { ChangePassword, ForgotPassword, LogIn, NewPassword, Profile, SignUp } from './schema.js';
import { changePassword, findUsableReset, requestPasswordReset, resetPassword, signUp } from './service.js';
import { normalizeEmail, updateUser } from './users.js';

// Sign-in attempts: per address, and failures per email (reset by a success).
const LOGIN_IP_LIMIT = 30;
const LOGIN_EMAIL_FAILURES = 8;
const LOGIN_WINDOW_S = 15 * 60;
// Reset requests and sign-ups, per address and hour.
const RESET_LIMIT = 10;
const SIGNUP_LIMIT = 10;
const HOUR_S = 60 * 60;

const signupForm = { view: 'auth/signup', title: 'auth.signup.title', layout: 'plain' as const };
const loginForm = { view: 'auth/login', title: 'auth.login.title', layout: 'plain' as const };
const forgotForm = { view: 'auth/forgot', title: 'auth.forgot.title', layout: 'plain' as const };
const accountForm = { view: 'auth/account', title: 'account.title' };

/** authRoutes is the route table for accounts. */
export function authRoutes(ctx: AppContext, passport: PassportInstance): Router {
  const router = Router();
  const { knex } = ctx;

  router.get('/', (req, res) => res.redirect(303, req.user ? '/inbox' : '/login'));
  router.get('/signup', signupPage);
  router.post('/signup', form(signupForm), signup);
  router.get('/login', loginPage);
  router.post('/login', form(loginForm), login);
  router.post('/logout', logout);
  router.get('/password/forgot', forgotPage);
  router.post('/password/forgot', form(forgotForm), forgot);
  router.get('/password/reset/:token', resetPage);
  router.post('/password/reset/:token', form({ view: 'auth/reset', title: 'auth.reset.title', layout: 'plain', locals: (req) => ({ token: req.params.token }) }), reset);
  router.get('/account', requireUser, accountPage);
  router.post('/account/profile', requireUser, form(accountForm), updateProfile);
  router.post('/account/password', requireUser, form(accountForm), updatePassword);
  return router;

  function signupPage(req: Request, res: Response) {
    if (!ctx.config.signupEnabled) throw new NotFound('auth.signup.closed');
    if (req.user) return res.redirect(303, '/inbox');
    render(req, res, 'auth/signup', {}, { title: res.locals.t('auth.signup.title'), layout: 'plain' });
  }

  async function signup(req: Request, res: Response) {
    if (!ctx.config.signupEnabled) throw new NotFound('auth.signup.closed');
    const input = parseInput(SignUp, req.body);
    const limit = await hitRateLimit(knex, `signup:ip:${req.ip}`, SIGNUP_LIMIT, HOUR_S);
    if (!limit.allowed) throw new TooManyRequests('auth.rate_limited', limit.retryAfterSeconds);
    const { user, workspace } = await signUp(knex, input, actorOf(req));
    await logIn(req, user);
    req.session.workspaceId = workspace.id;
    await updateUser(knex, user.id, { last_workspace_id: workspace.id, last_login_at: new Date() });
    flash(req, 'success', res.locals.t('auth.signup.welcome', { workspace: workspace.name }));
    redirect(req, res, '/inbox');
  }

  function loginPage(req: Request, res: Response) {
    if (req.user) return res.redirect(303, safeReturnTo(req.query.return_to));
    if (typeof req.query.return_to === 'string') req.session.returnTo = safeReturnTo(req.query.return_to);
    render(req, res, 'auth/login', {}, { title: res.locals.t('auth.login.title'), layout: 'plain' });
  }

  async function login(req: Request, res: Response) {
    const input = parseInput(LogIn, req.body);
    const emailKey = `login:email:${normalizeEmail(input.email)}`;
    const byIp = await hitRateLimit(knex, `login:ip:${req.ip}`, LOGIN_IP_LIMIT, LOGIN_WINDOW_S);
    const byEmail = await peekRateLimit(knex, emailKey, LOGIN_EMAIL_FAILURES, LOGIN_WINDOW_S);
    if (!byIp.allowed || !byEmail.allowed) {
      await recordAudit(knex, actorOf(req), { action: 'user.login_rate_limited', data: { email: normalizeEmail(input.email) } });
      throw new TooManyRequests('auth.rate_limited', Math.max(byIp.retryAfterSeconds, byEmail.retryAfterSeconds));
    }
    const user = await authenticateLocal(passport, req, res);
    if (!user) {
      await hitRateLimit(knex, emailKey, LOGIN_EMAIL_FAILURES, LOGIN_WINDOW_S);
      await recordAudit(knex, actorOf(req), { action: 'user.login_failed', data: { email: normalizeEmail(input.email) } });
      // One message whether the email exists or not.
      throw new Invalid({ _: 'auth.invalid_credentials' });
    }
    await clearRateLimit(knex, emailKey);
    await logIn(req, user);
    await updateUser(knex, user.id, { last_login_at: new Date() });
    await recordAudit(knex, { ...actorOf(req), userId: user.id }, { action: 'user.login', subjectType: 'user', subjectId: user.id });
    const returnTo = safeReturnTo(req.session.returnTo);
    delete req.session.returnTo;
    redirect(req, res, returnTo);
  }

  async function logout(req: Request, res: Response) {
    if (req.user) await recordAudit(knex, actorOf(req), { action: 'user.logout', subjectType: 'user', subjectId: req.user.id });
    await logOut(req);
    res.redirect(303, '/login');
  }

  function forgotPage(req: Request, res: Response) {
    render(req, res, 'auth/forgot', { sent: false }, { title: res.locals.t('auth.forgot.title'), layout: 'plain' });
  }

  async function forgot(req: Request, res: Response) {
    const { email } = parseInput(ForgotPassword, req.body);
    const byIp = await hitRateLimit(knex, `reset:ip:${req.ip}`, RESET_LIMIT, HOUR_S);
    const byEmail = await hitRateLimit(knex, `reset:email:${normalizeEmail(email)}`, 3, HOUR_S);
    if (!byIp.allowed) throw new TooManyRequests('auth.rate_limited', byIp.retryAfterSeconds);
    // Over the per-email limit we answer as usual but send nothing: no inbox flooding.
    const reset = byEmail.allowed ? await requestPasswordReset(knex, email, actorOf(req)) : null;
    if (reset) {
      const url = `${ctx.config.baseUrl}/password/reset/${reset.token}`;
      try {
        await ctx.mail.send(passwordResetMail(res.locals.t, reset.user.email, reset.user.name, url));
      } catch (err) {
        req.log.error({ err }, 'password reset mail could not be sent');
      }
    }
    render(req, res, 'auth/forgot', { sent: true }, { title: res.locals.t('auth.forgot.title'), layout: 'plain' });
  }

  async function resetPage(req: Request, res: Response) {
    const valid = Boolean(await findUsableReset(knex, String(req.params.token)));
    render(req, res, 'auth/reset', { token: req.params.token, valid }, { title: res.locals.t('auth.reset.title'), layout: 'plain', status: valid ? 200 : 410 });
  }

  async function reset(req: Request, res: Response) {
    const input = parseInput(NewPassword, req.body);
    const user = await resetPassword(knex, String(req.params.token), input.password, actorOf(req));
    if (!user) {
      return render(req, res, 'auth/reset', { token: req.params.token, valid: false }, { title: res.locals.t('auth.reset.title'), layout: 'plain', status: 410 });
    }
    // The reset signed the user out everywhere; this browser too.
    delete req.session.passport;
    flash(req, 'success', res.locals.t('auth.reset.done'));
    res.redirect(303, '/login');
  }

  function accountPage(req: Request, res: Response) {
    render(req, res, 'auth/account', { values: { name: req.user!.name } }, { title: res.locals.t('account.title') });
  }

  async function updateProfile(req: Request, res: Response) {
    const input = parseInput(Profile, req.body);
    await updateUser(knex, req.user!.id, { name: input.name });
    flash(req, 'success', res.locals.t('account.saved'));
    redirect(req, res, '/account');
  }

  async function updatePassword(req: Request, res: Response) {
    const input = parseInput(ChangePassword, req.body);
    await changePassword(knex, req.user!, input, req.sessionID, actorOf(req));
    flash(req, 'success', res.locals.t('account.password_changed'));
    redirect(req, res, '/account');
  }
}
