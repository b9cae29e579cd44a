// Exact money for deals. Amounts travel and are stored as decimal strings ("1234.50") and are
// summed by Postgres (numeric); JavaScript numbers never hold an amount. Rounding for display
// (weighted values) is done on integers (BigInt), half away from zero.

/** The largest whole part a deal value may have (the column is numeric(20,4)). */
const MAX_WHOLE_DIGITS = 16;
/** The column's scale: every stored amount has exactly this many decimals. */
const STORED_SCALE = 4;

const minorCache = new Map<string, number>();

/** minorUnits is the number of decimals a currency uses (USD 2, JPY 0, KWD 3), at most 4. */
export function minorUnits(currency: string): number {
  let digits = minorCache.get(currency);
  if (digits === undefined) {
    digits = Math.min(STORED_SCALE, new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2);
    minorCache.set(currency, digits);
  }
  return digits;
}

/**
 * normalizeAmount checks a typed or sent amount and returns it as a plain decimal string, or null
 * when it is not one. Accepts "1234.5", "1,234.50" (thousands separators) and surrounding spaces;
 * never exponents, signs or more decimals than the currency has.
 */
export function normalizeAmount(input: string, currency: string): string | null {
  const text = input.trim();
  const plain = /^\d{1,3}(,\d{3})+(\.\d+)?$/.test(text) ? text.replace(/,/g, '') : text;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(plain);
  if (!m) return null;
  const whole = m[1].replace(/^0+(?=\d)/, '');
  const fraction = m[2] ?? '';
  if (whole.length > MAX_WHOLE_DIGITS || fraction.length > minorUnits(currency)) return null;
  return fraction ? `${whole}.${fraction}` : whole;
}

/** toScaled reads a decimal string ("-12.5") as an integer count of 10^-scale units. */
function toScaled(value: string, scale: number): bigint {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!m) throw new Error(`not a decimal: ${value}`);
  const [, sign, whole, frac = ''] = m;
  // Round the digits beyond `scale` half away from zero.
  const kept = (frac + '0'.repeat(scale)).slice(0, scale);
  let n = BigInt((whole || '0') + kept);
  const next = frac.length > scale ? Number(frac[scale]) : 0;
  if (next >= 5) n += 1n;
  return sign ? -n : n;
}

/** fromScaled writes an integer count of 10^-scale units as a decimal string. */
function fromScaled(n: bigint, scale: number): string {
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale ? `.${frac}` : ''}`;
}

/**
 * presentAmount writes a stored or summed amount ("1234.5000", "99.125") with exactly the
 * currency's decimals ("1234.50"), rounding half away from zero. This is the API's money format.
 */
export function presentAmount(value: string | number | null | undefined, currency: string): string {
  if (value === null || value === undefined || value === '') return fromScaled(0n, minorUnits(currency));
  const scale = minorUnits(currency);
  return fromScaled(toScaled(String(value), scale), scale);
}

/** weightAmount is `value × percent / 100` rounded to the currency's decimals, exactly. */
export function weightAmount(value: string, percent: number, currency: string): string {
  const scale = minorUnits(currency);
  // value in 10^-4 units × percent gives 10^-6 units of value; round to `scale` decimals.
  const product = toScaled(value, STORED_SCALE) * BigInt(Math.round(percent));
  return fromScaled(toScaled(fromScaled(product, STORED_SCALE + 2), scale), scale);
}

/** addAmounts adds decimal strings exactly (for totals assembled from per-currency sums). */
export function addAmounts(values: string[], currency: string): string {
  const total = values.reduce((sum, v) => sum + toScaled(v, STORED_SCALE), 0n);
  return presentAmount(fromScaled(total, STORED_SCALE), currency);
}
