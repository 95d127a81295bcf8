/**
 * Raw body → POST variables (step 2 of the README's signature rule). The
 * raw body is what was signed; parsed objects are derived from it, never the
 * reverse, so nothing a parser normalises can change what is verified.
 */
import { MalformedBodyError } from '../errors.js'
import { bodyEncodingOf, unsupportedMediaType, type BodyEncoding } from './media-types.js'
import { DEFAULT_MAX_DEPTH, type Pair } from '../signature/flatten.js'
import { jsonPairs } from './json-pairs.js'
import { formPairs } from './form-pairs.js'

/** A body read once: its pairs (what is signed) and, for JSON, the parsed object (so it is not parsed twice). */
export interface ReadBody {
  encoding: BodyEncoding
  pairs: Pair[]
  /** the parsed JSON object; `undefined` for a form body */
  json?: Record<string, unknown>
  /** for JSON whose integer literals may stand for PHP floats (`-0`, 1e14 or more): the pairs with them read as floats, also accepted */
  alternatives?: Pair[][]
}

/**
 * Reads a raw body into the pairs that the signature covers.
 *
 * - form: split on `&`, each part on its first `=`; `+` is a space; percent
 *   sequences decode as UTF-8 together with any raw bytes beside them (WHATWG
 *   `URLSearchParams` on the body's bytes: an invalid sequence stays literal,
 *   bytes that are not UTF-8 become U+FFFD); a part without `=`
 *   has the value `""`; empty parts are skipped; keys stay literal.
 * - json: the object's pairs as PHP's `http_build_query` would send `json_decode($body, true)`
 *   (see `flattenPayload`; numbers as PHP writes each literal: `phpNumberLiteralText`).
 *
 * @param rawBody the bytes as received (a string is taken as UTF-8 text)
 * @param contentType the request's `Content-Type` header
 * @param maxDepth nesting allowed in a JSON body (default 32)
 * @returns `[key, value]` pairs in arrival order (not sorted)
 * @throws {UnsupportedMediaTypeError} (415) for a media type other than form or JSON
 * @throws {MalformedBodyError} (400) for malformed JSON, a JSON value that is not an object, or nesting past `maxDepth`
 */
export function pairsFromBody (rawBody: Buffer | string, contentType: string | undefined, maxDepth = DEFAULT_MAX_DEPTH): Pair[] {
  return readBody(rawBody, contentType, maxDepth).pairs
}

/** `pairsFromBody` that also returns the parsed JSON object; used by the plugin. */
export function readBody (rawBody: Buffer | string, contentType: string | undefined, maxDepth = DEFAULT_MAX_DEPTH): ReadBody {
  const encoding = bodyEncodingOf(contentType)
  if (encoding === 'form') return { encoding, pairs: formPairs(rawBody) }
  if (encoding === 'json') {
    const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')
    const json = parseJsonObject(text)
    return { encoding, ...jsonPairs(text, json, maxDepth), json }
  }
  throw unsupportedMediaType(contentType)
}

/**
 * Parses a JSON body that must be an object (the envelope), skipping one leading BOM (U+FEFF).
 * @throws {MalformedBodyError} (400) for malformed JSON or a value that is not an object; the message never quotes the body
 */
export function parseJsonObject (text: string): Record<string, unknown> {
  let value: unknown
  try {
    // One leading UTF-8 byte order mark is skipped, as Fastify's JSON parser does; it is no POST variable.
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (error) {
    // V8's message quotes the body (a phone number, say) and loggers print
    // causes: keep only the position.
    const at = /position (\d+)/.exec((error as Error).message)?.[1]
    const where = at === undefined ? '' : ` at position ${at}`
    throw new MalformedBodyError(`the body is not valid JSON${where}`, { cause: new SyntaxError(`invalid JSON${where}`) })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedBodyError('the JSON body must be an object such as {"event": "…", "data": {…}}')
  }
  return value as Record<string, unknown>
}
