/**
 * The signature rule of the vendor page's "Request Signature and Securing
 * Exchanges" / "Generating a Signature" sections, pure and framework-free:
 *
 *   signature = base64( HMAC-SHA1( key, url + key1 + value1 + key2 + value2 + … ) )
 *
 * with `url` exactly as typed in the vendor's interface and the POST
 * variables sorted by key. The README's "Signature rule" is the normative
 * text; the tests quote it step by step.
 */
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
 * @returns the string that is HMAC'd (UTF-8)
 * @throws {MalformedBodyError} (400) when a plain object nests deeper than 32 levels
 */
export function signatureBaseString (url: string, payload: SignaturePayload): string {
  const pairs = isPairIterable(payload) ? Array.from(payload) : flattenPayload(payload)
  pairs.sort(comparePairs)
  let base = url
  for (const [key, value] of pairs) base += key + value
  return base
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
 * @throws {TypeError} when `key` is empty, an empty list, or holds an empty key (a configuration error, never a key that signs)
 */
export function verifySignature ({ key, url, payload, signature }: VerifySignatureOptions): boolean {
  const keys = typeof key === 'string' ? [key] : key
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
 * Compares two strings in UTF-8 byte order without encoding them. UTF-16
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
