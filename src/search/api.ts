// API: one search over the workspace's contacts and messages.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { commonErrors, errorResponse, type PathItems } from '../api/openapi.js';
import { parseInput } from '../web/validate.js';
import { highlightedHtml } from './highlight.js';
import { MAX_QUERY_LENGTH, MIN_PHONE_DIGITS, MIN_QUERY_LENGTH, searchTerms } from './query.js';
import { searchWorkspace, type ContactHit, type MessageHit } from './repo.js';
import { DEFAULT_LIMITS, pagesOf, SearchQuery } from './schema.js';

const contactHitSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    display_name: { type: 'string', description: 'The name, the WhatsApp name, or the number' },
    name: { type: ['string', 'null'] },
    profile_name: { type: ['string', 'null'], description: 'The name the customer set in WhatsApp' },
    phone: { type: ['string', 'null'], description: 'E.164' },
    username: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

const messageHitSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    conversation_id: { type: 'string', format: 'uuid' },
    contact_id: { type: 'string', format: 'uuid' },
    channel_id: { type: 'string', format: 'uuid' },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    text: { type: 'string' },
    snippet: { type: 'string', description: 'HTML: the matching part of the text, escaped, with the matched words in <mark> elements' },
    contact_name: { type: 'string' },
    channel_name: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
  },
};

export const searchApiPaths: PathItems = {
  '/search': {
    get: {
      summary: 'Search contacts and messages',
      description: `One search over contact names, WhatsApp names, usernames, emails and phone numbers (any written form, at least ${MIN_PHONE_DIGITS} digits), and over message text. The last word also matches as a prefix; \`"quoted phrases"\`, \`-excluded\` words and \`or\` work as in web search engines. Each list is ranked (the best match first, the newest first among equals). Queries shorter than ${MIN_QUERY_LENGTH} characters find nothing; longer than ${MAX_QUERY_LENGTH} answer 422. Page one list with \`in\` and the cursor \`next_cursor\` gave for it.`,
      tags: ['search'],
      parameters: [
        { name: 'q', in: 'query', required: true, schema: { type: 'string', maxLength: MAX_QUERY_LENGTH } },
        { name: 'limit', in: 'query', description: `Hits per list (default ${DEFAULT_LIMITS.contacts} contacts and ${DEFAULT_LIMITS.messages} messages)`, schema: { type: 'integer', minimum: 1, maximum: 100 } },
        { name: 'in', in: 'query', description: 'Search only this list (to ask for its next page)', schema: { type: 'string', enum: ['contacts', 'messages'] } },
        { name: 'cursor', in: 'query', description: 'next_cursor.contacts or next_cursor.messages of the previous answer (with `in`)', schema: { type: 'string' } },
      ],
      responses: {
        200: {
          description: 'The hits',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['data', 'next_cursor'],
                properties: {
                  data: {
                    type: 'object',
                    properties: { contacts: { type: 'array', items: contactHitSchema }, messages: { type: 'array', items: messageHitSchema } },
                  },
                  next_cursor: {
                    type: 'object',
                    properties: { contacts: { type: ['string', 'null'] }, messages: { type: ['string', 'null'] } },
                  },
                },
              },
            },
          },
        },
        401: commonErrors[401],
        422: errorResponse(`q longer than ${MAX_QUERY_LENGTH} characters, a bad limit, or a bad cursor`),
      },
    },
  },
};

/** presentContactHit is the API shape of a contact found by search. */
export function presentContactHit(c: ContactHit) {
  return { id: c.id, display_name: c.display_name, name: c.name, profile_name: c.profile_name, phone: c.phone, username: c.username, email: c.email, updated_at: c.updated_at };
}

/** presentMessageHit is the API shape of a message found by search. */
export function presentMessageHit(m: MessageHit) {
  return {
    id: m.id,
    conversation_id: m.conversation_id,
    contact_id: m.contact_id,
    channel_id: m.channel_id,
    direction: m.direction,
    text: m.text,
    snippet: highlightedHtml(m.snippet),
    contact_name: m.contact_name,
    channel_name: m.channel_name,
    created_at: m.created_at,
  };
}

/** searchApi is the route table of /api/v1/search. */
export function searchApi(ctx: AppContext): Router {
  const router = Router();
  router.get('/search', search);
  return router;

  async function search(req: Request, res: Response) {
    const input = parseInput(SearchQuery, req.query);
    const results = await searchWorkspace(ctx.knex, req.workspace!.id, searchTerms(input.q), pagesOf(input));
    res.json({
      data: { contacts: results.contacts.items.map(presentContactHit), messages: results.messages.items.map(presentMessageHit) },
      next_cursor: { contacts: results.contacts.next_cursor, messages: results.messages.next_cursor },
    });
  }
}
