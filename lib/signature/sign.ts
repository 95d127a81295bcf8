// base64(HMAC-SHA1(key, url + key1 + value1 + …)), pairs sorted by key: docs/signature-rule.md, vendor page "Generating a Signature".
/// <reference lib="es2024.string" />
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'
import { flattenPayload, SURROGATE, type Pair } from './flatten.js'

/** The HTTP header that carries the signature (Node lower-cases header names). */
export const SIGNATURE_HEADER = 'x-calltracking-signature'

/** A payload to sign: a plain object (flattened as `http_build_query` would), or `[key, value]` pairs as received. */
export type SignaturePayload = Record<string, unknown> | Iterable<readonly [string, string]>

/** One signature key, or several during rotation (any one may match). */
export type SignatureKeys = string | readonly string[]

// Base64 of a 20-byte SHA-1 digest, padding included.
const SIGNATURE_LENGTH = 28

/** `url` as typed (never normalised), then each pair's key and value, sorted by UTF-8 bytes. @throws {MalformedBodyError} (400) past 32 levels of nesting */
export function signatureBaseString (url: string, payload: SignaturePayload): string {
  const given: readonly Pair[] = Array.isArray(payload) ? payload : isPairIterable(payload) ? Array.from(payload) : flattenPayload(payload)
  // Without surrogates, code-unit order is UTF-8 byte order (docs/design.md, "Sorting").
  if (given.length > INSERTION_SORT_MAX) {
    const sorted = given.slice().sort(compareCodeUnits)
    const base = joinPairs(url, sorted)
    return SURROGATE.test(base) ? exactBaseString(url, sorted) : base
  }
  // Few pairs: sorted as indexes, so a remembered order serves the next pairs with the same keys.
  const remembered = given.length === lastKeys.length && sameKeys(given, lastKeys)
  const order = remembered ? lastOrder : sortOrder(given)
  let base = url
  for (let at = 0; at < order.length; at++) {
    const pair = given[order[at] as number] as Pair
    base += pair[0] + pair[1]
  }
  // Remembered keys are distinct, not empty and hold no surrogate: the order depends on keys alone, and a key stands
  // between the URL and each value and between any two values, so no lone surrogate can meet another half; the whole
  // string made well formed is each part made so (docs/design.md, "Sorting the pairs").
  if (remembered) return wellFormed(base)
  return SURROGATE.test(base) ? exactBaseString(url, order.map((at) => given[at] as Pair)) : base
}


function exactBaseString (url: string, pairs: readonly Pair[]): string {
  // Lone surrogates become U+FFFD per part, as each part is UTF-8 encoded on its own.
  const parts: Pair[] = pairs.map(([key, value]) => [wellFormed(key), wellFormed(value)])
  parts.sort(comparePairs)
  return joinPairs(url, parts)
}

function joinPairs (url: string, pairs: readonly Pair[]): string {
  let base = url
  for (const [key, value] of pairs) base += key + value
  return base
}

// Under this many pairs an insertion sort beats Array.prototype.sort (the vendor's sample has 42).
const INSERTION_SORT_MAX = 64

// The last small set of pairs sorted: its keys in the order given, and where each sorted pair was in it. The vendor sends
// the same keys in the same order in every delivery (and the flatten's and form split's memories give the same strings),
// so the next sort is often this one again, known after one `===` per key. Only keys of at most 128 characters are kept:
// when the plugin reads a body, those are the memories' own copies, never slices that would keep the body alive (a
// caller's own pairs are kept until the next call); docs/performance.md, "Issue 13, fourth pass".
const MAX_KEPT_KEY_LENGTH = 128
let lastKeys: readonly string[] = []
let lastOrder: readonly number[] = []

/** Where each pair of the sorted order is in `pairs` (by code units), for at most INSERTION_SORT_MAX pairs. */
function sortOrder (pairs: readonly Pair[]): readonly number[] {
  const count = pairs.length
  const order = Array.from({ length: count }, (_, at) => at)
  sortIndexes(pairs, order)
  if (distinctAndShort(pairs, order)) {
    lastKeys = pairs.map((pair) => pair[0])
    lastOrder = order
  }
  return order
}

function sameKeys (pairs: readonly Pair[], keys: readonly string[]): boolean {
  for (let at = 0; at < keys.length; at++) if ((pairs[at] as Pair)[0] !== keys[at]) return false
  return true
}

/** Whether the pairs, in sorted `order`, have no key twice (so their order does not depend on values), none empty or too long to keep, and no surrogate in a key. */
function distinctAndShort (pairs: readonly Pair[], order: readonly number[]): boolean {
  for (let at = 0; at < order.length; at++) {
    const key = (pairs[order[at] as number] as Pair)[0]
    if (key.length === 0 || key.length > MAX_KEPT_KEY_LENGTH || (at > 0 && key === (pairs[order[at - 1] as number] as Pair)[0]) || SURROGATE.test(key)) return false
  }
  return true
}

/** Sorts `order` (indexes into `pairs`) by the pairs' code units: a galloping insertion sort, for at most INSERTION_SORT_MAX. */
function sortIndexes (pairs: readonly Pair[], order: number[]): void {
  const pairAt = (at: number): Pair => pairs[order[at] as number] as Pair
  for (let index = 1; index < order.length; index++) {
    const moving = order[index] as number
    const pair = pairs[moving] as Pair
    if (compareCodeUnits(pairAt(index - 1), pair) <= 0) continue
    // Gallop back from the end, then binary search: a pair that belongs near the end costs two comparisons.
    let high = index - 1
    let step = 1
    let low = high - step
    while (low >= 0 && compareCodeUnits(pairAt(low), pair) > 0) {
      high = low
      step *= 2
      low = high - step
    }
    low = low < 0 ? 0 : low + 1
    while (low < high) {
      const middle = (low + high) >>> 1
      if (compareCodeUnits(pairAt(middle), pair) > 0) high = middle
      else low = middle + 1
    }
    for (let at = index; at > low; at--) order[at] = order[at - 1] as number
    order[low] = moving
  }
}

function compareCodeUnits (a: Pair, b: Pair): number {
  // Keys differ in the common case: one `<` (and one `>`) decides it, without an equality scan first.
  const keyA = a[0]
  const keyB = b[0]
  if (keyA < keyB) return -1
  if (keyA > keyB) return 1
  const valueA = a[1]
  const valueB = b[1]
  return valueA < valueB ? -1 : valueA > valueB ? 1 : 0
}

function wellFormed (text: string): string {
  return text.isWellFormed() ? text : text.toWellFormed()
}

/** The vendor's signature of a payload: standard base64 with padding, 28 characters; the mirror of `verifySignature`. @throws {TypeError} for an empty or non-string key */
export function sign (key: string, url: string, payload: SignaturePayload): string {
  assertKey(key)
  return hmac(key, signatureBaseString(url, payload))
}

/** Arguments of `verifySignature`: `signature` is the header as received (`undefined` or an array never matches). */
export interface VerifySignatureOptions {
  key: SignatureKeys
  url: string
  payload: SignaturePayload
  signature: string | readonly string[] | undefined
}

/** `true` when the header's base64 text equals the signature under any key, in constant time. @throws {TypeError} for an empty or non-string key or list */
export function verifySignature ({ key, url, payload, signature }: VerifySignatureOptions): boolean {
  return matches(key, signature, url, payload, undefined)
}

/**
 * `verifySignature` given the pairs already joined in key order, in pieces (`joinedPairsInKeyOrder`): the signature
 * base string is `url` then each piece, hashed one after another, never copied into one string. Internal: the
 * plugin's own reading.
 * @throws {TypeError} as `verifySignature`
 */
export function verifyJoinedPairs ({ key, url, joined, signature }: Omit<VerifySignatureOptions, 'payload'> & { joined: readonly string[] }): boolean {
  return matches(key, signature, url, undefined, joined)
}

function matches (key: SignatureKeys, signature: string | readonly string[] | undefined, url: string, payload: SignaturePayload | undefined, joined: readonly string[] | undefined): boolean {
  assertKeys(key)
  if (typeof signature !== 'string' || signature.length !== SIGNATURE_LENGTH) return false

  // UTF-8, not Latin-1, which keeps only the low byte: "Ł" (U+0141) would pass for "A".
  const received = Buffer.from(signature, 'utf8')
  if (received.length !== SIGNATURE_LENGTH) return false
  // Without `joined`, the pairs are sorted and joined here: `url` alone then stands for the whole base string.
  const base = joined === undefined ? signatureBaseString(url, payload as SignaturePayload) : url
  if (typeof key === 'string') return timingSafeEqual(Buffer.from(hmac(key, base, joined), 'utf8'), received)
  let matched = false
  // Every key is tried, so timing does not tell which one matched.
  for (const candidate of key) {
    const expected = Buffer.from(hmac(candidate, base, joined), 'utf8')
    if (timingSafeEqual(expected, received)) matched = true
  }
  return matched
}

function hmac (key: string, base: string, rest?: readonly string[]): string {
  const digest = createHmac('sha1', keyObjectOf(key)).update(base, 'utf8')
  if (rest !== undefined) for (const piece of rest) digest.update(piece, 'utf8')
  return digest.digest('base64')
}

// A key made a KeyObject once rather than on every HMAC (its UTF-8 bytes, as `createHmac` takes a string): a route
// verifies with the same one or two keys every time. Bounded; a key is kept where the route keeps it anyway.
const MAX_KEY_OBJECTS = 16
const keyObjects = new Map<string, KeyObject>()

function keyObjectOf (key: string): KeyObject {
  let keyObject = keyObjects.get(key)
  if (keyObject === undefined) {
    if (keyObjects.size >= MAX_KEY_OBJECTS) keyObjects.clear()
    keyObject = createSecretKey(Buffer.from(key, 'utf8'))
    keyObjects.set(key, keyObject)
  }
  return keyObject
}

/** Checks a signature key or list of keys, as `verifySignature` does. @throws {TypeError} for an empty or non-string key, or an empty list */
export function assertKeys (key: unknown): asserts key is SignatureKeys {
  if (typeof key === 'string') assertKey(key)
  else {
    if (!Array.isArray(key)) throw new TypeError('fastify-magnetis-webhooks: the signature key must be a string or a list of strings')
    if (key.length === 0) throw new TypeError('fastify-magnetis-webhooks: the list of signature keys is empty')
    for (const candidate of key) assertKey(candidate)
  }
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

/** Compares two well-formed strings in UTF-8 byte order without encoding them (docs/design.md, "Sorting"). */
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
