/**
 * A JSON body → the pairs of `http_build_query(json_decode($body, true))`
 * (docs/signature-rule.md, "Numbers"): `JSON.parse`, and lossless-json only
 * when a number's text depends on its literal.
 */
import { parse } from 'lossless-json'
import { flattenLiterals, flattenParsedJson, NumberLiteral, type FloatChoice, type Pair } from '../signature/flatten.js'

/** Integer literals that may each stand for a float, up to which every combination is a reading (2^3 = 8 readings at most). */
export const MAX_COMBINED_CHOICES = 3

/**
 * The pairs of a JSON body (`json` is `JSON.parse(text)`) as `json_decode` reads it, and `alternatives` when integer
 * literals may stand for PHP floats: each combination read as floats (all at once past `MAX_COMBINED_CHOICES`);
 * `forbiddenKeys` is false only when `json` holds none of `FORBIDDEN_KEYS`.
 * @throws {MalformedBodyError} (400) past `maxDepth`
 */
export function jsonPairs (text: string, json: Record<string, unknown>, maxDepth: number): { pairs: Pair[], alternatives?: Pair[][], forbiddenKeys: boolean } {
  const flattened = flattenParsedJson(json, maxDepth)
  if (flattened !== undefined) return flattened
  // Another parse than `json`'s: whether `json` holds a forbidden key is left to the event reader's walk.
  const read = flattenLiterals(parseWithLiterals(text), maxDepth)
  const choices = read.floatChoices
  if (choices.length === 0) return { pairs: read.pairs, forbiddenKeys: true }
  const masks = choices.length <= MAX_COMBINED_CHOICES ? Array.from({ length: 2 ** choices.length - 1 }, (_, index) => index + 1) : [-1]
  return { pairs: read.pairs, alternatives: masks.map((mask) => withFloats(read.pairs, choices, mask)), forbiddenKeys: true }
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
  // A leading byte-order mark is skipped, as parseJsonObject does.
  return parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, null, {
    parseNumber: (literal) => new NumberLiteral(literal),
    // As JSON.parse and PHP's json_decode: the last of repeated keys wins.
    onDuplicateKey: ({ newValue }) => newValue
  }) as Record<string, unknown>
}
