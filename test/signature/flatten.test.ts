// Step 2 of the signature rule, JSON side (docs/signature-rule.md): a JSON
// object gives the pairs PHP's http_build_query would send for it.
import t from 'tap'
import { DEFAULT_MAX_DEPTH, flattenPayload } from '../../lib/signature/flatten.js'
import { MalformedBodyError } from '../../lib/errors.js'
import { referenceFlatten } from '../helpers/reference-signer.js'

/** `depth` objects nested below the top level: { a: { a: … { leaf: 'x' } } }. */
function nested (depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' }
  for (let level = 1; level < depth; level++) value = { a: value }
  return { a: value }
}

t.test('nested objects give parent[child] keys and arrays parent[index] keys, in document order', async t => {
  const payload = { event: 'test', data: { id: 'call-1', account: { id: 'acc-1' }, events: [{ name: 'call:in' }, { name: 'call:out' }] } }
  t.strictSame(flattenPayload(payload), [
    ['event', 'test'],
    ['data[id]', 'call-1'],
    ['data[account][id]', 'acc-1'],
    ['data[events][0][name]', 'call:in'],
    ['data[events][1][name]', 'call:out']
  ])
  t.strictSame(flattenPayload(payload), referenceFlatten(payload))
})

t.test('true gives "1" and false gives "0"', async t => {
  t.strictSame(flattenPayload({ firsttime_caller: true, missed: false }), [['firsttime_caller', '1'], ['missed', '0']])
})

t.test('null, undefined, [] and {} give no pair, at the top and nested', async t => {
  t.strictSame(flattenPayload({ a: null, b: [], c: {}, d: undefined, e: { f: null, g: [], h: {} }, i: [null, [], {}] }), [])
  t.strictSame(flattenPayload({ kept: 'x', visitor: { custom_params: [], msclkid: null } }), [['kept', 'x']])
})

t.test('numbers are written as PHP writes them from JSON (php-numbers.test.ts has the vectors): 43, 1.5, 1.0E+21, negatives, zero', async t => {
  t.strictSame(flattenPayload({ duration: 43, ratio: 1.5, huge: 1e21, tiny: 1e-7, negative: -12, zero: 0, minusZero: -0 }), [
    ['duration', '43'],
    ['ratio', '1.5'],
    ['huge', '1.0E+21'],
    ['tiny', '1.0E-7'],
    ['negative', '-12'],
    ['zero', '0'],
    ['minusZero', '0']
  ])
})

t.test('strings are kept as they are: empty, unicode, brackets, no escaping', async t => {
  t.strictSame(flattenPayload({ empty: '', 'clé 😀': 'Zoë & co=1', 'a[b]': '%20+' }), [
    ['empty', ''],
    ['clé 😀', 'Zoë & co=1'],
    ['a[b]', '%20+']
  ])
})

t.test('integer-like keys come first, as Object.keys orders them (the signature sorts anyway)', async t => {
  t.strictSame(flattenPayload(JSON.parse('{"b":"1","2":"2","a":"3"}') as Record<string, unknown>), [['2', '2'], ['b', '1'], ['a', '3']])
})

t.test('a JSON "__proto__" key is an ordinary key', async t => {
  const payload = JSON.parse('{"__proto__":{"x":"1"},"y":"2"}') as Record<string, unknown>
  t.strictSame(flattenPayload(payload), [['__proto__[x]', '1'], ['y', '2']])
})

t.test('nesting: 32 levels below the top are accepted, 33 are a 400', async t => {
  t.equal(DEFAULT_MAX_DEPTH, 32)
  const deepest = flattenPayload(nested(32))
  t.equal(deepest.length, 1)
  t.equal(deepest[0]?.[0], 'a'.padEnd(1 + 3 * 31, '[a]') + '[leaf]')
  const error = t.throws(() => flattenPayload(nested(33)), MalformedBodyError) as MalformedBodyError
  t.equal(error.statusCode, 400)
  t.equal(error.code, 'FST_MAGNETIS_MALFORMED_BODY')
  t.match(error.message, /^fastify-magnetis-webhooks: .*deeper than 32/)
})

t.test('arrays count as nesting levels too, and an empty object past the limit is still refused', async t => {
  let value: unknown = 'x'
  for (let level = 0; level < 33; level++) value = [value]
  t.throws(() => flattenPayload({ a: value as unknown[] }), { code: 'FST_MAGNETIS_MALFORMED_BODY', statusCode: 400 })
  t.throws(() => flattenPayload({ a: (nested(33).a as Record<string, unknown>) }), { code: 'FST_MAGNETIS_MALFORMED_BODY', statusCode: 400 })
  t.strictSame(flattenPayload({ a: [[['x']]] }, 3), [['a[0][0][0]', 'x']])
  t.throws(() => flattenPayload({ a: [[[{}]]] }, 3), { code: 'FST_MAGNETIS_MALFORMED_BODY', statusCode: 400 })
})

t.test('a custom depth limit is honoured', async t => {
  t.strictSame(flattenPayload({ a: { b: 'x' } }, 1), [['a[b]', 'x']])
  t.throws(() => flattenPayload({ a: { b: { c: 'x' } } }, 1), { statusCode: 400, message: /deeper than 1 level/ })
})

t.test('values no form or JSON body can carry are a 400 naming the key', async t => {
  for (const value of [10n, () => 1, Symbol('s')]) {
    t.throws(() => flattenPayload({ data: { bad: value } }), { name: 'MalformedBodyError', statusCode: 400, message: /"data\[bad\]"/ })
  }
})

t.test('the payload object is not changed', async t => {
  const payload = { b: 'x', a: { c: [1, true] } }
  const copy = structuredClone(payload)
  flattenPayload(payload)
  t.strictSame(payload, copy)
})
