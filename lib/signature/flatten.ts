/**
 * The POST variables of a structured payload: our reading of the vendor's
 * "Sort the POST variables of the request by key" for a payload with nested
 * objects ("Generating a Signature", vendor page). A payload has the pairs it
 * would have if PHP's `http_build_query` sent it as a form, so one event
 * signs the same whichever way it travels. Replace it with the
 * `pairsFromBody` option if the vendor is found to do otherwise.
 */
import { MalformedBodyError } from '../errors.js'

/** One POST variable: `[key, value]`, both already decoded (no percent-encoding). */
export type Pair = readonly [key: string, value: string]

/** How deep a payload may nest (objects and arrays) before it is refused: the vendor's sample nests 4 deep. */
export const DEFAULT_MAX_DEPTH = 32

/**
 * Flattens a plain object into pairs, in document order:
 * nested keys as `parent[child]`, array items as `parent[0]`, `parent[1]`, …;
 * strings as they are; numbers as JavaScript's shortest round-trip text
 * (`String(n)`); `true` → `"1"`, `false` → `"0"`; `null`, `undefined`, `[]`
 * and `{}` contribute no pair.
 *
 * @param payload a plain object (a parsed JSON body)
 * @param maxDepth nesting levels allowed below the top-level object
 * @throws {MalformedBodyError} (400) past `maxDepth`, or for a value JSON cannot hold (function, symbol, bigint)
 */
export function flattenPayload (payload: Record<string, unknown>, maxDepth = DEFAULT_MAX_DEPTH): Pair[] {
  const pairs: Pair[] = []
  for (const key of Object.keys(payload)) {
    flattenValue(pairs, key, payload[key], 1, maxDepth)
  }
  return pairs
}

function flattenValue (pairs: Pair[], key: string, value: unknown, depth: number, maxDepth: number): void {
  switch (typeof value) {
    case 'string':
      pairs.push([key, value])
      return
    case 'number':
      pairs.push([key, String(value)])
      return
    case 'boolean':
      pairs.push([key, value ? '1' : '0'])
      return
    case 'undefined':
      return
    case 'object':
      if (value === null) return
      // Recursion stays shallow: depth is bounded before it can exhaust the stack.
      if (depth > maxDepth) {
        throw new MalformedBodyError(`the payload nests deeper than ${maxDepth} levels`)
      }
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          flattenValue(pairs, `${key}[${index}]`, value[index], depth + 1, maxDepth)
        }
      } else {
        const object = value as Record<string, unknown>
        for (const child of Object.keys(object)) {
          flattenValue(pairs, `${key}[${child}]`, object[child], depth + 1, maxDepth)
        }
      }
      return
    default:
      throw new MalformedBodyError(`the payload holds a ${typeof value} at "${key}", which a form or JSON body cannot carry`)
  }
}
