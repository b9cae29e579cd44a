// Phone numbers: stored in E.164 ('+5511987654321'), matched on a key that folds the forms one
// WhatsApp number can arrive in. Brazil: mobiles gained a ninth digit ('9' after the area code)
// that older WhatsApp ids lack. Mexico: mobiles arrive as '521' + 10 digits or '52' + 10 digits.

export interface NormalizedPhone {
  /** '+' and digits. */
  e164: string;
  /** The matching key: digits, Brazilian ninth digit and Mexican '1' removed. */
  key: string;
}

/** digitsOf keeps the digits of a phone number as typed ('+55 (11) 98765-4321' -> '5511987654321'). */
export function digitsOf(input: string): string {
  return input.replace(/\D/g, '');
}

/** phoneKey folds the variants of one WhatsApp number to a single key. */
export function phoneKey(digits: string): string {
  // Brazil: 55 + 2-digit area code + 9 + 8 digits -> drop the 9.
  if (digits.length === 13 && digits.startsWith('55') && digits[4] === '9') return digits.slice(0, 4) + digits.slice(5);
  // Mexico: 521 + 10 digits -> 52 + 10 digits.
  if (digits.length === 13 && digits.startsWith('521')) return '52' + digits.slice(3);
  return digits;
}

/**
 * normalizePhone reads an international number (with or without '+', spaces, dashes,
 * parentheses, or a leading 00). Returns null when it cannot be a phone number.
 */
export function normalizePhone(input: string | number | null | undefined): NormalizedPhone | null {
  if (input === null || input === undefined) return null;
  let text = String(input).trim();
  if (!/^[+\d\s().-]+$/.test(text)) return null;
  if (text.startsWith('00')) text = text.slice(2);
  const digits = digitsOf(text);
  // E.164 allows at most 15 digits; the shortest real numbers have 8 with the country code.
  if (digits.length < 8 || digits.length > 15 || digits.startsWith('0')) return null;
  return { e164: `+${digits}`, key: phoneKey(digits) };
}
