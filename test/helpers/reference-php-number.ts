/**
 * An independent oracle for the number rule (docs/signature-rule.md,
 * "Numbers"), written apart from lib/signature/php-numbers.ts and by another
 * method: exact rational arithmetic on the double's bits, rounded half to
 * even, laid out by C's `%G` rule. Both are checked against PHP's own output
 * (test/fixtures/php-number-vectors.json); property tests compare lib to it.
 */

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** PHP's text for a JSON number literal (json_decode, then http_build_query). */
export function referencePhpLiteral (literal: string): string {
  if (/^-?[0-9]+$/.test(literal)) {
    const whole = BigInt(literal)
    if (whole >= INT64_MIN && whole <= INT64_MAX) return whole.toString()
  }
  return referencePhpFloat(Number(literal))
}

/** PHP's text for a JavaScript number sent as JSON.stringify writes it; undefined when that is `null`. */
export function referencePhpNumber (value: number): string | undefined {
  const literal = JSON.stringify(value)
  return literal === 'null' ? undefined : referencePhpLiteral(literal)
}

/** `(string) $float` with precision 14. */
export function referencePhpFloat (value: number): string {
  if (value !== value) return 'NAN'
  if (value === Infinity) return 'INF'
  if (value === -Infinity) return '-INF'
  const negative = value < 0 || Object.is(value, -0)
  const [numerator, denominator] = exactFraction(Math.abs(value))
  if (numerator === 0n) return negative ? '-0' : '0'
  // 10^k <= value < 10^(k+1)
  let k = Math.floor(Math.log10(Math.abs(value)))
  while (numerator * pow10(-k) < denominator * pow10(k)) k--
  while (numerator * pow10(-(k + 1)) >= denominator * pow10(k + 1)) k++
  // value × 10^(13-k) = quotient + remainder / scaledDenominator, quotient of 14 digits
  const scaledNumerator = numerator * pow10(13 - k)
  const scaledDenominator = denominator * pow10(k - 13)
  let quotient = scaledNumerator / scaledDenominator
  const remainder = scaledNumerator % scaledDenominator
  const twice = 2n * remainder
  const tie = twice === scaledDenominator
  if (twice > scaledDenominator || (tie && quotient % 2n === 1n)) quotient++
  if (quotient === 10n ** 14n) {
    quotient = 10n ** 13n
    k++
  }
  let digits = quotient.toString()
  // A tie of a whole number below 1e15 that rounds down keeps its zeros in PHP (its exact-integer path).
  const keepZeros = tie && remainder !== 0n && Number.isInteger(value) && Math.abs(value) < 1e15 && digits === (scaledNumerator / scaledDenominator).toString()
  if (!keepZeros) digits = digits.replace(/0+$/, '')
  const sign = negative ? '-' : ''
  if (k < -4 || k >= 14) {
    return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${k < 0 ? '-' : '+'}${Math.abs(k)}`
  }
  if (k < 0) return `${sign}0.${'0'.repeat(-k - 1)}${digits}`
  const whole = digits.slice(0, k + 1).padEnd(k + 1, '0')
  const fraction = digits.slice(k + 1)
  return sign + whole + (fraction === '' ? '' : `.${fraction}`)
}

/** 10^n as a multiplier: 1 for n <= 0 (the other side of a comparison carries the power). */
function pow10 (n: number): bigint {
  return n <= 0 ? 1n : 10n ** BigInt(n)
}

/** A finite non-negative double as numerator / denominator, both exact. */
function exactFraction (value: number): [bigint, bigint] {
  const bytes = Buffer.alloc(8)
  bytes.writeDoubleBE(value)
  const bits = bytes.readBigUInt64BE()
  const exponentBits = Number((bits >> 52n) & 0x7ffn)
  const fraction = bits & ((1n << 52n) - 1n)
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n)
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075
  return exponent >= 0 ? [mantissa << BigInt(exponent), 1n] : [mantissa, 1n << BigInt(-exponent)]
}
