// CSV export of deals: RFC 4180 quoting, CRLF lines, and cells that a spreadsheet would run as a
// formula (=, +, -, @ ...) prefixed with an apostrophe.

/** csvCell quotes one value for a CSV line. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = value instanceof Date ? value.toISOString() : Array.isArray(value) ? value.join(', ') : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** csvLine writes one CSV line (with its CRLF). */
export function csvLine(values: unknown[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}
