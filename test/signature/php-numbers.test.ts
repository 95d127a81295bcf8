// JSON numbers as PHP writes them (docs/signature-rule.md, "Numbers"):
// every vector of test/fixtures/php-number-vectors.json is PHP's own output
// (php scripts/php-vectors.php), checked in so that CI needs no PHP.
import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { integerLiteralMayBeFloat, numberTextDependsOnLiteral, phpFloatText, phpNumberLiteralText, phpNumberText } from '../../lib/signature/php-numbers.js'
import { flattenParsedJson, flattenPayload } from '../../lib/signature/flatten.js'
import { pairsFromBody, readBody } from '../../lib/body/read.js'
import { MAX_COMBINED_CHOICES } from '../../lib/body/json-pairs.js'
import { referencePhpFloat, referencePhpLiteral } from '../helpers/reference-php-number.js'

interface Vectors {
  php: string
  precision: number
  numbers: Array<{ literal: string, php: string | null }>
  encodedFloats: Array<{ literal: string, signed: string, decoded: string }>
  documents: Array<{ json: string, pairs: Array<[string, string]> }>
}
const vectors = JSON.parse(readFileSync(new URL('../fixtures/php-number-vectors.json', import.meta.url), 'utf8')) as Vectors

t.test('the vector set is large and made with PHP\'s default precision', async t => {
  t.equal(vectors.precision, 14)
  t.ok(vectors.numbers.length >= 500, `${vectors.numbers.length} number literals`)
})

t.test('phpNumberLiteralText writes every literal as PHP does', async t => {
  const wrong = vectors.numbers.filter(({ literal, php }) => phpNumberLiteralText(literal) !== php)
    .map(({ literal, php }) => ({ literal, php, ours: phpNumberLiteralText(literal) }))
  t.strictSame(wrong, [], `all ${vectors.numbers.length} literals agree`)
})

t.test('the independent oracle of the tests agrees with every vector too', async t => {
  const wrong = vectors.numbers.filter(({ literal, php }) => referencePhpLiteral(literal) !== php)
  t.strictSame(wrong, [])
})

t.test('random doubles of every magnitude: lib and the oracle agree (property)', async t => {
  await fc.assert(fc.property(fc.double({ noNaN: true }), (value) => phpFloatText(value) === referencePhpFloat(value)), { seed: 20261130, numRuns: 5000 })
  // Whole numbers and 15-digit ties, where PHP's exact-integer path keeps zeros.
  await fc.assert(fc.property(fc.integer({ min: 1e13, max: 2e15 }), fc.constantFrom('', '.5', '.25'), (whole, fraction) => {
    const value = Number(`${whole}${fraction}`)
    return phpFloatText(value) === referencePhpFloat(value)
  }), { seed: 20261130, numRuns: 5000 })
})

t.test('a JSON body reads into PHP\'s pairs for every literal, on either parsing path', async t => {
  const wrong = vectors.numbers.flatMap(({ literal, php }) => {
    const pairs = pairsFromBody(`{"n":${literal}}`, 'application/json')
    const expected = php === null ? [] : [['n', php]]
    return JSON.stringify(pairs) === JSON.stringify(expected) ? [] : [{ literal, php, pairs }]
  })
  t.strictSame(wrong, [], `all ${vectors.numbers.length} bodies agree`)
})

t.test('whole payloads: booleans, null, empty containers and nested numbers as http_build_query gives them', async t => {
  for (const { json, pairs } of vectors.documents) {
    t.strictSame(pairsFromBody(json, 'application/json'), pairs, json)
  }
  t.strictSame(vectors.documents[0]!.pairs, [['t', '1'], ['f', '0'], ['s', ''], ['z', '0']], 'PHP: true is 1, false is 0, null and [] and {} give no pair')
})

t.test('the issue\'s example signs as PHP\'s http_build_query writes it', async t => {
  const body = '{"a":1764412345.123456,"b":1e20,"c":-0.0,"d":0.30000000000000004,"e":43.0,"f":9007199254740993}'
  t.equal(new URLSearchParams(pairsFromBody(body, 'application/json') as Array<[string, string]>).toString(),
    'a=1764412345.1235&b=1.0E%2B20&c=-0&d=0.3&e=43&f=9007199254740993')
})

t.test('a JavaScript number signs as PHP reads JSON.stringify\'s text of it', async t => {
  // Every vector whose literal is what JSON.stringify writes for its value.
  const asJavaScriptWrites = vectors.numbers.filter(({ literal }) => JSON.stringify(Number(literal)) === literal)
  t.ok(asJavaScriptWrites.length >= 250, `${asJavaScriptWrites.length} vectors`)
  const wrong = asJavaScriptWrites.filter(({ literal, php }) => phpNumberText(Number(literal)) !== php)
  t.strictSame(wrong, [])
  t.strictSame(flattenPayload({ a: -0, b: 2 ** 63, c: -(2 ** 63), d: 1e21, e: 0.1 + 0.2, f: 1e14 }), [
    ['a', '0'], ['b', '9.2233720368548E+18'], ['c', '-9.2233720368548E+18'], ['d', '1.0E+21'], ['e', '0.3'], ['f', '100000000000000']
  ], 'JSON.stringify writes -0 as 0, whole numbers below 1e21 as integers (-2 ** 63 as -9223372036854776000, past PHP_INT_MIN)')
  t.strictSame(flattenPayload({ nan: Number.NaN, inf: Infinity, minus: -Infinity, kept: 1 }), [['kept', '1']], 'JSON.stringify writes NaN and ±Infinity as null: no pair')
  const signedAsJson = JSON.stringify({ a: 1e300, b: 123456789.987654321, c: 2 ** 60 })
  t.strictSame(flattenPayload(JSON.parse(signedAsJson) as Record<string, unknown>), pairsFromBody(signedAsJson, 'application/json'), 'sign() of an object agrees with reading its JSON')
})

t.test('phpFloatText: what JSON cannot carry, written as PHP writes it', async t => {
  t.equal(phpFloatText(Number.NaN), 'NAN')
  t.equal(phpFloatText(Infinity), 'INF')
  t.equal(phpFloatText(-Infinity), '-INF')
  t.equal(phpFloatText(-0), '-0')
  t.equal(phpFloatText(0), '0')
})

t.test('JSON.parse is enough unless a number\'s literal decides its text', async t => {
  for (const value of [-0, 1e14, -1e14, 2 ** 53, 1e300, Infinity, -Infinity]) {
    t.ok(numberTextDependsOnLiteral(value), `${Object.is(value, -0) ? '-0' : value} needs its literal`)
  }
  for (const value of [0, 1, 99999999999999, 1.5, 1e14 + 0.5, 1e-300, -12]) {
    t.notOk(numberTextDependsOnLiteral(value), `${value} does not`)
  }
  t.strictSame(flattenParsedJson({ a: 1.5, b: [2] }), { pairs: [['a', '1.5'], ['b[0]', '2']], forbiddenKeys: false })
  t.equal(flattenParsedJson({ a: 1.5, b: [1e15] }), undefined)
  t.equal(flattenParsedJson({ a: { b: -0 } }), undefined)
  t.throws(() => flattenParsedJson({ a: { b: { c: 1 } } }, 1), { statusCode: 400, message: /deeper than 1/ }, 'the depth limit holds on that path too')
})

t.test('an integer literal may stand for a float from 1e14 up to, not including, 1e17 (json_encode writes 1.0e+17 from there)', async t => {
  t.ok(integerLiteralMayBeFloat('100000000000000'), '1e14')
  t.ok(integerLiteralMayBeFloat('99999999999999980'), 'just below 1e17, in its shortest digits')
  t.notOk(integerLiteralMayBeFloat('100000000000000000'), '1e17: a PHP float there is sent as 1.0e+17, never as these digits')
  t.notOk(integerLiteralMayBeFloat('200000000000000000'), 'past 1e17')
  t.notOk(integerLiteralMayBeFloat('99999999999999'), 'below 1e14')
})

t.test('flattening parsed JSON tells whether a forbidden key is there, at any depth, so the event reader can skip its own walk', async t => {
  // Keys as long as the forbidden ones (9 and 11 characters), but not them.
  t.equal(flattenParsedJson(JSON.parse('{"abcdefghi":{"abcdefghijk":"1","list":[{"prototypE":"2"}]}}'))?.forbiddenKeys, false)
  for (const key of ['__proto__', 'constructor', 'prototype']) {
    t.equal(flattenParsedJson(JSON.parse(`{"${key}":"1"}`))?.forbiddenKeys, true, `${key} at the top`)
    t.equal(flattenParsedJson(JSON.parse(`{"a":{"b":[{"${key}":{}}]}}`))?.forbiddenKeys, true, `${key} deep inside, with no pair of its own`)
  }
})

t.test('re-read with literals: repeated keys keep the last, as JSON.parse and json_decode; __proto__ stays a key', async t => {
  t.strictSame(pairsFromBody('{"a":1e14,"b":1,"b":2.50}', 'application/json'), [['a', '1.0E+14'], ['b', '2.5']])
  t.strictSame(pairsFromBody('{"__proto__":{"x":-0.0},"y":-0}', 'application/json'), [['__proto__[x]', '-0'], ['y', '0']])
  t.strictSame(pairsFromBody(' {"n" : [ 1E+14 , {"m":9007199254740993}] }\n', 'application/json'), [['n[0]', '1.0E+14'], ['n[1][m]', '9007199254740993']])
  t.strictSame(pairsFromBody('\ufeff{"a":-0.0,"b":1e14}', 'application/json'), [['a', '-0'], ['b', '1.0E+14']], 'after a byte-order mark too')
  t.throws(() => pairsFromBody(`{"a":1e14,"b":${'['.repeat(40)}${']'.repeat(40)}}`, 'application/json'), { statusCode: 400, message: /deeper than 32/ })
})

t.test('a PHP sender\'s own floats sent as json_encode writes them: the float\'s text is an accepted reading', async t => {
  t.ok(vectors.encodedFloats.length >= 50, `${vectors.encodedFloats.length} floats`)
  for (const { literal, signed, decoded } of vectors.encodedFloats) {
    const body = readBody(`{"n":${literal}}`, 'application/json')
    t.strictSame(body.pairs, [['n', decoded]], `${literal}: json_decode's reading first`)
    const readings = [body.pairs, ...(body.alternatives ?? [])].map((pairs) => pairs[0]![1])
    t.ok(readings.includes(signed), `${literal}: ${signed} is among ${readings.join(', ')}`)
    t.equal(body.alternatives === undefined, signed === decoded, `${literal}: another reading exactly when the texts differ`)
  }
})

t.test('up to 3 such literals, every combination is a reading; past that, all of them as floats', async t => {
  const three = readBody('{"a":-0,"b":[100000000000000,{"c":123456789012345}],"d":9007199254740993}', 'application/json')
  t.equal(MAX_COMBINED_CHOICES, 3)
  t.strictSame(three.pairs, [['a', '0'], ['b[0]', '100000000000000'], ['b[1][c]', '123456789012345'], ['d', '9007199254740993']])
  t.equal(three.alternatives!.length, 7)
  t.strictSame(three.alternatives![6], [['a', '-0'], ['b[0]', '1.0E+14'], ['b[1][c]', '1.2345678901234E+14'], ['d', '9007199254740993']],
    '9007199254740993 is no double\'s shortest text, so never a float\'s')
  t.strictSame(new Set(three.alternatives!.map((pairs) => JSON.stringify(pairs))).size, 7, 'all different')
  const four = readBody('{"a":-0,"b":-0,"c":-0,"d":-0,"e":1e14}', 'application/json')
  t.strictSame(four.alternatives, [[['a', '-0'], ['b', '-0'], ['c', '-0'], ['d', '-0'], ['e', '1.0E+14']]])
  t.strictSame(pairsFromBody('{"a":-0}', 'application/json'), [['a', '0']], 'pairsFromBody gives json_decode\'s reading')
  t.equal(readBody('{"a":1e14}', 'application/json').alternatives, undefined, 'a float literal is read one way')
})
