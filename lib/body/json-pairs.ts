/**
 * A JSON body → the pairs PHP's `http_build_query` gives for
 * `json_decode($body, true)` (docs/signature-rule.md, "Numbers"). The body
 * is parsed by `JSON.parse`; only when a number's text depends on how its
 * literal was written (`-0`, `1e14`, past 2^53) is it read again by
 * lossless-json, which keeps each number's source text.
 */
import { parse } from 'lossless-json'
import { flattenParsedJson, flattenPayload, NumberLiteral, type Pair } from '../signature/flatten.js'

/**
 * @param text the body as text
 * @param json `JSON.parse(text)`, an object
 * @param maxDepth nesting allowed below the top-level object
 * @throws {MalformedBodyError} (400) past `maxDepth`
 */
export function jsonPairs (text: string, json: Record<string, unknown>, maxDepth: number): Pair[] {
  return flattenParsedJson(json, maxDepth) ?? flattenPayload(parseWithLiterals(text), maxDepth)
}

function parseWithLiterals (text: string): Record<string, unknown> {
  return parse(text, null, {
    parseNumber: (literal) => new NumberLiteral(literal),
    // As JSON.parse and PHP's json_decode: the last of repeated keys wins.
    onDuplicateKey: ({ newValue }) => newValue
  }) as Record<string, unknown>
}
