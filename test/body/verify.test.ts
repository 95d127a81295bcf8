// verifyRawBody: a raw body against its signature, read as the plugin reads it (docs/signature-rule.md), on short
// bodies (pairs sorted) and long JSON bodies (pairs joined in key order, or sorted when a key or text rules that out).
import t from 'tap'
import { readFileSync } from 'node:fs'
import { KEY_ORDER_MIN_LENGTH, pairsFromBody, readBody } from '../../lib/body/read.js'
import { verifyRawBody } from '../../lib/body/verify.js'
import { httpBuildQuery, referenceSign } from '../helpers/reference-signer.js'

const JSON_TYPE = 'application/json'
const FORM = 'application/x-www-form-urlencoded'
const KEY = 'verify-raw-body-key'
const URL_AS_TYPED = 'https://shop.example/webhooks/magnetis?source=magnetis'
const sample = JSON.parse(readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8')) as { event: string, data: Record<string, unknown> }

/** The seed sample with `count` visitor `utm` items: a body past KEY_ORDER_MIN_LENGTH from some 80 items. */
function grown (count: number, item: (index: number) => unknown = (index) => ({ key: `utm_${index}`, value: `value ${index}` })): Record<string, unknown> {
  const visitor = sample.data.visitor as Record<string, unknown>
  return { ...sample, data: { ...sample.data, visitor: { ...visitor, utm: Array.from({ length: count }, (_, index) => item(index)) } } }
}

function verify (body: string, contentType: string, signature: unknown, key: string | string[] = KEY): boolean {
  return verifyRawBody({ key, url: URL_AS_TYPED, rawBody: body, contentType, signature: signature as string })
}

t.test('the seed sample verifies as JSON and as a form, from text or bytes; another key, URL or body does not', async t => {
  const signature = referenceSign(KEY, URL_AS_TYPED, sample)
  const json = JSON.stringify(sample)
  t.ok(json.length <= KEY_ORDER_MIN_LENGTH, 'short: its pairs are sorted')
  t.equal(readBody(json, JSON_TYPE, 32, true).joinedPairs, undefined)
  t.equal(verify(json, JSON_TYPE, signature), true)
  t.equal(verifyRawBody({ key: KEY, url: URL_AS_TYPED, rawBody: Buffer.from(json), contentType: JSON_TYPE, signature }), true, 'bytes')
  t.equal(verify(httpBuildQuery(sample), FORM, signature), true, 'form')
  t.equal(verify(json, JSON_TYPE, signature, ['old key', KEY]), true, 'any of several keys')
  t.equal(verify(json, JSON_TYPE, signature, 'another key'), false)
  t.equal(verifyRawBody({ key: KEY, url: 'https://shop.example/webhooks/magnetis', rawBody: json, contentType: JSON_TYPE, signature }), false, 'another URL')
  t.equal(verify(json.replace('My account', 'My accounT'), JSON_TYPE, signature), false, 'a changed value')
  t.equal(verify(json, JSON_TYPE, [signature]), false, 'a repeated header (an array) never matches')
  t.equal(verify(json, JSON_TYPE, undefined), false, 'no header')
})

t.test('a long JSON body is joined in key order, in pieces, and verifies as the reference signer signs it', async t => {
  for (const count of [100, 400, 3000]) {
    const payload = grown(count)
    const json = JSON.stringify(payload)
    t.ok(json.length > KEY_ORDER_MIN_LENGTH, `${count} items: past ${KEY_ORDER_MIN_LENGTH} characters`)
    const read = readBody(json, JSON_TYPE, 32, true)
    t.ok(read.joinedPairs !== undefined, `${count} items: joined in key order`)
    if (count === 3000) t.ok(read.joinedPairs!.length > 1, 'in more than one piece')
    const signature = referenceSign(KEY, URL_AS_TYPED, payload)
    t.equal(verify(json, JSON_TYPE, signature), true, `${count} items: verifies`)
    t.equal(verify(json.replace(`"value ${count - 1}"`, `"value ${count - 2}"`), JSON_TYPE, signature), false, `${count} items: a changed value does not`)
    t.equal(verify(json, JSON_TYPE, referenceSign('another key', URL_AS_TYPED, payload)), false, `${count} items: another key's signature does not`)
  }
})

t.test('a long JSON body\'s pairs are still there when asked for, in document order, as pairsFromBody gives them', async t => {
  const json = JSON.stringify(grown(100))
  const read = readBody(json, JSON_TYPE, 32, true)
  t.ok(read.joinedPairs !== undefined)
  t.strictSame(read.pairs, pairsFromBody(json, JSON_TYPE))
  t.equal(read.pairs, read.pairs, 'made once')
  t.equal(read.forbiddenKeys, false)
  t.equal(readBody(JSON.stringify({ ...grown(100), constructor: 'x' }), JSON_TYPE, 32, true).forbiddenKeys, true, 'a forbidden key is noticed on that path too')
})

t.test('a long JSON body that key order cannot serve is sorted instead, and still verifies', async t => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a key with a bracket, which could stand for nesting', { ...grown(100), 'data[id]': 'x' }],
    ['a key with a closing bracket deep inside', grown(100, (index) => ({ [`k]${index}`]: 'v' }))],
    ['text with a character above U+FFFF, whose UTF-8 order differs from code units', grown(100, (index) => ({ key: `\u{1F600}${index}`, value: '\uE000' }))],
    ['keys that are the same but for a character above U+FFFF', grown(100, (index) => ({ [`a\u{1F600}${index}`]: 1, [`a\uFFFD${index}`]: 2 }))]
  ]
  for (const [name, payload] of cases) {
    const json = JSON.stringify(payload)
    t.equal(readBody(json, JSON_TYPE, 32, true).joinedPairs, undefined, `${name}: not joined`)
    t.equal(verify(json, JSON_TYPE, referenceSign(KEY, URL_AS_TYPED, payload)), true, `${name}: verifies`)
  }
})

t.test('a long JSON body\'s integer literal that a PHP float may have sent is also read as that float', async t => {
  const payload = grown(100)
  // PHP's json_encode writes the float 1.0E+14 as 100000000000000.0; a sender that drops the ".0" signs "1.0E+14".
  const json = JSON.stringify(payload).replace(/}$/, ',"amount":100000000000000}')
  t.equal(verify(json, JSON_TYPE, referenceSign(KEY, URL_AS_TYPED, [...pairsFromBody(json, JSON_TYPE).filter(([key]) => key !== 'amount'), ['amount', '1.0E+14']])), true, 'as a float')
  t.equal(verify(json, JSON_TYPE, referenceSign(KEY, URL_AS_TYPED, pairsFromBody(json, JSON_TYPE))), true, 'as an integer')
})

t.test('bad input: the errors the plugin replies with, and a bad key is a TypeError', async t => {
  t.throws(() => verify('{"a":', JSON_TYPE, 'x'.repeat(28)), { statusCode: 400, message: /not valid JSON/ })
  t.throws(() => verify(JSON.stringify({ a: 'x'.repeat(5000), b: [[[1]]] }).replace(/}$/, ''), JSON_TYPE, 'x'.repeat(28)), { statusCode: 400, message: /not valid JSON/ }, 'long and truncated')
  t.throws(() => verify('a=b', 'text/plain', 'x'.repeat(28)), { statusCode: 415, message: /text\/plain/ })
  t.throws(() => verifyRawBody({ key: '', url: URL_AS_TYPED, rawBody: '{}', contentType: JSON_TYPE, signature: 'x' }), TypeError)
  t.throws(() => verifyRawBody({ key: [], url: URL_AS_TYPED, rawBody: '{"a":', contentType: 'text/plain', signature: 'x' }), TypeError, 'a bad key is said before the body is read')
  const deep = JSON.stringify({ pad: 'x'.repeat(5000), a: { b: { c: 'd' } } })
  t.throws(() => verifyRawBody({ key: KEY, url: URL_AS_TYPED, rawBody: deep, contentType: JSON_TYPE, signature: 'x', maxDepth: 1 }), { statusCode: 400, message: /deeper than 1/ }, 'maxDepth holds on the key-order path')
  t.equal(verifyRawBody({ key: KEY, url: URL_AS_TYPED, rawBody: deep, contentType: JSON_TYPE, signature: referenceSign(KEY, URL_AS_TYPED, JSON.parse(deep)), maxDepth: 2 }), true)
})
