// Every user-facing string goes through t(key, params). Catalogs are flat key -> text maps, one
// per language; a key missing from a catalog falls back to English, and text that is not a key
// at all is returned as is. Dates, times and money are formatted with Intl for the workspace's
// locale and time zone.
import { en } from './en.js';

export type Catalog = Record<string, string>;
export type Params = Record<string, string | number | null | undefined>;
export type Translate = (key: string, params?: Params) => string;

const catalogs: Record<string, Catalog> = { en };

/** The locales a workspace can pick: a language we have a catalog for, with a region for formats. */
export const supportedLocales: Array<{ code: string; label: string }> = [
  { code: 'en-US', label: 'English (United States)' },
  { code: 'en-GB', label: 'English (United Kingdom)' },
  { code: 'en-IN', label: 'English (India)' },
  { code: 'en-AU', label: 'English (Australia)' },
  { code: 'en-CA', label: 'English (Canada)' },
  { code: 'en-IE', label: 'English (Ireland)' },
  { code: 'en-NG', label: 'English (Nigeria)' },
  { code: 'en-ZA', label: 'English (South Africa)' },
  { code: 'en-SG', label: 'English (Singapore)' },
  { code: 'en-AE', label: 'English (United Arab Emirates)' },
];

export const defaultLocale = 'en-US';

export function isSupportedLocale(code: string): boolean {
  return supportedLocales.some((l) => l.code === code);
}

function catalogFor(locale: string): Catalog {
  return catalogs[locale.split('-')[0]] ?? en;
}

function interpolate(text: string, params?: Params): string {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    return value === undefined || value === null ? whole : String(value);
  });
}

/**
 * translator returns t() for a locale. A `count` param picks the key's .one/.other plural form.
 * A key written 'key:argument' (field errors carry them) fills the text's {arg}.
 */
export function translator(locale: string): Translate {
  const catalog = catalogFor(locale);
  const plural = new Intl.PluralRules(locale);
  return (key, params) => {
    let text: string | undefined;
    if (params && typeof params.count === 'number') {
      const form = `${key}.${plural.select(params.count)}`;
      text = catalog[form] ?? en[form] ?? catalog[`${key}.other`] ?? en[`${key}.other`];
    }
    text ??= catalog[key] ?? en[key];
    if (text === undefined) {
      // 'some.key:detail' is a key with one argument, shown where the text says {arg}.
      const colon = key.indexOf(':');
      const base = colon > 0 ? key.slice(0, colon) : '';
      const baseText = base ? (catalog[base] ?? en[base]) : undefined;
      if (baseText !== undefined) return interpolate(baseText, { arg: key.slice(colon + 1), ...params });
      text = key;
    }
    return interpolate(text, params);
  };
}

/** hasKey tells whether the English catalog defines a key (used by the catalog test). */
export function hasKey(key: string): boolean {
  return key in en || `${key}.other` in en;
}

export interface Formatter {
  locale: string;
  timeZone: string;
  currency: string;
  date(value: Date | string | null | undefined): string;
  dateTime(value: Date | string | null | undefined): string;
  time(value: Date | string | null | undefined): string;
  /** "3 min ago", "in 2 days": for lists where the exact time is in a title attribute. */
  relative(value: Date | string | null | undefined, now?: Date): string;
  /** Money from an exact decimal string ("1234.50") without a round trip through a float. */
  money(amount: string | number | null | undefined, currency?: string): string;
  number(value: number | null | undefined): string;
}

const formatCache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat>(key: string, make: () => T): T {
  let f = formatCache.get(key) as T | undefined;
  if (!f) {
    f = make();
    formatCache.set(key, f);
  }
  return f;
}

function toDate(value: Date | string): Date {
  // A bare 'YYYY-MM-DD' is a calendar date: show that day whatever the time zone.
  return value instanceof Date ? value : new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00Z` : value);
}

/** formatter formats values for a locale, time zone and default currency. */
export function formatter(locale: string, timeZone: string, currency: string): Formatter {
  const dt = (style: Intl.DateTimeFormatOptions, zone = timeZone) =>
    cached(`dt|${locale}|${zone}|${JSON.stringify(style)}`, () => new Intl.DateTimeFormat(locale, { ...style, timeZone: zone }));
  return {
    locale,
    timeZone,
    currency,
    date: (v) => {
      if (!v) return '';
      const calendarDate = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
      return dt({ dateStyle: 'medium' }, calendarDate ? 'UTC' : timeZone).format(toDate(v));
    },
    dateTime: (v) => (v ? dt({ dateStyle: 'medium', timeStyle: 'short' }).format(toDate(v)) : ''),
    time: (v) => (v ? dt({ timeStyle: 'short' }).format(toDate(v)) : ''),
    relative: (v, now = new Date()) => {
      if (!v) return '';
      const seconds = (toDate(v).getTime() - now.getTime()) / 1000;
      const rtf = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
      const abs = Math.abs(seconds);
      if (abs < 45) return rtf.format(0, 'second');
      if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
      if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
      if (abs < 86400 * 30) return rtf.format(Math.round(seconds / 86400), 'day');
      return dt({ dateStyle: 'medium' }).format(toDate(v));
    },
    money: (amount, cur = currency) => {
      if (amount === null || amount === undefined || amount === '') return '';
      const nf = cached(`money|${locale}|${cur}`, () => new Intl.NumberFormat(locale, { style: 'currency', currency: cur }));
      // Intl formats decimal strings exactly (no float rounding of large amounts).
      return nf.format(String(amount) as unknown as number);
    },
    number: (v) => (v === null || v === undefined ? '' : cached(`num|${locale}`, () => new Intl.NumberFormat(locale)).format(v)),
  };
}

/** Every IANA time zone this runtime knows, for the workspace settings form. */
export const timeZones: string[] = Intl.supportedValuesOf('timeZone');
/** Every ISO 4217 currency this runtime knows. */
export const currencies: string[] = Intl.supportedValuesOf('currency');

export function isTimeZone(value: string): boolean {
  if (value === 'UTC') return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export function isCurrency(value: string): boolean {
  return currencies.includes(value);
}

/** offsetMinutes is the UTC offset of a time zone at an instant (e.g. -180 for São Paulo). */
function offsetMinutes(timeZone: string, at: Date): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((asUtc - at.getTime()) / 60000);
}

/** zonedToUtc reads a wall-clock 'YYYY-MM-DDTHH:MM' in a time zone as an instant. */
export function zonedToUtc(local: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const guess = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  // Two passes settle the offset around daylight-saving changes.
  let at = guess - offsetMinutes(timeZone, new Date(guess)) * 60000;
  at = guess - offsetMinutes(timeZone, new Date(at)) * 60000;
  return new Date(at);
}

/** wallClock writes an instant as 'YYYY-MM-DDTHH:MM' in a time zone (for datetime-local inputs). */
export function wallClock(at: Date, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' })
      .formatToParts(at)
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
