/**
 * The signature rule of the vendor page's "Request Signature and Securing
 * Exchanges" / "Generating a Signature" sections, pure and framework-free:
 *
 *   signature = base64( HMAC-SHA1( key, url + key1 + value1 + key2 + value2 + … ) )
 *
 * with `url` exactly as typed in the vendor's interface and the POST
 * variables sorted by key. docs/signature-rule.md (the README's "Signature
 * rule") is the normative text; the tests quote it step by step.
 */
/// <reference lib="es2024.string" />
// (String.prototype.isWellFormed / toWellFormed: Node 20+, which package.json requires.)
import { createHmac, timingSafeEqual } from 'node:crypto'
import { flattenPayload, type Pair } from './flatten.js'

/** The HTTP header that carries the signature (Node lower-cases header names). */
export const SIGNATURE_HEADER = 'x-calltracking-signature'

/** A payload to sign: a plain object (flattened as `http_build_query` would), or `[key, value]` pairs as received. */
export type SignaturePayload = Record<string, unknown> | Iterable<readonly [string, string]>

/** One signature key, or several during rotation (any one may match). */
export type SignatureKeys = string | readonly string[]

// Base64 of a 20-byte SHA-1 digest, padding included.
const SIGNATURE_LENGTH = 28

/**
 * The signature base string: `url` followed by each pair's key then value,
 * no separators, pairs sorted by key (UTF-8 byte order, case-sensitive),
 * equal keys by value.
 *
 * @param url the endpoint URL exactly as entered in the vendor's interface; never normalised
 * @param payload a plain object or an iterable of `[key, value]` pairs
 * @returns the string that is HMAC'd (UTF-8); a lone surrogate in a key or value reads as U+FFFD, as the UTF-8 encoder writes it
 * @throws {MalformedBodyError} (400) when a plain object nests deeper than 32 levels
 */
export function signatureBaseString (url: string, payload: SignaturePayload): string {
  const pairs: Pair[] = isPairIterable(payload) ? Array.from(payload) : flattenPayload(payload)
  // The fast path: without a single surrogate code unit, every part is
  // well-formed and UTF-16 code-unit order is UTF-8 byte order, so the
  // engine's own string comparison sorts right. One scan of the joined
  // string (which the HMAC needs flat anyway) tells; a character above
  // U+FFFF or a lone half anywhere takes the exact path instead.
  sortByCodeUnits(pairs)
  const base = joinPairs(url, pairs)
  return SURROGATE.test(base) ? exactBaseString(url, pairs) : base
}

const SURROGATE = /[\uD800-\uDFFF]/

function exactBaseString (url: string, pairs: readonly Pair[]): string {
  // Each key and value is UTF-8 encoded on its own, so a lone surrogate
  // becomes U+FFFD here, before sorting and joining: otherwise two halves in
  // adjacent parts would join into one character that no sender encoded, and
  // the sort would disagree with the bytes that are HMAC'd.
  const parts: Pair[] = pairs.map(([key, value]) => [wellFormed(key), wellFormed(value)])
  parts.sort(comparePairs)
  return joinPairs(url, parts)
}

function joinPairs (url: string, pairs: readonly Pair[]): string {
  let base = url
  for (const [key, value] of pairs) base += key + value
  return base
}

// Under this many pairs an insertion sort beats Array.prototype.sort, whose
// fixed cost and comparator calls dominate; the vendor's sample has 42.
const INSERTION_SORT_MAX = 64

/** Sorts pairs in place by key then value, by UTF-16 code units (the engine's `<`). */
function sortByCodeUnits (pairs: Pair[]): void {
  if (pairs.length > INSERTION_SORT_MAX) {
    pairs.sort(compareCodeUnits)
    return
  }
  for (let index = 1; index < pairs.length; index++) {
    const pair = pairs[index] as Pair
    // Payloads often arrive nearly sorted: then this one comparison is all.
    if (compareCodeUnits(pairs[index - 1] as Pair, pair) <= 0) continue
    // Otherwise gallop back from the end of the sorted part (1, 2, 4, …
    // places), then search between: a pair that belongs near the end, as in
    // the vendor's sample, costs two comparisons rather than a full search.
    let high = index - 1
    let step = 1
    let low = high - step
    while (low >= 0 && compareCodeUnits(pairs[low] as Pair, pair) > 0) {
      high = low
      step *= 2
      low = high - step
    }
    low = low < 0 ? 0 : low + 1
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareCodeUnits(pairs[middle] as Pair, pair) > 0) high = middle
      else low = middle + 1
    }
    // A plain loop: copyWithin is several times slower on short arrays.
    for (let at = index; at > low; at--) pairs[at] = pairs[at - 1] as Pair
    pairs[low] = pair
  }
}

function compareCodeUnits (a: Pair, b: Pair): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1
  return 0
}

// toWellFormed replaces lone surrogates only (a high half not followed by a
// low one, or a low half not preceded by a high one) with U+FFFD, exactly as
// the UTF-8 encoder does; the check first keeps the common case a scan.
function wellFormed (text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed()
}

/**
 * Signs a payload as the vendor does; the exact mirror of `verifySignature`,
 * public so that you can write tests and send signed requests yourself.
 *
 * @param key the webhook's signature key (UTF-8); must not be empty
 * @param url the endpoint URL exactly as entered in the vendor's interface
 * @param payload a plain object or `[key, value]` pairs
 * @returns standard base64 with padding, 28 characters
 * @throws {TypeError} for an empty or non-string key
 */
export function sign (key: string, url: string, payload: SignaturePayload): string {
  assertKey(key)
  return hmac(key, signatureBaseString(url, payload))
}

/** Arguments of `verifySignature`. */
export interface VerifySignatureOptions {
  /** the signature key, or a list during rotation: valid if any one matches */
  key: SignatureKeys
  /** the endpoint URL exactly as entered in the vendor's interface */
  url: string
  /** the request's POST variables, as a plain object or `[key, value]` pairs */
  payload: SignaturePayload
  /** the `X-CALLTRACKING-SIGNATURE` header as received: a string, or `undefined` / an array (never matching) */
  signature: string | readonly string[] | undefined
}

/**
 * Checks a received signature against the payload, in constant time per key.
 * The comparison is of base64 text, so only the exact spelling of the digest
 * passes (no unpadded, URL-safe or whitespace variants). A missing, empty,
 * repeated (`a, b`), short or long header returns `false`; it never throws.
 *
 * @returns `true` when the signature matches one of the keys
 * @throws {TypeError} when `key` is empty, an empty list, holds an empty key, or is neither a string nor a list (a configuration error, never a key that signs)
 */
export function verifySignature ({ key, url, payload, signature }: VerifySignatureOptions): boolean {
  const keys = typeof key === 'string' ? [key] : key
  // An unset environment variable arrives here as undefined: say so plainly.
  if (!Array.isArray(keys)) throw new TypeError('fastify-magnetis-webhooks: the signature key must be a string or a list of strings')
  if (keys.length === 0) throw new TypeError('fastify-magnetis-webhooks: the list of signature keys is empty')
  for (const candidate of keys) assertKey(candidate)
  if (typeof signature !== 'string' || signature.length !== SIGNATURE_LENGTH) return false

  // UTF-8, not Latin-1: Latin-1 keeps only the low byte, so "Ł" (U+0141)
  // would pass for "A". Any non-ASCII character makes the buffer longer.
  const received = Buffer.from(signature, 'utf8')
  if (received.length !== SIGNATURE_LENGTH) return false
  const base = signatureBaseString(url, payload)
  let matched = false
  // Every key is tried, so timing does not tell which one matched.
  for (const candidate of keys) {
    const expected = Buffer.from(hmac(candidate, base), 'utf8')
    if (timingSafeEqual(expected, received)) matched = true
  }
  return matched
}

function hmac (key: string, base: string): string {
  return createHmac('sha1', key).update(base, 'utf8').digest('base64')
}

function assertKey (key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new TypeError('fastify-magnetis-webhooks: a signature key must be a non-empty string')
  }
}

function isPairIterable (payload: SignaturePayload): payload is Iterable<readonly [string, string]> {
  return typeof (payload as Iterable<unknown>)[Symbol.iterator] === 'function'
}

/** Orders pairs by key then value, by UTF-8 bytes. */
export function comparePairs (a: Pair, b: Pair): number {
  return compareUtf8(a[0], b[0]) || compareUtf8(a[1], b[1])
}

/**
 * Compares two well-formed strings (no lone surrogates; `signatureBaseString`
 * replaces those first) in UTF-8 byte order without encoding them. UTF-16
 * code-unit order agrees with UTF-8 byte order except that surrogates
 * (U+D800–U+DFFF, the halves of code points above U+FFFF) must sort after
 * U+E000–U+FFFF; shifting those two ranges fixes it.
 */
export function compareUtf8 (a: string, b: string): number {
  if (a === b) return 0
  const length = Math.min(a.length, b.length)
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index)
    const y = b.charCodeAt(index)
    if (x !== y) {
      if (x >= 0xd800 && y >= 0xd800) return utf8Rank(x) - utf8Rank(y)
      return x - y
    }
  }
  return a.length - b.length
}

function utf8Rank (unit: number): number {
  if (unit >= 0xe000) return unit - 0x800
  return unit + 0x2000
}
