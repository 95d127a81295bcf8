// Numbers as PHP's `json_decode` + `http_build_query` write them (docs/signature-rule.md "Numbers"; test/fixtures/php-number-vectors.json).

/** Significant digits of PHP's `precision` setting (its default), used when a float becomes text. */
export const PHP_PRECISION = 14

const INTEGER_LITERAL = /^-?\d+$/
// PHP's JSON scanner compares a 19-digit literal with the digits of PHP_INT_MIN.
const INT64_DIGITS = '9223372036854775808'

/** PHP's text for a JSON number literal: exact digits for an integer literal in [-2^63, 2^63 - 1] (`-0` is `0`), else `phpFloatText` of its double. */
export function phpNumberLiteralText (literal: string): string {
  if (INTEGER_LITERAL.test(literal) && fitsInt64(literal)) return BigInt(literal).toString()
  return phpFloatText(Number(literal))
}

/** True for an integer literal that `json_encode` writes for a whole float (`-0`, shortest digits from 1e14 to 1e17) and that PHP writes otherwise as an int. */
export function integerLiteralMayBeFloat (literal: string): boolean {
  if (literal === '-0') return true
  const value = Math.abs(Number(literal))
  return INTEGER_LITERAL.test(literal) && value >= 1e14 && value < 1e17 && String(Number(literal)) === literal
}

function fitsInt64 (literal: string): boolean {
  const negative = literal.startsWith('-')
  const digits = negative ? literal.slice(1) : literal
  if (digits.length !== INT64_DIGITS.length) return digits.length < INT64_DIGITS.length
  return digits < INT64_DIGITS || (digits === INT64_DIGITS && negative)
}

/** PHP's text for a JavaScript number sent as `JSON.stringify` writes it; `undefined` (no pair) for `NaN` and `±Infinity`, which travel as `null`. */
export function phpNumberText (value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined
  // A safe integer's shortest digits are its exact digits (and -0 is written 0), as PHP writes the int.
  if (Number.isSafeInteger(value)) return String(value)
  // String() writes what JSON.stringify does: plain digits below 1e21 (shortest round-trip, not the exact value).
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return phpNumberLiteralText(String(value))
  return phpFloatText(value)
}

/** True when PHP's text for a parsed JSON number depends on its literal (`-0` or `-0.0`, `1e14` or `100000000000000`, past 2^53, an overflow). */
export function numberTextDependsOnLiteral (value: number): boolean {
  return Object.is(value, -0) || !Number.isFinite(value) || (Number.isInteger(value) && Math.abs(value) >= 1e14)
}

/** A double as PHP writes a float with `precision` 14 (`0.3`, `1.0E+20`, `2.5E-5`, `-0`, `INF`, `NAN`): half-to-even digits, plain for exponents -5 < e < 14 (docs/signature-rule.md). */
export function phpFloatText (value: number): string {
  if (Number.isNaN(value)) return 'NAN'
  if (!Number.isFinite(value)) return value > 0 ? 'INF' : '-INF'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const sign = value < 0 ? '-' : ''
  const { digits, point } = significantDigits(Math.abs(value))
  return sign + layout(digits, point)
}

// Significant digits (the first not zero) and the point: value = 0.digits × 10^point.
interface Digits {
  digits: string
  point: number
}

/** The shortest form of `precision` significant digits (PHP's zend_dtoa, mode 2). */
function significantDigits (magnitude: number): Digits {
  const fifteen = digitsOf(magnitude.toPrecision(PHP_PRECISION + 1))
  // toPrecision rounds a tie up, PHP to even; a 14-digit tie is an exact value of 15 digits ending in 5.
  if (!(fifteen.digits.endsWith('5') && exactDigits(magnitude) === fifteen.digits)) {
    const rounded = digitsOf(magnitude.toPrecision(PHP_PRECISION))
    return { digits: rounded.digits.replace(/0+$/, ''), point: rounded.point }
  }
  const kept = fifteen.digits.slice(0, PHP_PRECISION)
  if (Number(kept[PHP_PRECISION - 1]) % 2 === 0) {
    // PHP's exact-integer path for whole ties below 1e15 keeps the zeros (100000000000005.0 → 1.0000000000000E+14).
    const wholeBelow1e15 = Number.isInteger(magnitude) && magnitude < 1e15
    return { digits: wholeBelow1e15 ? kept : kept.replace(/0+$/, ''), point: fifteen.point }
  }
  const up = (BigInt(kept) + 1n).toString()
  // 99…9 carries into one digit more.
  if (up.length > PHP_PRECISION) return { digits: '1', point: fifteen.point + 1 }
  return { digits: up.replace(/0+$/, ''), point: fifteen.point }
}

/** The digits and point of `toPrecision` text (`0.000123`, `1.2300`, `1.5e-7`, `1.2e+21`). */
function digitsOf (text: string): Digits {
  const [mantissa, exponent] = text.split('e') as [string, string | undefined]
  const [whole, fraction = ''] = mantissa.split('.') as [string, string | undefined]
  const all = whole + fraction
  const leading = all.length - all.replace(/^0+/, '').length
  const point = exponent === undefined ? whole.length : Number(exponent) + 1
  return { digits: all.slice(leading), point: point - leading }
}

/** The significant digits of a double's exact decimal value (no leading or trailing zeros). */
function exactDigits (magnitude: number): string {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, magnitude)
  const high = view.getUint32(0)
  const biased = (high >>> 20) & 0x7ff
  const fraction = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4))
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n)
  const exponent = (biased === 0 ? 1 : biased) - 1075
  // m × 2^e is m × 5^-e / 10^-e: the same digits as m × 5^-e.
  const digits = exponent >= 0 ? (mantissa << BigInt(exponent)).toString() : (mantissa * 5n ** BigInt(-exponent)).toString()
  return digits.replace(/0+$/, '')
}

/** zend_gcvt's layout: exponential when the point is left of 4 zeros or right of `precision` digits. */
function layout (digits: string, point: number): string {
  if (point < -3 || point > PHP_PRECISION) {
    const exponent = point - 1
    return `${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`
  }
  if (point <= 0) return `0.${'0'.repeat(-point)}${digits}`
  if (digits.length <= point) return digits + '0'.repeat(point - digits.length)
  return `${digits.slice(0, point)}.${digits.slice(point)}`
}
