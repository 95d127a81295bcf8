// Phone numbers masked for display by `inbox show` and `inbox list` (docs/inbox-cli.md, "Masking").

// Digits with the usual separators, opened by "+" or "(" at most, with no letter or digit glued to either end,
// nor joined to one by a "-" or "." (a piece of an id such as num-…-4999-9335-… or GA1.1.12345678.87654321).
const PHONE_LIKE = /(?<![\p{L}\p{N}_])(?<![\p{L}\p{N}_][-.])[+(]{0,2}\d[\d ().-]*\d(?![\p{L}\p{N}_])(?![-.][\p{L}\p{N}_])/gu
// Dates are the digit runs a payload holds most: 2023-08-30, 30.08.2023.
const DATE_LIKE = /^(?:\d{4}-\d{2}-\d{2}|\d{2}[./-]\d{2}[./-]\d{4})/
const MIN_DIGITS = 8
const MAX_DIGITS = 17
const KEEP_FIRST = 4
const KEEP_LAST = 2

/**
 * Masks every phone-number-like run in a text: 8 to 17 digits (E.164's 15,
 * plus a `00` international prefix), separated at most by spaces, dots,
 * hyphens or parentheses, that is not a date. The first 4 and last 2 digits
 * stay, the others become `*`; separators stay as they were.
 * `0033612345678` → `0033*******78`.
 */
export function maskPhoneNumbers (text: string): string {
  return text.replace(PHONE_LIKE, (run) => {
    const digits = run.replace(/\D/g, '').length
    if (digits < MIN_DIGITS || digits > MAX_DIGITS || DATE_LIKE.test(run)) return run
    let seen = 0
    return run.replace(/\d/g, (digit) => {
      seen++
      return seen <= KEEP_FIRST || seen > digits - KEEP_LAST ? digit : '*'
    })
  })
}

/**
 * A copy of a decoded payload with `maskPhoneNumbers` applied to every string
 * and number value (a masked number becomes a string); keys and structure
 * are unchanged.
 */
export function maskPayload (value: unknown): unknown {
  if (typeof value === 'string') return maskPhoneNumbers(value)
  if (typeof value === 'number') {
    const text = String(value)
    const masked = maskPhoneNumbers(text)
    return masked === text ? value : masked
  }
  if (Array.isArray(value)) return value.map(maskPayload)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, maskPayload(child)]))
  }
  return value
}

/** The signature header for display: its first 4 characters and its length, never the whole of it. */
export function abbreviateSignature (signature: string): string {
  return `${signature.slice(0, 4)}… (${signature.length} characters)`
}
