// A signed-in browser for integration tests: a supertest agent that keeps the session cookie
// and sends the CSRF token like PAR CRM's pages do.
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent.js';
import { testEnv } from './context.js';
import { PASSWORD } from './factories.js';

export interface Session {
  agent: TestAgent;
  csrf: string;
  /** POSTs a form with the CSRF token. */
  post(path: string, form?: Record<string, unknown>): request.Test;
  get(path: string): request.Test;
}

/** csrfFrom reads the CSRF token a page carries in its <meta name="csrf-token">. */
export function csrfFrom(html: string): string {
  const m = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
  if (!m) throw new Error('page has no CSRF token');
  return m[1];
}

/** anonymous is a browser with a session but nobody signed in. */
export async function anonymous(): Promise<Session> {
  const { app } = await testEnv();
  const agent = request.agent(app);
  const page = await agent.get('/login').expect(200);
  return session(agent, csrfFrom(page.text));
}

function session(agent: TestAgent, csrf: string): Session {
  return {
    agent,
    csrf,
    post(path, form = {}) {
      return agent.post(path).type('form').send({ _csrf: this.csrf, ...form });
    },
    get(path) {
      return agent.get(path);
    },
  };
}

/** signIn signs in through the real form and returns the signed-in browser. */
export async function signIn(email: string, password = PASSWORD): Promise<Session> {
  const { ctx } = await testEnv();
  // Tests sign in far more often than the per-address limit allows a person to.
  await ctx.knex('rate_limits').where('key', 'like', 'login:ip:%').delete();
  const s = await anonymous();
  const res = await s.post('/login', { email, password });
  if (res.status !== 303) throw new Error(`sign-in failed for ${email}: ${res.status}`);
  const page = await s.agent.get('/account').expect(200);
  s.csrf = csrfFrom(page.text);
  return s;
}
