// Writing CSV for spreadsheets: RFC 4180 quoting, and cells that a spreadsheet would run as a
// formula (starting with = + - @, or a tab or carriage return) prefixed with a quote so they are
// shown as text (OWASP's advice against CSV injection). The import strips that prefix again.
import { parse } from 'csv-parse/sync';

/** The UTF-8 byte order mark: spreadsheets need it to read accents in a CSV file right. */
export const BOM = '\uFEFF';

const FORMULA_START = /^[=+\-@\t\r]/;

/** csvCell writes one value as a safe, quoted-when-needed CSV cell. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n;]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** csvLine writes one row of cells, ended by CRLF. */
export function csvLine(cells: unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** unguardCell removes the quote csvCell put before a formula-like value ("'+5511..." -> "+5511..."). */
export function unguardCell(text: string): string {
  return /^'[=+\-@]/.test(text) ? text.slice(1) : text;
}

/**
 * detectDelimiter tells whether a CSV file separates its cells with commas or semicolons (as
 * spreadsheets in many European and Latin American locales write it), from its first line.
 */
export function detectDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let i = 0; i < text.length && i < 64 * 1024; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && ch === ',') commas++;
    else if (!quoted && ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

/** csvParseOptions are the csv-parse options every reader of an uploaded file uses. */
export function csvParseOptions(delimiter: string) {
  return { delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, trim: true } as const;
}

/** readCsvHead parses the first `records` records of a file (header and samples). */
export function readCsvHead(text: string, records: number): string[][] {
  return parse(text, { ...csvParseOptions(detectDelimiter(text.replace(/^\uFEFF/, ''))), to: records }) as string[][];
}
