// The search page: one box over contacts (name, WhatsApp name, phone, email) and message text.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { labelsOfContacts } from '../labels/repo.js';
import { Invalid } from '../web/errors.js';
import { requireMember } from '../web/guards.js';
import { isHtmx, render } from '../web/render.js';
import { parseInput } from '../web/validate.js';
import { highlightedHtml } from './highlight.js';
import { searchTerms } from './query.js';
import { searchWorkspace, type SearchResults } from './repo.js';
import { pagesOf, SearchQuery } from './schema.js';

/** searchRoutes is the route table of /search. */
export function searchRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/search', requireMember, searchPage);
  return router;

  async function searchPage(req: Request, res: Response) {
    const t = res.locals.t;
    let input;
    try {
      input = parseInput(SearchQuery, req.query);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const q = typeof req.query.q === 'string' ? req.query.q : '';
      return render(req, res, 'search/index', { q, terms: null, results: null, only: null, errors: err.fields }, { title: t('search.title'), status: 422 });
    }
    const ws = req.workspace!.id;
    const terms = searchTerms(input.q);
    const pages = pagesOf(input);
    const results = await searchWorkspace(ctx.knex, ws, terms, pages);
    const locals = { q: input.q, terms, only: input.in ?? null, ...(await present(ws, results)) };
    // "Show more" asks with htmx for the next rows of one list alone.
    if (isHtmx(req) && input.in && input.cursor) return res.render(`search/_${input.in}`, locals);
    render(req, res, 'search/index', locals, { title: input.q.trim() ? t('search.title_for', { q: input.q.trim() }) : t('search.title') });
  }

  async function present(workspaceId: string, results: SearchResults) {
    const labels = await labelsOfContacts(ctx.knex, workspaceId, results.contacts.items.map((c) => c.id));
    return {
      results: {
        contacts: { ...results.contacts, items: results.contacts.items.map((c) => ({ ...c, labels: labels.get(c.id) ?? [] })) },
        messages: { ...results.messages, items: results.messages.items.map((m) => ({ ...m, snippetHtml: highlightedHtml(m.snippet) })) },
      },
    };
  }
}
