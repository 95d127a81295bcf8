/**
 * The POST variables of a structured payload: our reading of the vendor's
 * "Sort the POST variables of the request by key" for a payload with nested
 * objects ("Generating a Signature", vendor page). A payload has the pairs it
 * would have if PHP's `http_build_query` sent it as a form, so one event
 * signs the same whichever way it travels. Replace it with the
 * `pairsFromBody` option if the vendor is found to do otherwise.
 */
import { MalformedBodyError } from '../errors.js'
import { integerLiteralMayBeFloat, numberTextDependsOnLiteral, phpFloatText, phpNumberLiteralText, phpNumberText } from './php-numbers.js'

/** One POST variable: `[key, value]`, both already decoded (no percent-encoding). */
export type Pair = readonly [key: string, value: string]

/** How deep a payload may nest (objects and arrays) before it is refused: the vendor's sample nests 4 deep. */
export const DEFAULT_MAX_DEPTH = 32

/** A JSON number literal as written in the body (`1e14`, `-0.0`, `9007199254740993`), for `flattenPayload`. */
export class NumberLiteral {
  constructor (readonly text: string) {}
}

/**
 * Flattens a plain object into pairs, in document order:
 * nested keys as `parent[child]`, array items as `parent[0]`, `parent[1]`, …;
 * strings as they are; a number as PHP writes it after reading it from
 * `JSON.stringify`'s text (`phpNumberText`: `43`, `0.3`, `1.0E+21`; `NaN`
 * and `±Infinity` give no pair), a `NumberLiteral` as PHP writes that
 * literal; `true` → `"1"`, `false` → `"0"`; `null`, `undefined`, `[]` and
 * `{}` contribute no pair.
 *
 * @param payload a plain object (a parsed JSON body)
 * @param maxDepth nesting levels allowed below the top-level object
 * @throws {MalformedBodyError} (400) past `maxDepth`, or for a value JSON cannot hold (function, symbol, bigint)
 */
export function flattenPayload (payload: Record<string, unknown>, maxDepth = DEFAULT_MAX_DEPTH): Pair[] {
  return flatten(payload, maxDepth, false).pairs
}

/** A pair whose integer literal may stand for a PHP float: its index in the pairs, and its text as that float. */
export interface FloatChoice { at: number, floatText: string }

/**
 * The pairs of a payload whose numbers are `NumberLiteral`s, read as PHP's
 * `json_decode` reads them, and each integer literal that PHP's `json_encode`
 * writes for a float (`-0`, 1e14 or more) as a choice: a PHP sender that signs
 * its own floats and sends `json_encode`'s text signs the float's text.
 * @throws {MalformedBodyError} (400) as `flattenPayload`
 */
export function flattenLiterals (payload: Record<string, unknown>, maxDepth = DEFAULT_MAX_DEPTH): { pairs: Pair[], floatChoices: FloatChoice[] } {
  const { pairs, floatChoices } = flatten(payload, maxDepth, false)
  return { pairs, floatChoices }
}

/**
 * `flattenPayload` for an object that `JSON.parse` made from a body, or
 * `undefined` when one of its numbers is written as PHP writes its literal,
 * which `JSON.parse` did not keep (`-0`, a whole number of 1e14 or more):
 * read the body again with each number's literal then.
 * @throws {MalformedBodyError} (400) as `flattenPayload`
 */
export function flattenParsedJson (payload: Record<string, unknown>, maxDepth = DEFAULT_MAX_DEPTH): Pair[] | undefined {
  const flattened = flatten(payload, maxDepth, true)
  return flattened.literalNeeded ? undefined : flattened.pairs
}

interface Flattening {
  pairs: Pair[]
  maxDepth: number
  /** look for a number whose text depends on its literal */
  checkLiterals: boolean
  literalNeeded: boolean
  floatChoices: FloatChoice[]
}

function flatten (payload: Record<string, unknown>, maxDepth: number, checkLiterals: boolean): Flattening {
  const state: Flattening = { pairs: [], maxDepth, checkLiterals, literalNeeded: false, floatChoices: [] }
  for (const key of Object.keys(payload)) {
    flattenValue(state, key, payload[key], 1)
  }
  return state
}

function flattenValue (state: Flattening, key: string, value: unknown, depth: number): void {
  const { pairs, maxDepth } = state
  switch (typeof value) {
    case 'string':
      pairs.push([key, value])
      return
    case 'number': {
      if (state.checkLiterals && numberTextDependsOnLiteral(value)) state.literalNeeded = true
      const text = phpNumberText(value)
      if (text !== undefined) pairs.push([key, text])
      return
    }
    case 'boolean':
      pairs.push([key, value ? '1' : '0'])
      return
    case 'undefined':
      return
    case 'object':
      if (value === null) return
      if (value instanceof NumberLiteral) {
        if (integerLiteralMayBeFloat(value.text)) state.floatChoices.push({ at: pairs.length, floatText: phpFloatText(Number(value.text)) })
        pairs.push([key, phpNumberLiteralText(value.text)])
        return
      }
      // Recursion stays shallow: depth is bounded before it can exhaust the stack.
      if (depth > maxDepth) {
        throw new MalformedBodyError(`the payload nests deeper than ${maxDepth} levels`)
      }
      if (Array.isArray(value)) {
        for (let index = 0; index < value.length; index++) {
          flattenValue(state, `${key}[${index}]`, value[index], depth + 1)
        }
      } else {
        const object = value as Record<string, unknown>
        for (const child of Object.keys(object)) {
          flattenValue(state, `${key}[${child}]`, object[child], depth + 1)
        }
      }
      return
    default:
      throw new MalformedBodyError(`the payload holds a ${typeof value} at "${key}", which a form or JSON body cannot carry`)
  }
}
