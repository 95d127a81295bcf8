/**
 * An independent implementation of the signature rule (docs/signature-rule.md),
 * for tests only. It imports nothing from lib/ and shares none of its
 * techniques: the form body is parsed byte by byte (no URLSearchParams), pairs
 * are sorted with `Buffer.compare` on their UTF-8 bytes (no UTF-16 tricks),
 * the signature base is assembled as bytes, and the HMAC comes straight from
 * node:crypto. Tests compare lib/ against it, and the literal signatures in
 * the tests were printed by it (see `referenceSign`).
 */
import { createHmac } from 'node:crypto'
import { referencePhpNumber } from './reference-php-number.js'

/** One POST variable, decoded. */
export type ReferencePair = [key: string, value: string]

/** What the reference signer accepts: a plain object, or pairs as received. */
export type ReferencePayload = Record<string, unknown> | ReadonlyArray<readonly [string, string]>

const PLUS = 0x2b
const PERCENT = 0x25
const AMPERSAND = 0x26
const EQUALS = 0x3d
const SPACE = 0x20

/**
 * Step 2, form bodies: the WHATWG application/x-www-form-urlencoded parser,
 * written from its description. Works on bytes so that raw non-ASCII bytes
 * and percent-escapes join into one UTF-8 sequence, as they do in PHP.
 */
export function referenceFormPairs (rawBody: Buffer | string): ReferencePair[] {
  const bytes = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody
  const pairs: ReferencePair[] = []
  let start = 0
  while (start <= bytes.length) {
    let end = bytes.indexOf(AMPERSAND, start)
    if (end === -1) end = bytes.length
    const part = bytes.subarray(start, end)
    if (part.length > 0) {
      const equals = part.indexOf(EQUALS)
      const name = equals === -1 ? part : part.subarray(0, equals)
      const value = equals === -1 ? part.subarray(part.length) : part.subarray(equals + 1)
      pairs.push([decodeComponent(name), decodeComponent(value)])
    }
    start = end + 1
  }
  return pairs
}

function isHexDigit (byte: number | undefined): boolean {
  return byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
}

function decodeComponent (bytes: Buffer): string {
  const out: number[] = []
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index] as number
    if (byte === PLUS) {
      out.push(SPACE)
    } else if (byte === PERCENT && isHexDigit(bytes[index + 1]) && isHexDigit(bytes[index + 2])) {
      out.push(Number.parseInt(String.fromCharCode(bytes[index + 1] as number, bytes[index + 2] as number), 16))
      index += 2
    } else {
      out.push(byte)
    }
  }
  // ignoreBOM keeps a leading U+FEFF: the WHATWG parser decodes "without BOM".
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.from(out))
}

/**
 * Step 2, structured payloads: PHP http_build_query's pairs, as the contract
 * words them (numbers as PHP writes what JSON.stringify writes, see
 * reference-php-number.ts; true "1", false "0", null / undefined / [] / {}
 * no pair), in document order.
 */
export function referenceFlatten (payload: Record<string, unknown>): ReferencePair[] {
  const pairs: ReferencePair[] = []
  const visit = (name: string, value: unknown): void => {
    if (value === null || value === undefined) return
    if (typeof value === 'string') pairs.push([name, value])
    else if (typeof value === 'number') {
      const text = referencePhpNumber(value)
      if (text !== undefined) pairs.push([name, text])
    }
    else if (typeof value === 'boolean') pairs.push([name, value ? '1' : '0'])
    else if (Array.isArray(value)) value.forEach((item, index) => visit(`${name}[${index}]`, item))
    else if (typeof value === 'object') for (const [child, item] of Object.entries(value)) visit(`${name}[${child}]`, item)
    else throw new TypeError(`reference signer: cannot flatten a ${typeof value}`)
  }
  for (const [name, value] of Object.entries(payload)) visit(name, value)
  return pairs
}

function pairsOf (payload: ReferencePayload): ReferencePair[] {
  return Array.isArray(payload)
    ? (payload as ReadonlyArray<readonly [string, string]>).map(([key, value]) => [key, value])
    : referenceFlatten(payload as Record<string, unknown>)
}

/** Step 3: the pairs sorted by the UTF-8 bytes of the key, then of the value. */
export function referenceSortedPairs (payload: ReferencePayload): Array<[key: Buffer, value: Buffer]> {
  return pairsOf(payload)
    .map(([key, value]): [Buffer, Buffer] => [Buffer.from(key, 'utf8'), Buffer.from(value, 'utf8')])
    .sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]))
}

/** Steps 1, 3, 4: the bytes that are HMAC'd (each part UTF-8 encoded on its own). */
export function referenceBaseBytes (url: string, payload: ReferencePayload): Buffer {
  const parts: Buffer[] = [Buffer.from(url, 'utf8')]
  for (const [key, value] of referenceSortedPairs(payload)) parts.push(key, value)
  return Buffer.concat(parts)
}

/** The signature base as text (lone surrogates read back as U+FFFD, as the UTF-8 encoder writes them). */
export function referenceBaseString (url: string, payload: ReferencePayload): string {
  return referenceBaseBytes(url, payload).toString('utf8')
}

/** Step 5: base64(HMAC-SHA1(key as UTF-8, base bytes)), standard alphabet, padded. */
export function referenceSign (key: string, url: string, payload: ReferencePayload): string {
  return createHmac('sha1', Buffer.from(key, 'utf8')).update(referenceBaseBytes(url, payload)).digest('base64')
}

/**
 * A form body as PHP's http_build_query would write the payload, but with
 * encodeURIComponent's percent-encoding (space as %20, brackets as %5B/%5D);
 * `spaceAsPlus` writes spaces as "+" instead, as PHP's default does.
 */
export function httpBuildQuery (payload: ReferencePayload, { spaceAsPlus = false } = {}): string {
  const encode = (text: string): string => {
    const encoded = encodeURIComponent(text)
    return spaceAsPlus ? encoded.replaceAll('%20', '+') : encoded
  }
  return pairsOf(payload).map(([key, value]) => `${encode(key)}=${encode(value)}`).join('&')
}
