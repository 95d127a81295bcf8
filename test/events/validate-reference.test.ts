// prepare() (lib/events/validate.ts: cached shape plans, union properties that already match left as they are) gives the
// outcome of the preparation it replaced (test/helpers/reference-prepare.ts) on random form data of every resource.
import t from 'tap'
import fc from 'fast-check'
import { Type } from '@sinclair/typebox'
import { unflattenPairs } from '../../lib/signature/unflatten.js'
import { flattenPayload } from '../../lib/signature/flatten.js'
import { createResourceValidator, shapeBySchema } from '../../lib/events/validate.js'
import { SAMPLE_PAYLOADS } from '../../lib/events/samples.js'
import { RESOURCE_SCHEMAS, WebhookEnvelope } from '../../lib/events/schemas/index.js'
import { referenceMayFill, referencePrepare, referenceShape } from '../helpers/reference-prepare.js'
import { TypeCompiler } from '@sinclair/typebox/compiler'

const numRuns = Number(process.env.PROPERTY_RUNS ?? 300)
const parameters = { numRuns, seed: Number(process.env.FUZZ_SEED ?? 20261130) }
const validator = createResourceValidator()
const resources = ['call', 'email', 'lead'] as const

// The keys of each sample's data, and shapes a sender could get wrong: lists, items, extra levels.
const keysOf = (resource: typeof resources[number]): string[] => {
  const keys = flattenPayload((SAMPLE_PAYLOADS[resource] as { data: Record<string, unknown> }).data).map(([key]) => key)
  return [...keys, ...keys.map(key => key + '[]'), ...keys.map(key => key.replace(/\]$/, '][0]')), 'events', 'visitor', 'account[]', 'visitor[utm][x][key]', 'extra']
}
const values = fc.constantFrom('43', '43.5', '1', '0', '-0', 'true', 'false', 'TRUE', 'null', '', 'x', '1e3', ' 7', 'call-1', '2023-08-30 13:57:30')

for (const resource of resources) {
  const keys = keysOf(resource)
  const pairs = fc.array(fc.tuple(fc.constantFrom(...keys), values), { maxLength: 40 })
  t.test(`${resource}: random form data prepares as the reference does`, async t => {
    await fc.assert(fc.property(pairs, fc.boolean(), (list, withId) => {
      const data = unflattenPairs(withId ? [['id', `${resource}-1`], ...list] : list)
      const expected = referencePrepare(RESOURCE_SCHEMAS[resource], data, true)
      const actual = validator.prepare(resource, structuredClone(data), 'form')
      t.equal(actual.ok, expected.ok)
      if (actual.ok) t.strictSame(actual.data, expected.data)
      return actual.ok === expected.ok
    }), parameters)
  })
}

t.test('each sample, flattened and read back as a form, prepares as the reference does', async t => {
  for (const resource of resources) {
    const data = unflattenPairs(flattenPayload((SAMPLE_PAYLOADS[resource] as { data: Record<string, unknown> }).data))
    const actual = validator.prepare(resource, structuredClone(data), 'form')
    t.ok(actual.ok)
    t.strictSame(actual, referencePrepare(RESOURCE_SCHEMAS[resource], data, true))
  }
})

t.test('a replacement schema with an $id, or of another kind, is converted whole, as before', async t => {
  const withId = Type.Object({ id: Type.String(), count: Type.Union([Type.Integer(), Type.Null()]) }, { $id: 'CallWithId' })
  const union = Type.Union([Type.Object({ id: Type.String(), count: Type.Number() }), Type.Null()])
  const custom = createResourceValidator({ call: withId, lead: union })
  const data = { id: 'call-1', count: '12' }
  t.strictSame(custom.prepare('call', structuredClone(data), 'form'), { ok: true, data: { id: 'call-1', count: 12 } })
  t.strictSame(custom.prepare('call', structuredClone(data), 'form'), referencePrepare(withId, data, true))
  t.strictSame(custom.prepare('lead', structuredClone(data), 'form'), { ok: true, data: { id: 'call-1', count: 12 } })
  t.strictSame(custom.prepare('lead', structuredClone(data), 'form'), referencePrepare(union, data, true))
})

t.test('an object or list default is copied for each delivery; a non-union property is converted', async t => {
  const schema = Type.Object({
    id: Type.String(),
    tags: Type.Optional(Type.Array(Type.String(), { default: ['a'] })),
    meta: Type.Optional(Type.Object({ n: Type.Number() }, { default: { n: 1 } })),
    count: Type.Number()
  })
  const custom = createResourceValidator({ call: schema })
  const first = custom.prepare('call', { id: 'call-1', count: '3' }, 'form')
  t.strictSame(first, { ok: true, data: { id: 'call-1', count: 3, tags: ['a'], meta: { n: 1 } } })
  if (first.ok) {
    (first.data as unknown as { tags: string[] }).tags.push('changed')
    ;(first.data as unknown as { meta: { n: number } }).meta.n = 2
  }
  const second = custom.prepare('call', { id: 'call-2', count: '4' }, 'form')
  t.strictSame(second, { ok: true, data: { id: 'call-2', count: 4, tags: ['a'], meta: { n: 1 } } }, 'the next delivery gets the default as declared')
  t.strictSame(custom.prepare('call', { id: 'call-3', count: 'x' }, 'form').ok, false)
})

t.test('data that is not an object is left to the schema check', async t => {
  t.equal(validator.prepare('call', 'text', 'form').ok, false)
  t.equal(validator.prepare('call', ['call-1'], 'form').ok, false)
})

t.test('matching JSON: a union member whose default could fill the object given means a copy', async t => {
  const schema = Type.Object({ id: Type.String(), tag: Type.Union([Type.Null(), Type.Object({ a: Type.Optional(Type.String({ default: 'd' })) })]) })
  const data = { id: 'call-1', tag: {} }
  const prepared = createResourceValidator({ call: schema }).prepare('call', data, 'json')
  t.strictSame(prepared, { ok: true, data: { id: 'call-1', tag: { a: 'd' } } })
  t.not(prepared.ok && prepared.data, data, 'copied, the value given left as it was')
  t.strictSame(data, { id: 'call-1', tag: {} })
})

// JSON data near each sample: properties deleted, set to null, or given another type, at any depth.
function edits (data: unknown, choices: number[], at = { next: 0 }): unknown {
  if (data === null || typeof data !== 'object') return data
  const copy: Record<string, unknown> = Array.isArray(data) ? [] as unknown as Record<string, unknown> : {}
  for (const [key, value] of Object.entries(data)) {
    const choice = choices[at.next++ % choices.length] ?? 0
    if (choice === 1) continue
    copy[key] = choice === 2 ? null : choice === 3 ? 'text' : choice === 4 ? [] : choice === 5 ? {} : edits(value, choices, at)
  }
  return copy
}

for (const resource of resources) {
  const schema = RESOURCE_SCHEMAS[resource]
  const check = TypeCompiler.Compile(schema)
  const sampleData = (SAMPLE_PAYLOADS[resource] as { data: Record<string, unknown> }).data
  t.test(`${resource}: JSON data is returned as given exactly when the old fast path took it`, async t => {
    await fc.assert(fc.property(fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 30 }), choices => {
      const data = edits(sampleData, choices) as Record<string, unknown>
      const fast = check.Check(data) && !referenceMayFill(schema, data)
      const prepared = validator.prepare(resource, data, 'json')
      return fast ? prepared.ok && prepared.data === data : !(prepared.ok && prepared.data === data)
    }), parameters)
    t.pass(`held for ${numRuns} runs`)
  })
}

t.test('JSON fast path: odd schema keys, lists of objects, records, and a union without object members', async t => {
  const schema = Type.Object({
    'a "quoted" key\u2028': Type.Optional(Type.String({ default: 'd' })),
    list: Type.Array(Type.Object({ x: Type.Optional(Type.Number({ default: 1 })) })),
    map: Type.Record(Type.String(), Type.Object({ y: Type.Optional(Type.String()) })),
    either: Type.Union([Type.String(), Type.Number()])
  })
  const custom = createResourceValidator({ call: schema })
  const cases: Array<Record<string, unknown>> = [
    { 'a "quoted" key\u2028': 'v', list: [{ x: 2 }], map: { k: {} }, either: 'e' },
    { list: [{ x: 2 }], map: {}, either: 1 },
    { 'a "quoted" key\u2028': 'v', list: [{}], map: {}, either: 1 },
    { 'a "quoted" key\u2028': 'v', list: [], map: { k: { y: 'z' } }, either: 1 }
  ]
  const check = TypeCompiler.Compile(schema)
  for (const data of cases) {
    const fast = check.Check(data) && !referenceMayFill(schema, data)
    const prepared = custom.prepare('call', data, 'json')
    t.equal(prepared.ok && prepared.data === data, fast, JSON.stringify(data))
  }
})

t.test('an empty-list fill is a new list for each delivery; a list with other own keys is copied by structuredClone', async t => {
  const odd = Object.assign([], { note: 'kept as structuredClone keeps it' })
  const schema = Type.Object({
    id: Type.String(),
    plain: Type.Optional(Type.Array(Type.String(), { absentAs: [] })),
    odd: Type.Optional(Type.Array(Type.String(), { absentAs: odd }))
  })
  const custom = createResourceValidator({ call: schema })
  const first = custom.prepare('call', { id: 'call-1' }, 'form')
  const second = custom.prepare('call', { id: 'call-2' }, 'form')
  t.ok(first.ok && second.ok)
  if (first.ok && second.ok) {
    const a = first.data as unknown as { plain: string[], odd: string[] }
    const b = second.data as unknown as { plain: string[], odd: string[] }
    t.strictSame(a.plain, [])
    t.not(a.plain, b.plain, 'a new list each time')
    t.strictSame(Object.keys(a.odd), Object.keys(structuredClone(odd)))
    t.not(a.odd, odd, 'a copy, never the schema\'s own list')
  }
})

// The generated shaper (compileShape) against the reference rules, on schemas of every kind it follows and random
// JSON-like values whose keys are mostly the schemas' own, with and without form holes.
const Node = Type.Recursive((This) => Type.Object({
  name: Type.Optional(Type.String({ default: 'node' })),
  children: Type.Optional(Type.Union([Type.Array(This), Type.Null()], { absentAs: [] }))
}))
const shapeSchemas = {
  ...RESOURCE_SCHEMAS,
  envelope: WebhookEnvelope,
  recursiveThis: Node,
  records: Type.Record(Type.String(), Type.Object({ n: Type.Optional(Type.Number({ default: 1 })), o: Type.Optional(Type.Object({ p: Type.String() }, { default: { p: 'q' } })) })),
  lists: Type.Object({ items: Type.Array(Type.Union([Type.Object({ a: Type.Optional(Type.String({ default: 'a' })) }), Type.Null()])), plain: Type.Array(Type.String()) }),
  twoObjects: Type.Object({ either: Type.Union([Type.Object({ x: Type.Optional(Type.String({ default: 'x' })) }), Type.Object({ y: Type.Optional(Type.String({ default: 'y' })) })]) }),
  unionOfLists: Type.Object({ many: Type.Union([Type.Array(Type.Object({ z: Type.Optional(Type.Null({ default: null })) })), Type.Tuple([Type.String()])]) }),
  listOrObject: Type.Object({ u: Type.Union([Type.Object({ w: Type.Optional(Type.String({ default: 'w' })) }), Type.Unknown()]) }),
  made: Type.Object({ at: Type.Optional(Type.Unknown({ absentAs: () => ({ made: true }) })), other: Type.Intersect([Type.Object({ i: Type.String() })]) })
}
const shapeKeys = ['id', 'account', 'events', 'visitor', 'utm', 'name', 'children', 'n', 'o', 'p', 'items', 'plain', 'a', 'either', 'x', 'y', 'many', 'z', 'at', 'other', 'i', 'u', 'w', 'event', 'data', '0', '1', 'extra']
const { shapeValue } = fc.letrec((tie) => ({
  shapeValue: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, 'text', '43', 1, true),
    fc.array(tie('shapeValue'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...shapeKeys), tie('shapeValue'), { maxKeys: 6 }))
}))

for (const [name, schema] of Object.entries(shapeSchemas)) {
  t.test(`shapeBySchema (${name}): the generated shaper gives what the reference rules give`, async t => {
    await fc.assert(fc.property(shapeValue, fc.boolean(), (value, holes) => {
      const actual = shapeBySchema(schema, structuredClone(value), holes)
      const expected = referenceShape(schema, structuredClone(value), holes)
      t.strictSame(actual, expected)
      return JSON.stringify(actual) === JSON.stringify(expected)
    }), parameters)
  })
}
