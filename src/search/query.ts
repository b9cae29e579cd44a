// Reading what a person typed into the search box. Pure functions (unit-tested): the SQL in
// repo.ts turns the result into tsqueries and LIKE patterns, always as bound parameters.
import { digitsOf, phoneKey } from '../contacts/phone.js';

/** Queries shorter than this (after trimming) find nothing, without an error. */
export const MIN_QUERY_LENGTH = 2;
/** Longer queries are refused (422). */
export const MAX_QUERY_LENGTH = 200;
/** A phone search needs at least this many digits. */
export const MIN_PHONE_DIGITS = 4;

export interface SearchTerms {
  /** The query as typed (trimmed): websearch_to_tsquery syntax ("quoted phrases", -not, or). */
  text: string;
  /**
   * The query without its last word, and that word (letters and digits, lower case) to match as
   * a prefix, so results appear while a word is still being typed. Null when the last word is
   * quoted or negated: then the query is matched as typed.
   */
  prefix: { rest: string; word: string; joiner: '&' | '|' } | null;
  /** Digit strings to look for in contacts' phone keys (the typed digits and their folded forms). */
  phoneDigits: string[] | null;
  /** Set when the query looks like (the start of) an email address. */
  email: string | null;
}

/** searchTerms reads a query; null when it is too short (or has no letters or digits) to search. */
export function searchTerms(input: string): SearchTerms | null {
  const text = input.replace(/\s+/g, ' ').trim();
  if (text.length < MIN_QUERY_LENGTH || !/[\p{L}\p{N}]/u.test(text)) return null;
  return { text, prefix: prefixOf(text), phoneDigits: phoneDigitsOf(text), email: /\S@/.test(text) && !/\s/.test(text) ? text.toLowerCase() : null };
}

function prefixOf(text: string): SearchTerms['prefix'] {
  // An open or just-closed quote: the person is typing a phrase to match as written.
  if ((text.match(/"/g) ?? []).length % 2 === 1 || text.endsWith('"')) return null;
  const m = /([\p{L}\p{N}]+)[^\p{L}\p{N}"]*$/u.exec(text);
  if (!m) return null;
  const rest = text.slice(0, m.index);
  // '-word' excludes the word: keep it exact.
  if (/(^|\s)-$/.test(rest)) return null;
  const word = m[1].toLowerCase();
  // "a or b": the last word is an alternative, not an extra condition.
  const or = /(^|\s)or\s+$/i.test(rest);
  return { rest: or ? rest.replace(/(^|\s)or\s+$/i, '$1') : rest, word, joiner: or ? '|' : '&' };
}

/**
 * phoneDigitsOf reads a query made of phone characters (digits, spaces, + ( ) . -) with enough
 * digits. Besides the digits as typed it tries the forms contacts.phone_key stores: the full
 * number's key (Brazil's ninth digit and Mexico's 1 folded) and a Brazilian mobile typed locally
 * with its ninth digit ('11 98765-4321' or '98765-4321'), which the key holds without it.
 */
export function phoneDigitsOf(text: string): string[] | null {
  if (!/^[+\d\s().-]+$/.test(text)) return null;
  let digits = digitsOf(text);
  if (text.trim().startsWith('00')) digits = digits.replace(/^00/, '');
  if (digits.length < MIN_PHONE_DIGITS) return null;
  const forms = new Set([digits, phoneKey(digits)]);
  const local = /^(\d{2})?9(\d{8})$/.exec(digits);
  if (local) forms.add(`${local[1] ?? ''}${local[2]}`);
  return [...forms];
}
