/**
 * A JSON body → the pairs PHP's `http_build_query` gives for
 * `json_decode($body, true)` (docs/signature-rule.md, "Numbers"). The body
 * is parsed by `JSON.parse`; only when a number's text depends on how its
 * literal was written (`-0`, `1e14`, past 2^53) is it read again by
 * lossless-json, which keeps each number's source text.
 */
import { parse } from 'lossless-json'
import { flattenLiterals, flattenParsedJson, NumberLiteral, type FloatChoice, type Pair } from '../signature/flatten.js'

/** Integer literals that may each stand for a float, up to which every combination is a reading (2^3 = 8 readings at most). */
export const MAX_COMBINED_CHOICES = 3

/**
 * @param text the body as text
 * @param json `JSON.parse(text)`, an object
 * @param maxDepth nesting allowed below the top-level object
 * @returns the pairs as `json_decode` reads the body; and, when integer
 *   literals may stand for PHP floats (`flattenLiterals`), `alternatives`:
 *   every combination of them read as floats when there are at most
 *   `MAX_COMBINED_CHOICES`, else all of them as floats
 * @throws {MalformedBodyError} (400) past `maxDepth`
 */
export function jsonPairs (text: string, json: Record<string, unknown>, maxDepth: number): { pairs: Pair[], alternatives?: Pair[][] } {
  const pairs = flattenParsedJson(json, maxDepth)
  if (pairs !== undefined) return { pairs }
  const read = flattenLiterals(parseWithLiterals(text), maxDepth)
  const choices = read.floatChoices
  if (choices.length === 0) return { pairs: read.pairs }
  const masks = choices.length <= MAX_COMBINED_CHOICES ? Array.from({ length: 2 ** choices.length - 1 }, (_, index) => index + 1) : [-1]
  return { pairs: read.pairs, alternatives: masks.map((mask) => withFloats(read.pairs, choices, mask)) }
}

/** The pairs with the choices whose bit is set in `mask` read as floats (-1: all). */
function withFloats (pairs: Pair[], choices: FloatChoice[], mask: number): Pair[] {
  const chosen = pairs.slice()
  choices.forEach(({ at, floatText }, index) => {
    if ((mask >> index) & 1) chosen[at] = [pairs[at]![0], floatText]
  })
  return chosen
}

/** The body parsed with each number kept as its `NumberLiteral` (lossless-json); the last of repeated keys wins. */
export function parseWithLiterals (text: string): Record<string, unknown> {
  return parse(text, null, {
    parseNumber: (literal) => new NumberLiteral(literal),
    // As JSON.parse and PHP's json_decode: the last of repeated keys wins.
    onDuplicateKey: ({ newValue }) => newValue
  }) as Record<string, unknown>
}
