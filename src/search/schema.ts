// Input schema for a search (the page and the API take the same parameters).
import { z } from 'zod';
import { MAX_QUERY_LENGTH } from './query.js';

/** How many hits a list shows unless `limit` says otherwise. */
export const DEFAULT_LIMITS = { contacts: 20, messages: 50 };

export const SearchQuery = z.object({
  q: z.string({ error: 'search.q_text' }).max(MAX_QUERY_LENGTH, 'search.too_long').optional().default(''),
  /** Search only contacts or only messages: how the next page of one list is asked for. */
  in: z.enum(['contacts', 'messages'], { error: 'search.in_invalid' }).optional(),
  cursor: z.string().max(500, 'api.bad_cursor').optional(),
  limit: z.coerce.number({ error: 'validation.number' }).int('validation.integer').min(1, 'api.limit_range').max(100, 'api.limit_range').optional(),
}).refine((v) => !v.cursor || v.in, { path: ['in'], message: 'search.cursor_needs_in' });

export type SearchInput = z.output<typeof SearchQuery>;

/** pagesOf turns the parameters into the page each list is asked for. */
export function pagesOf(input: SearchInput) {
  return {
    contacts: { limit: input.limit ?? DEFAULT_LIMITS.contacts, cursor: input.in === 'contacts' ? input.cursor : null },
    messages: { limit: input.limit ?? DEFAULT_LIMITS.messages, cursor: input.in === 'messages' ? input.cursor : null },
    only: input.in,
  };
}
