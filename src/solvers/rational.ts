// Exact rational numbers (BigInt), so that tableaus are written as the
// fractions of their sources and derived coefficients stay exact until the
// final rounding to float64.

/** num / den in lowest terms, den > 0. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** The fraction num / den, reduced. */
export function frac(num: number | bigint, den: number | bigint = 1): Rational {
  let n = BigInt(num);
  let d = BigInt(den);
  if (d === 0n) throw new RangeError('zero denominator');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d) || 1n;
  return { num: n / g, den: d / g };
}

/**
 * The exact value of a decimal literal such as '-0.526001519587677318785587544488e-01' (the form in which
 * Hairer's codes print their coefficients), as a fraction: no float64 rounding on the way.
 */
export function decimal(text: string): Rational {
  const match = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match || (match[2] === '' && match[3] === '')) throw new RangeError(`not a decimal number: ${text}`);
  const [, sign, whole, fraction, exponent] = match;
  const digits = BigInt(`${whole}${fraction}` || '0') * (sign === '-' ? -1n : 1n);
  const scale = Number(exponent ?? 0) - fraction.length;
  return scale >= 0 ? frac(digits * 10n ** BigInt(scale)) : frac(digits, 10n ** BigInt(-scale));
}

export const ZERO = frac(0);
export const ONE = frac(1);

export function add(a: Rational, b: Rational): Rational {
  return frac(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function sub(a: Rational, b: Rational): Rational {
  return frac(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function mul(a: Rational, b: Rational): Rational {
  return frac(a.num * b.num, a.den * b.den);
}

export function equal(a: Rational, b: Rational): boolean {
  return a.num === b.num && a.den === b.den;
}

export function sum(values: readonly Rational[]): Rational {
  return values.reduce(add, ZERO);
}

/** The float64 nearest to num / den (exact when both fit in 2^53, else within 1 ulp). */
export function toNumber(r: Rational): number {
  const limit = 2n ** 53n;
  if ((r.num < 0n ? -r.num : r.num) <= limit && r.den <= limit) return Number(r.num) / Number(r.den);
  // Scale to 64 significant bits of quotient, then one rounding.
  const neg = r.num < 0n;
  const n = neg ? -r.num : r.num;
  const shift = BigInt(Math.max(0, r.den.toString(2).length - n.toString(2).length + 64));
  const q = (n << shift) / r.den;
  const v = Number(q) / 2 ** Number(shift);
  return neg ? -v : v;
}
