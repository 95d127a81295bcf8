// A raw body against its signature, as the plugin checks every delivery: docs/signature-rule.md, steps 1 to 5.
import { assertKeys, verifyJoinedPairs, verifySignature, type SignatureKeys } from '../signature/sign.js'
import { DEFAULT_MAX_DEPTH } from '../signature/flatten.js'
import { readBody, type ReadBody } from './read.js'

/** Arguments of `verifyRawBody`: the body as received (bytes, or text decoded as UTF-8) and its `Content-Type` header. */
export interface VerifyRawBodyOptions {
  key: SignatureKeys
  url: string
  rawBody: Buffer | string
  contentType: string | undefined
  /** The `X-CALLTRACKING-SIGNATURE` header as received (`undefined` or an array never matches). */
  signature: string | readonly string[] | undefined
  /** Nesting levels allowed below the top-level object (default 32). */
  maxDepth?: number
}

/**
 * Whether a request's raw body carries the vendor's signature ("Generating a Signature", vendor page), read exactly as
 * the plugin reads it: `pairsFromBody`'s pairs, a JSON body's integer literals also read as PHP floats
 * (docs/signature-rule.md, "Numbers"), and a long JSON body's pairs joined in key order rather than sorted
 * (docs/design.md, "Key order"). Compared in constant time; any one of several keys may match.
 * @throws {TypeError} for an empty or non-string key or list (before the body is read); {UnsupportedMediaTypeError} (415) for a media type
 * other than JSON or a form; {MalformedBodyError} (400) for bad JSON or nesting past `maxDepth`
 */
export function verifyRawBody ({ key, url, rawBody, contentType, signature, maxDepth = DEFAULT_MAX_DEPTH }: VerifyRawBodyOptions): boolean {
  // A bad key is the caller's mistake whatever the body: said first.
  assertKeys(key)
  return verifyReadBody(readBody(rawBody, contentType, maxDepth, true), key, url, signature)
}

/** `verifyRawBody` for a body `readBody` read already (the plugin's preHandler). @throws {TypeError} as `verifySignature` */
export function verifyReadBody (body: ReadBody, key: SignatureKeys, url: string, signature: string | readonly string[] | undefined): boolean {
  if (body.joinedPairs !== undefined) return verifyJoinedPairs({ key, url, joined: body.joinedPairs, signature })
  if (verifySignature({ key, url, payload: body.pairs, signature })) return true
  const alternatives = body.alternatives
  return alternatives !== undefined && alternatives.some((pairs) => verifySignature({ key, url, payload: pairs, signature }))
}
