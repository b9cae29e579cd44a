// passport with the local (email + password) strategy; the session keeps only the user id.
import type { Request, Response } from 'express';
import passportPkg from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import type { AppContext } from '../context.js';
import { checkCredentials } from './service.js';
import { findUserById, type UserRow } from './users.js';

const { Passport } = passportPkg;
export type PassportInstance = InstanceType<typeof Passport>;

/** createPassport builds this app's passport (not the global one, so test apps stay apart). */
export function createPassport(ctx: AppContext): PassportInstance {
  const passport = new Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      checkCredentials(ctx.knex, email, password).then((user) => done(null, user ?? false), done);
    }),
  );
  passport.serializeUser((user, done) => done(null, (user as UserRow).id));
  passport.deserializeUser((id: string, done) => {
    findUserById(ctx.knex, id).then((user) => done(null, user ?? false), done);
  });
  return passport;
}

/** authenticateLocal runs the local strategy and resolves to the user, or null on bad credentials. */
export function authenticateLocal(passport: PassportInstance, req: Request, res: Response): Promise<UserRow | null> {
  return new Promise((resolve, reject) => {
    passport.authenticate('local', { session: false }, (err: unknown, user: UserRow | false) => {
      if (err) reject(err);
      else resolve(user || null);
    })(req, res, reject);
  });
}

/** logIn starts a fresh session for the user (a new session id: no fixation). */
export function logIn(req: Request, user: UserRow): Promise<void> {
  const returnTo = req.session.returnTo;
  return new Promise((resolve, reject) =>
    req.login(user, (err) => {
      if (err) return reject(err);
      if (returnTo) req.session.returnTo = returnTo;
      resolve();
    }),
  );
}

/** logOut ends the session. */
export function logOut(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.logout((err) => {
      if (err) return reject(err);
      req.session.destroy((e) => (e ? reject(e) : resolve()));
    }),
  );
}
