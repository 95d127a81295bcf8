// Raw body → POST variables (step 2 of docs/signature-rule.md): parsed objects come from the signed bytes, never the reverse.
import { MalformedBodyError } from '../errors.js'
import { bodyEncodingOf, unsupportedMediaType, type BodyEncoding } from './media-types.js'
import { DEFAULT_MAX_DEPTH, flattenPayload, joinedPairsInKeyOrder, type Pair } from '../signature/flatten.js'
import { jsonPairs } from './json-pairs.js'
import { formPairs } from './form-pairs.js'

/** A body read once: its pairs (what is signed); for JSON the parsed object, `alternatives` when integer literals may stand for PHP floats (also accepted), and `forbiddenKeys: false` when the object holds none of `FORBIDDEN_KEYS`. */
export interface ReadBody {
  encoding: BodyEncoding
  pairs: Pair[]
  json?: Record<string, unknown>
  alternatives?: Pair[][]
  forbiddenKeys?: boolean
  /** The pairs' keys and values joined in key order, in pieces (the signature base string after the URL), for a long JSON body read with `joinPairs`; its `pairs` are then made only when asked for. */
  joinedPairs?: string[]
}

/** JSON bodies longer than this (characters) are joined in key order when the caller can use it: many pairs then cost more to sort and keep than to walk in order. */
export const KEY_ORDER_MIN_LENGTH = 4096

/** The signed pairs in arrival order (docs/signature-rule.md, step 2). @throws {UnsupportedMediaTypeError} (415); {MalformedBodyError} (400) for bad JSON or nesting past `maxDepth` */
export function pairsFromBody (rawBody: Buffer | string, contentType: string | undefined, maxDepth = DEFAULT_MAX_DEPTH): Pair[] {
  return readBody(rawBody, contentType, maxDepth).pairs
}

/** `pairsFromBody` that also returns the parsed JSON object; used by the plugin, with `joinPairs` (see `ReadBody.joinedPairs`). */
export function readBody (rawBody: Buffer | string, contentType: string | undefined, maxDepth = DEFAULT_MAX_DEPTH, joinPairs = false): ReadBody {
  const encoding = bodyEncodingOf(contentType)
  if (encoding === 'form') return { encoding, pairs: formPairs(rawBody) }
  if (encoding === 'json') {
    const text = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')
    const json = parseJsonObject(text)
    const joined = joinPairs && text.length > KEY_ORDER_MIN_LENGTH ? joinedPairsInKeyOrder(json, maxDepth) : undefined
    if (joined !== undefined) return withPairsOnDemand(json, joined.joined, joined.forbiddenKeys, maxDepth)
    const { pairs, alternatives, forbiddenKeys } = jsonPairs(text, json, maxDepth)
    return { encoding, pairs, alternatives, forbiddenKeys, json }
  }
  throw unsupportedMediaType(contentType)
}

function withPairsOnDemand (json: Record<string, unknown>, joinedPairs: string[], forbiddenKeys: boolean, maxDepth: number): ReadBody {
  let pairs: Pair[] | undefined
  return {
    encoding: 'json',
    json,
    joinedPairs,
    forbiddenKeys,
    // No number needs its literal (joinedPairsInKeyOrder checked): JSON.parse's object gives the very pairs joined.
    get pairs () { return (pairs ??= flattenPayload(json, maxDepth)) }
  }
}

/** A JSON body that must be an object, one leading BOM skipped. @throws {MalformedBodyError} (400) otherwise, never quoting the body */
export function parseJsonObject (text: string): Record<string, unknown> {
  let value: unknown
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (error) {
    // V8's message quotes the body (a phone number, say) and loggers print causes: keep only the position.
    const at = /position (\d+)/.exec((error as Error).message)?.[1]
    const where = at === undefined ? '' : ` at position ${at}`
    throw new MalformedBodyError(`the body is not valid JSON${where}`, { cause: new SyntaxError(`invalid JSON${where}`) })
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedBodyError('the JSON body must be an object such as {"event": "…", "data": {…}}')
  }
  return value as Record<string, unknown>
}
