// Form body → nested object (lib/decode.ts): the inverse of http_build_query,
// and its behaviour on hostile keys.
import { deepStrictEqual } from 'node:assert'
import t from 'tap'
import fc from 'fast-check'
import { DEFAULT_MAX_ARRAY_INDEX, dropForbiddenKeys, unflattenPairs, type FormObject, type FormValue } from '../../lib/signature/unflatten.js'
import { MalformedBodyError } from '../../lib/errors.js'
import { DEFAULT_MAX_DEPTH, flattenPayload } from '../../lib/signature/flatten.js'
import { referenceFlatten, referenceFormPairs } from '../helpers/reference-signer.js'
import { measureWork } from '../helpers/work-meter.js'
import { referencePhpNumber } from '../helpers/reference-php-number.js'

// Seeded, so every CI run tries the same cases; FUZZ_SEED=<n> explores others.
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 20261129) })

const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS ?? 200)

/** Pairs from a form body written by hand, read by the reference form parser (not lib/). */
function form (body: string): Array<[string, string]> {
  return referenceFormPairs(body)
}

/** A key with `depth` bracket groups: a[a][a]…. */
function deepKey (depth: number): string {
  return 'a' + '[a]'.repeat(depth)
}

t.test('bracket keys nest: data[account][id]=x gives { data: { account: { id: "x" } } }', async t => {
  t.strictSame(unflattenPairs(form('data[account][id]=x&data[account][name]=My+account&event=test')), {
    data: { account: { id: 'x', name: 'My account' } },
    event: 'test'
  })
})

t.test('numeric segments make arrays, in index order whatever the arrival order', async t => {
  t.strictSame(unflattenPairs(form('a[0]=x&a[1]=y')), { a: ['x', 'y'] })
  t.strictSame(unflattenPairs(form('a[1]=y&a[0]=x')), { a: ['x', 'y'] })
  t.strictSame(unflattenPairs(form('e[0][name]=call:in&e[1][name]=call:out&e[1][value]=0033687654321')), {
    e: [{ name: 'call:in' }, { name: 'call:out', value: '0033687654321' }]
  })
})

t.test('holes in an array become null: [null, 1] was sent as a[1]=1', async t => {
  t.strictSame(unflattenPairs(form('a[1]=1')), { a: [null, '1'] })
  t.strictSame(unflattenPairs(form('a[2][b]=x')), { a: [null, null, { b: 'x' }] })
  // A later pair fills a hole.
  t.strictSame(unflattenPairs(form('a[2]=z&a[0]=x')), { a: ['x', null, 'z'] })
})

t.test('a[]=x appends to an array, and to an object at its largest integer key + 1', async t => {
  t.strictSame(unflattenPairs(form('a[]=x&a[]=y')), { a: ['x', 'y'] })
  t.strictSame(unflattenPairs(form('a[3]=x&a[]=y')), { a: [null, null, null, 'x', 'y'] })
  t.strictSame(unflattenPairs(form('a[b]=1&a[]=2')), { a: { b: '1', 0: '2' } })
  t.strictSame(unflattenPairs(form('a[b]=1&a[7]=2&a[]=3&a[3]=4&a[]=5')), { a: { b: '1', 7: '2', 8: '3', 3: '4', 9: '5' } })
  t.strictSame(unflattenPairs(form('a[][b]=1&a[][b]=2')), { a: [{ b: '1' }, { b: '2' }] })
})

t.test('an index that is not canonical (01, -1, 1.0, +1) is an object key', async t => {
  t.strictSame(unflattenPairs(form('a[01]=x')), { a: { '01': 'x' } })
  t.strictSame(unflattenPairs(form('a[-1]=x&b[1.0]=y&c[%2B1]=z')), { a: { '-1': 'x' }, b: { '1.0': 'y' }, c: { '+1': 'z' } })
})

t.test('an array that meets a non-numeric key becomes an object keyed "0", "1", … without its holes', async t => {
  t.strictSame(unflattenPairs(form('a[0]=x&a[b]=y')), { a: { 0: 'x', b: 'y' } })
  t.strictSame(unflattenPairs(form('a[2]=x&a[b]=y&a[]=z')), { a: { 2: 'x', b: 'y', 3: 'z' } })
  t.strictSame(unflattenPairs(form('p[a][0]=x&p[a][b][c]=y')), { p: { a: { 0: 'x', b: { c: 'y' } } } })
})

t.test('a[100000000]=x gives an object key, never a huge array', async t => {
  const decoded = unflattenPairs(form('a[100000000]=x'))
  t.strictSame(decoded, { a: { 100000000: 'x' } })
  t.notOk(Array.isArray(decoded.a))
})

t.test('indexes up to maxArrayIndex (default 10000) make arrays; larger ones make object keys', async t => {
  t.equal(DEFAULT_MAX_ARRAY_INDEX, 10000)
  const atLimit = unflattenPairs([['a[10000]', 'x']]).a as FormValue[]
  t.ok(Array.isArray(atLimit))
  t.equal(atLimit.length, 10001)
  t.equal(atLimit[10000], 'x')
  t.strictSame(unflattenPairs([['a[10001]', 'x']]), { a: { 10001: 'x' } })
  t.strictSame(unflattenPairs([['a[3]', 'x'], ['a[4]', 'y']], { maxArrayIndex: 3 }), { a: { 3: 'x', 4: 'y' } })
  // Appends past the limit make the array an object too.
  t.strictSame(unflattenPairs(form('a[]=0&a[]=1&a[]=2&a[]=3'), { maxArrayIndex: 2 }), { a: { 0: '0', 1: '1', 2: '2', 3: '3' } })
})

t.test('a whole body opens at most maxArrayIndex null holes; past that the array is an object', async t => {
  t.strictSame(unflattenPairs(form('a[2]=x&b[1]=y&c[1]=z'), { maxArrayIndex: 3 }), {
    a: [null, null, 'x'],
    b: [null, 'y'],
    c: { 1: 'z' }
  })
  // Many pairs at the limit do not allocate limit × pairs slots.
  const pairs: Array<[string, string]> = []
  for (let index = 0; index < 1000; index++) pairs.push([`k${index}[10000]`, 'x'])
  const decoded = unflattenPairs(pairs)
  t.equal((decoded.k0 as FormValue[]).length, 10001)
  t.strictSame(decoded.k1, { 10000: 'x' })
  t.strictSame(decoded.k999, { 10000: 'x' })
})

t.test('a key with malformed brackets is kept literal as one top-level key', async t => {
  for (const key of ['a[b', 'a]b', '[a]', '[]', 'a[b]c', 'a[b]c]', 'a[b[c]]', 'a[b[c]', 'a]b[c]', 'a[b]]', 'a[b][c', '']) {
    t.strictSame(unflattenPairs([[key, 'v']]), { [key]: 'v' }, JSON.stringify(key))
  }
  t.strictSame(unflattenPairs(form('a[b=1&a[c]=2')), { 'a[b': '1', a: { c: '2' } })
})

t.test('a segment __proto__, constructor or prototype drops its pair, with no other effect', async t => {
  const hostile = [
    '__proto__[polluted]=1',
    'constructor[prototype][polluted]=1',
    '__proto__=1',
    'prototype[polluted]=1',
    'a[__proto__][polluted]=1',
    'a[b][constructor][prototype][polluted]=1',
    'a[][__proto__]=1',
    'x[prototype]=1'
  ]
  const decoded = unflattenPairs(form(hostile.join('&')))
  t.strictSame(decoded, {})
  t.equal(Object.keys(decoded).length, 0)
  t.equal(Object.getPrototypeOf(decoded), Object.prototype)
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  t.equal((Object.prototype as Record<string, unknown>).polluted, undefined)
  t.notOk(Object.hasOwn(decoded, '__proto__'))
  t.notOk(Object.hasOwn(decoded, 'constructor'))

  // The other pairs around them are decoded as if they were absent.
  t.strictSame(unflattenPairs(form('a[b]=1&a[__proto__][x]=2&a[c]=3')), { a: { b: '1', c: '3' } })
  t.strictSame(unflattenPairs(form('a[0]=1&a[constructor]=2&a[1]=3')), { a: ['1', '3'] })
})

t.test('names of Object.prototype members are ordinary keys, never read from the prototype', async t => {
  const decoded = unflattenPairs(form('toString=x&a[hasOwnProperty][b]=y&valueOf[0]=z'))
  t.strictSame(decoded, { toString: 'x', a: { hasOwnProperty: { b: 'y' } }, valueOf: ['z'] })
  t.ok(Object.hasOwn(decoded, 'toString'))
})

t.test('nesting deeper than maxDepth (default 32) throws MalformedBodyError, 400', async t => {
  t.equal(DEFAULT_MAX_DEPTH, 32)
  t.doesNotThrow(() => unflattenPairs([[deepKey(32), 'x']]))
  t.throws(() => unflattenPairs([[deepKey(33), 'x']]), MalformedBodyError)
  const error = t.throws(() => unflattenPairs([[deepKey(1000), 'x']])) as MalformedBodyError
  t.ok(error instanceof MalformedBodyError)
  t.equal(error.statusCode, 400)
  t.equal(error.code, 'FST_MAGNETIS_MALFORMED_BODY')
  t.match(error.message, /^fastify-magnetis-webhooks: .*deeper than 32/)
  t.throws(() => unflattenPairs([['a[b][c]', 'x']], { maxDepth: 1 }), MalformedBodyError)
  t.strictSame(unflattenPairs([['a[b]', 'x']], { maxDepth: 1 }), { a: { b: 'x' } })
  // Depth is counted on well-formed keys; a malformed one is a single literal key.
  t.strictSame(unflattenPairs([[deepKey(1000) + '[', 'x']]), { [deepKey(1000) + '[']: 'x' })
})

t.test('the depth at which JSON bodies are refused is the depth at which form keys are', async t => {
  // An object nested 32 levels flattens; its form keys decode; 33 levels are refused either way.
  let ok: Record<string, unknown> = { leaf: 'x' }
  for (let level = 1; level < 32; level++) ok = { a: ok }
  const pairs = flattenPayload({ a: ok })
  t.doesNotThrow(() => unflattenPairs(pairs))
  t.throws(() => flattenPayload({ a: { a: ok } }), MalformedBodyError)
  t.throws(() => unflattenPairs([[`a[a]${pairs[0]?.[0].slice(1)}`, 'x']]), MalformedBodyError)
})

t.test('a key seen as text and as a container: the later pair wins, in either order', async t => {
  t.strictSame(unflattenPairs(form('a=1&a[b]=2')), { a: { b: '2' } })
  t.strictSame(unflattenPairs(form('a[b]=2&a=1')), { a: '1' })
  t.strictSame(unflattenPairs(form('a[b]=1&a[b][c]=2')), { a: { b: { c: '2' } } })
  t.strictSame(unflattenPairs(form('a[0]=x&a=1&a[1]=y')), { a: [null, 'y'] })
  t.strictSame(unflattenPairs(form('a[0]=x&a[0][b]=y')), { a: [{ b: 'y' }] })
})

t.test('repeated text keys: the last wins (a=1&a=2 gives "2", as PHP)', async t => {
  t.strictSame(unflattenPairs(form('a=1&a=2')), { a: '2' })
  t.strictSame(unflattenPairs(form('a[b]=1&a[b]=2&c[0]=x&c[0]=y')), { a: { b: '2' }, c: ['y'] })
})

t.test('values stay text: empty values, "null", numbers and booleans are not converted here', async t => {
  t.strictSame(unflattenPairs(form('a=&b=null&c=43&d=1')), { a: '', b: 'null', c: '43', d: '1' })
})

t.test('options must be non-negative whole numbers', async t => {
  for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
    t.throws(() => unflattenPairs([], { maxDepth: bad }), { name: 'TypeError', message: /"maxDepth"/ })
    t.throws(() => unflattenPairs([], { maxArrayIndex: bad }), { name: 'TypeError', message: /"maxArrayIndex"/ })
  }
  t.strictSame(unflattenPairs([['a', 'x']], { maxDepth: 0 }), { a: 'x' })
  t.throws(() => unflattenPairs([['a[b]', 'x']], { maxDepth: 0 }), MalformedBodyError)
  t.strictSame(unflattenPairs([['a[0]', 'x'], ['a[1]', 'y']], { maxArrayIndex: 0 }), { a: { 0: 'x', 1: 'y' } })
})

/** The pairs of `calls` call timelines of four pairs each: 4 × `calls` parameters. */
function timelinePairs (calls: number): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (let index = 0; index < calls; index++) {
    pairs.push([`data[events][${index}][date]`, '2023-08-30 13:57:30'])
    pairs.push([`data[events][${index}][name]`, 'call:out'])
    pairs.push([`data[events][${index}][value]`, '0033687654321'])
    pairs.push([`data[custom][k${index}][]`, 'x'])
  }
  return pairs
}

/** `a[b]=x` then `count` appends `a[]=…` to the same object. */
function appendPairs (count: number): Array<[string, string]> {
  const pairs: Array<[string, string]> = [['a[b]', 'x']]
  for (let index = 0; index < count; index++) pairs.push(['a[]', String(index)])
  return pairs
}

// Linear work is bounded by counts, not by the clock: four times the input
// may cost at most 5 times the work (keys grow by a digit or so), where a
// quadratic path costs 16 times. The meter counts the walks of built-ins.
const GROWTH = 4
const LINEAR_BOUND = 5

t.test('the work meter tells a linear function from a quadratic one (control)', async t => {
  const linear = (n: number): number => measureWork(() => { const items: number[] = []; for (let i = 0; i < n; i++) items.push(i); return items }).work
  const quadratic = (n: number): number => measureWork(() => { const items: number[] = []; for (let i = 0; i < n; i++) if (!items.includes(i)) items.push(i); return items }).work
  t.ok(linear(GROWTH * 1000) <= LINEAR_BOUND * linear(1000), 'linear stays under the bound')
  t.ok(quadratic(GROWTH * 1000) > LINEAR_BOUND * quadratic(1000), 'quadratic goes over it')
})

t.test('10,000 parameters decode with work linear in their number (no quadratic path)', async t => {
  const small = measureWork(() => unflattenPairs(timelinePairs(625)))
  const large = measureWork(() => unflattenPairs(timelinePairs(2500)))
  t.equal(((large.result.data as Record<string, FormValue>).events as FormValue[]).length, 2500)
  t.equal(Object.keys((large.result.data as Record<string, FormValue>).custom as FormObject).length, 2500)
  t.ok(small.work > 0, 'the meter sees the decoding')
  t.ok(large.work <= LINEAR_BOUND * small.work, `4 × the parameters, ${(large.work / small.work).toFixed(2)} × the work (${small.work} → ${large.work})`)

  // Appends to one object, which a scan for its largest key would make quadratic.
  const fewAppends = measureWork(() => unflattenPairs(appendPairs(2500)))
  const manyAppends = measureWork(() => unflattenPairs(appendPairs(10000)))
  const appended = manyAppends.result.a as Record<string, FormValue>
  t.equal(appended['9999'], '9999')
  t.equal(Object.keys(appended).length, 10001)
  t.ok(manyAppends.work <= LINEAR_BOUND * fewAppends.work, `4 × the appends, ${(manyAppends.work / fewAppends.work).toFixed(2)} × the work (${fewAppends.work} → ${manyAppends.work})`)
})

// What a JSON value looks like after http_build_query and back, written
// from the rules (not from lib/): text stays, numbers as PHP writes them (the test oracle), true
// "1", false "0"; null, [] and {} vanish; a vanished array item leaves a
// null hole unless nothing follows it.
function afterFormRoundTrip (value: unknown): unknown {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return referencePhpNumber(value)
  if (typeof value === 'boolean') return value ? '1' : '0'
  if (value === null || value === undefined) return undefined
  if (Array.isArray(value)) {
    const items = value.map(afterFormRoundTrip)
    while (items.length > 0 && items[items.length - 1] === undefined) items.pop()
    return items.length === 0 ? undefined : items.map((item) => item === undefined ? null : item)
  }
  const object: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    const kept = afterFormRoundTrip(item)
    if (kept !== undefined) object[key] = kept
  }
  return Object.keys(object).length === 0 ? undefined : object
}

// Keys as the vendor's are: no brackets, not numeric, not a forbidden name.
const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/).filter((name) => !['constructor', 'prototype'].includes(name))
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string(), fc.integer(), fc.double({ noNaN: true }), fc.boolean(), fc.constant(null),
    tie('array'), tie('object')
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 5 })
}))

t.test('property: unflattenPairs inverts flattenPayload up to what a form cannot carry', async t => {
  fc.assert(fc.property(fc.dictionary(key, json.value, { maxKeys: 6 }), (payload) => {
    const expected = afterFormRoundTrip(payload) ?? {}
    // assert (not t.same) so that fast-check sees the failure and shrinks it
    deepStrictEqual(unflattenPairs(flattenPayload(payload)), expected)
    deepStrictEqual(unflattenPairs(referenceFlatten(payload)), expected)
  }), { numRuns: PROPERTY_RUNS })
  t.pass(`${PROPERTY_RUNS} payloads round-tripped`)
})

t.test('dropForbiddenKeys removes __proto__, constructor and prototype own keys at every depth of parsed JSON, in place', (t) => {
  const parsed = JSON.parse('{"__proto__":{"polluted":1},"event":"x","data":{"constructor":{"prototype":{"polluted":1}},"list":[{"prototype":1,"keep":"yes"}],"ok":1}}')
  const cleaned = dropForbiddenKeys(parsed)
  t.equal(cleaned, parsed, 'cleans in place and returns the same object')
  t.same(Object.keys(cleaned), ['event', 'data'])
  t.same(cleaned.data, { list: [{ keep: 'yes' }], ok: 1 })
  t.equal(Object.getPrototypeOf(cleaned), Object.prototype, 'the prototype is untouched')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is not polluted')
  t.equal(dropForbiddenKeys('text'), 'text', 'a scalar passes through')
  t.end()
})

// Keys as hostile forms send them (nesting, appends, indexes, holes, repeats, text overwritten by a nest) and values of
// any text: the compiled shape of repeated keys (lib/signature/unflatten.ts) must decode as the general path does.
const templateSegment = fc.constantFrom('', '0', '1', '2', '10', 'a', 'b', 'id', '__proto__', 'constructor', '01')
const templateKey = fc.tuple(fc.constantFrom('data', 'event', 'a', 'x]'), fc.array(templateSegment, { maxLength: 3 }))
  .map(([head, segments]) => head + segments.map((segment) => `[${segment}]`).join(''))

t.test('the same keys three times in a row decode as the general path decodes them, whatever the values', async t => {
  fc.assert(fc.property(fc.array(templateKey, { maxLength: 12 }), fc.array(fc.array(fc.string(), { minLength: 12, maxLength: 12 }), { minLength: 3, maxLength: 3 }),
    (keys, rounds) => {
      for (const values of rounds) {
        const pairs = keys.map((key, at) => [key, values[at] as string] as [string, string])
        // A generator is not an array: it takes the general path, never the compiled shape.
        const general = unflattenPairs((function * () { yield * pairs })())
        deepStrictEqual(unflattenPairs(pairs), general)
        deepStrictEqual(Object.keys(unflattenPairs(pairs)), Object.keys(general))
      }
    }), { numRuns: PROPERTY_RUNS })
  t.pass(`held for ${PROPERTY_RUNS} runs`)
})

t.test('a compiled shape is not used under other limits, for other keys, or for keys it cannot keep', async t => {
  const pairs: Array<[string, string]> = [['a[0]', 'x'], ['a[5]', 'y']]
  t.strictSame(unflattenPairs(pairs), { a: ['x', null, null, null, null, 'y'] })
  t.strictSame(unflattenPairs(pairs), { a: ['x', null, null, null, null, 'y'] }, 'compiled')
  t.strictSame(unflattenPairs(pairs, { maxArrayIndex: 2 }), { a: { 0: 'x', 5: 'y' } }, 'another maxArrayIndex: decoded anew')
  t.throws(() => unflattenPairs([['a[b]', 'x']], { maxDepth: 0 }), MalformedBodyError, 'another maxDepth: checked anew')
  const long = 'k'.repeat(129)
  t.strictSame(unflattenPairs([[long, '1']]), { [long]: '1' })
  t.strictSame(unflattenPairs([[long, '2']]), { [long]: '2' }, 'a key too long to keep is decoded every time')
  const many = Array.from({ length: 129 }, (_, at) => [`k${at}`, String(at)] as [string, string])
  t.equal(unflattenPairs(many).k128, '128')
  t.equal(unflattenPairs(many).k128, '128', 'more pairs than a shape keeps: decoded every time')
})
