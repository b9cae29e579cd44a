// Builds the Express app from the services made at boot. Used by server.ts and by the tests.
import crypto from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { apiRouter } from './api/router.js';
import { createPassport } from './auth/passport.js';
import { authRoutes } from './auth/routes.js';
import { contactRoutes } from './contacts/routes.js';
import type { AppContext } from './context.js';
import { pendingMigrations } from './db/migrate.js';
import { followupRoutes } from './followups/routes.js';
import { inboxRoutes } from './inbox/routes.js';
import { labelRoutes } from './labels/routes.js';
import { appVersion, publicDir, viewsDir } from './paths.js';
import { mediaRoutes } from './media/routes.js';
import { pipelineRoutes } from './pipeline/routes.js';
import { quickReplyRoutes } from './quickreplies/routes.js';
import { searchRoutes } from './search/routes.js';
import { pipelineSettingsRoutes } from './pipeline/settings-routes.js';
import { reportRoutes } from './reports/routes.js';
import { csrfProtection } from './web/csrf.js';
import { NotFound } from './web/errors.js';
import { errorHandler } from './web/error-handler.js';
import { loadWorkspace, requireMember } from './web/guards.js';
import { viewLocals } from './web/locals.js';
import { KnexSessionStore } from './web/session-store.js';
import { webhookEventRoutes } from './whatsapp/webhook-events-routes.js';
import { sandboxRoutes } from './whatsapp/sandbox-routes.js';
import { webhookRoutes } from './whatsapp/webhook-routes.js';
import { channelRoutes } from './whatsapp/channels-routes.js';
import { workspaceRoutes } from './workspaces/routes.js';
import './web/request.js';

const SESSION_COOKIE = 'par.sid';

/** createApp wires middleware and every feature's routes. */
export function createApp(ctx: AppContext): Express {
  const { config } = ctx;
  const app = express();
  app.set('env', config.env);
  app.set('trust proxy', config.trustProxy);
  app.set('views', viewsDir);
  app.set('view engine', 'ejs');
  app.set('view cache', config.env === 'production');
  app.disable('x-powered-by');
  app.locals.asset = assetUrl(config.env === 'production' ? appVersion : `${appVersion}-${Date.now()}`);

  app.use(
    pinoHttp({
      logger: ctx.log,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && /^[\w.-]{1,100}$/.test(incoming) ? incoming : crypto.randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => /^\/(healthz|readyz|public\/)/.test(req.url ?? '') },
      serializers: {
        req: (req) => ({
          id: req.id,
          method: req.method,
          url: req.url?.replace(/\/(reset|invitations|webhooks\/whatsapp)\/[^/?]+/, '/$1/[token]').replace(/(hub\.verify_token=)[^&]*/, '$1[redacted]'),
        }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(securityHeaders(config.secureCookies));

  app.get('/healthz', (_req, res) => res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    try {
      await ctx.knex.raw('select 1');
      const pending = await pendingMigrations(ctx.knex);
      if (pending.length) return res.status(503).json({ status: 'migrations_pending', pending });
      res.json({ status: 'ok' });
    } catch {
      res.status(503).json({ status: 'database_unreachable' });
    }
  });
  app.use('/public', express.static(publicDir, { maxAge: config.env === 'production' ? '7d' : 0, index: false }));

  app.use('/api/v1', apiRouter(ctx));
  // Meta's webhooks: raw body (for the signature), no session, no CSRF, no rate limit.
  app.use(webhookRoutes(ctx));

  app.use(express.urlencoded({ extended: true, limit: '1mb' }));
  app.use(
    session({
      name: SESSION_COOKIE,
      secret: config.sessionSecret,
      store: new KnexSessionStore(ctx.knex, config.sessionTtlHours * 3600_000),
      resave: false,
      saveUninitialized: false,
      rolling: true,
      proxy: config.trustProxy !== false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: config.sessionTtlHours * 3600_000 },
    }),
  );
  const passport = createPassport(ctx);
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(loadWorkspace(ctx));
  app.use(viewLocals(ctx));
  app.use(csrfProtection);

  app.use(authRoutes(ctx, passport));
  app.use(workspaceRoutes(ctx));
  app.use(channelRoutes(ctx));
  app.use(inboxRoutes(ctx));
  app.use(pipelineRoutes(ctx));
  app.use(pipelineSettingsRoutes(ctx));
  app.use(reportRoutes(ctx));
  app.use(followupRoutes(ctx));
  app.use(contactRoutes(ctx));
  app.use(webhookEventRoutes(ctx));
  app.use(mediaRoutes(ctx));
  app.use(sandboxRoutes(ctx));
  app.use(labelRoutes(ctx));
  app.use(quickReplyRoutes(ctx));
  app.use(searchRoutes(ctx));
  app.get('/events', requireMember, (req, res) => ctx.realtime.stream(req, res));

  app.use((_req: Request, _res: Response, next: NextFunction) => next(new NotFound('errors.page_not_found')));
  app.use(errorHandler(ctx));
  return app;
}

/** helmet with a strict CSP: scripts and styles only from our own origin, nothing inline. */
function securityHeaders(https: boolean) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        baseUri: ["'self'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https ? { maxAge: 15552000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'same-origin' },
  });
}

/** assetUrl appends a version so browsers fetch new CSS and JS after an upgrade. */
function assetUrl(version: string) {
  return (path: string) => `${path}?v=${encodeURIComponent(version)}`;
}
