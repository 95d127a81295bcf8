// Decoded data → checked resource (lib/resource.ts). The key property: one
// event sent as JSON and as a form reaches handlers deep-equal.
import { deepStrictEqual } from 'node:assert'
import { readFileSync } from 'node:fs'
import t from 'tap'
import fc from 'fast-check'
import { Type, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { pairsFromBody } from '../../lib/body/read.js'
import { unflattenPairs } from '../../lib/signature/unflatten.js'
import { flattenPayload } from '../../lib/signature/flatten.js'
import { createResourceValidator, inferTestResource, shapeBySchema } from '../../lib/events/validate.js'
import { SAMPLE_PAYLOADS } from '../../lib/events/samples.js'
import type { Call } from '../../lib/events/schemas/index.js'

// Seeded, so every CI run tries the same cases; FUZZ_SEED=<n> explores others.
fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED ?? 20261129) })

const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS ?? 200)
const FORM = 'application/x-www-form-urlencoded'
const validator = createResourceValidator()

/** The body as the vendor would send it as a form, read back as the plugin reads it: raw body → pairs → nested object. */
function viaForm (envelope: object): Record<string, unknown> {
  const body = new URLSearchParams(flattenPayload(envelope as Record<string, unknown>) as Array<[string, string]>).toString()
  return unflattenPairs(pairsFromBody(body, FORM))
}

/** The body as the vendor would send it as JSON, parsed. */
function viaJson (envelope: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(envelope)) as Record<string, unknown>
}

t.test('KEY PROPERTY: each sample sent as JSON and as a form gives deep-equal data', async t => {
  for (const resource of ['call', 'email', 'lead'] as const) {
    const sample = SAMPLE_PAYLOADS[resource]
    const fromJson = validator.prepare(resource, viaJson(sample).data, 'json')
    const fromForm = validator.prepare(resource, viaForm(sample).data, 'form')
    t.ok(fromJson.ok, `${resource}: JSON valid`)
    t.ok(fromForm.ok, `${resource}: form valid`)
    t.strictSame(fromForm, fromJson, `${resource}: form and JSON agree`)
    // …and both are the sample itself: nothing lost, nothing added.
    t.strictSame(fromJson.ok && fromJson.data, sample.data, `${resource}: JSON gives the sample`)
  }
})

t.test('the form sample really lacks what a form cannot carry, and prepare restores it', async t => {
  const form = viaForm(SAMPLE_PAYLOADS.call).data as Record<string, any>
  t.equal(form.duration, '43')
  t.equal(form.firsttime_caller, '1')
  t.notOk('google_ads_extension' in form)
  t.notOk('msclkid' in form.visitor)
  t.notOk('custom_params' in form.visitor)
  t.notOk('value' in form.events[0])
  const prepared = validator.prepare('call', form, 'form')
  if (!prepared.ok) throw new Error('expected the sample to validate')
  const call: Call = prepared.data
  t.equal(call.duration, 43)
  t.equal(call.voice_duration, 43)
  t.equal(call.firsttime_caller, true)
  t.equal(call.missed, false)
  t.equal(call.google_ads_extension, null)
  t.equal(call.visitor?.msclkid, null)
  t.strictSame(call.visitor?.custom_params, [])
  t.equal(Object.values(call.events ?? [])[0]?.value, null)
  t.equal(call.calling_number, '0033612345678', 'a number-like string field stays a string')
})

t.test('form text converts to the schema types: "43" → 43, "1"/"0"/"true"/"false" → booleans', async t => {
  const base = viaForm(SAMPLE_PAYLOADS.call).data as Record<string, unknown>
  for (const [text, value] of [['1', true], ['0', false], ['true', true], ['false', false]] as const) {
    const prepared = validator.prepare('call', { ...base, missed: text }, 'form')
    t.equal(prepared.ok && prepared.data.missed, value, `"${text}"`)
  }
  const bad = validator.prepare('call', { ...base, duration: 'forty' }, 'form')
  t.notOk(bad.ok)
  t.strictSame(!bad.ok && bad.errors.map((error) => error.path), ['/duration'])
})

t.test('odd text: converted by TypeBox\'s rules as docs/resources.md lists them, in a form as in JSON', async t => {
  const base = viaForm(SAMPLE_PAYLOADS.call).data as Record<string, unknown>
  const numbers: Array<[string, number | undefined]> = [[' 43', 43], ['43 ', 43], ['1e3', 1000], ['1.0E+25', 1e25], ['0x10', 0], ['0b11', 0],
    ['true', 1], ['TRUE', 1], ['false', 0], ['yes', undefined], ['on', undefined], ['', undefined], ['Infinity', undefined], ['NaN', undefined]]
  const booleans: Array<[string, boolean | undefined]> = [['true', true], ['TRUE', true], ['false', false], [' 43', undefined], ['43 ', undefined],
    ['1e3', undefined], ['1.0E+25', undefined], ['0x10', undefined], ['0b11', undefined], ['yes', undefined], ['on', undefined], ['', undefined],
    ['Infinity', undefined], ['NaN', undefined]]
  for (const encoding of ['form', 'json'] as const) {
    for (const [text, value] of numbers) {
      const prepared = validator.prepare('call', { ...base, duration: text }, encoding)
      if (value === undefined) t.strictSame(!prepared.ok && prepared.errors.map((error) => error.path), ['/duration'], `${encoding}: a number from ${JSON.stringify(text)} fails`)
      else t.equal(prepared.ok && prepared.data.duration, value, `${encoding}: a number from ${JSON.stringify(text)}`)
    }
    for (const [text, value] of booleans) {
      const prepared = validator.prepare('call', { ...base, missed: text }, encoding)
      if (value === undefined) t.strictSame(!prepared.ok && prepared.errors.map((error) => error.path), ['/missed'], `${encoding}: a boolean from ${JSON.stringify(text)} fails`)
      else t.equal(prepared.ok && prepared.data.missed, value, `${encoding}: a boolean from ${JSON.stringify(text)}`)
    }
  }
  const integers = createResourceValidator({ call: Type.Object({ id: Type.String(), count: Type.Integer() }) })
  t.match(integers.prepare('call', { id: 'call-1', count: '7.5' }, 'form'), { ok: true, data: { count: 7 } }, 'Integer truncates text')
  t.match(integers.prepare('call', { id: 'call-1', count: 7.5 }, 'json'), { ok: true, data: { count: 7 } }, 'and a JSON number')
})

t.test('JSON data is converted as a form is (PHP scalars): "43" → 43, 0/1/"true"/"false" → booleans, a number → its text', async t => {
  const data = viaJson(SAMPLE_PAYLOADS.call).data as Record<string, unknown>
  const php = { ...data, duration: '43', voice_duration: '42.5', missed: 0, firsttime_caller: 'true', calling_number: 33612345678 }
  const prepared = validator.prepare('call', php, 'json')
  if (!prepared.ok) throw new Error('expected PHP-typed JSON to pass')
  t.equal(prepared.data.duration, 43)
  t.equal(prepared.data.voice_duration, 42.5, 'fractional seconds are kept, not truncated')
  t.equal(prepared.data.missed, false)
  t.equal(prepared.data.firsttime_caller, true)
  t.equal(prepared.data.calling_number, '33612345678', 'a JSON number where text is expected becomes its decimal text')
  t.strictSame(validator.prepare('call', viaForm({ event: 'test', data: php }).data, 'form'), prepared, 'the same event as a form: deep-equal')
  const nulls = validator.prepare('call', { ...data, duration: 'null', missed: 'null', end_status: 'null', calling_type: true }, 'json')
  t.match(nulls, { ok: true, data: { duration: null, missed: null, end_status: 'null', calling_type: 'true' } },
    'the text "null" is null where the type is a number or a boolean, text where it is text; JSON true as text is "true" (a form sends "1")')
  const bad = validator.prepare('call', { ...data, duration: 'forty' }, 'json')
  t.strictSame(!bad.ok && bad.errors.map((error) => error.path), ['/duration'], 'text that is no number still fails')
})

t.test('JSON data also gets the defaults: a missing null field or empty list is filled', async t => {
  const data = viaJson(SAMPLE_PAYLOADS.call).data as Record<string, any>
  delete data.google_ads_extension
  delete data.visitor.msclkid
  delete data.visitor['3rdparty']
  const prepared = validator.prepare('call', data, 'json')
  t.ok(prepared.ok)
  t.strictSame(prepared.ok && prepared.data, SAMPLE_PAYLOADS.call.data)
})

t.test('errors give path and message only, never values (which may be phone numbers)', async t => {
  const data = viaJson(SAMPLE_PAYLOADS.call).data as Record<string, any>
  data.duration = 'tel 0033699999999'
  data.visitor.gclid = { number: 33699999998 }
  delete data.id
  const prepared = validator.prepare('call', data, 'json')
  if (prepared.ok) throw new Error('expected errors')
  t.ok(prepared.errors.length > 0)
  for (const error of prepared.errors) t.strictSame(Object.keys(error).sort(), ['message', 'path'])
  const text = JSON.stringify(prepared.errors)
  t.notMatch(text, /33699999998|33699999999/)
  t.ok(prepared.errors.some((error) => error.path === '/id'))
  t.ok(prepared.errors.some((error) => error.path === '/visitor/gclid'), 'a union\'s error names the field inside it')
})

t.test('at most 20 errors are listed', async t => {
  const prepared = validator.prepare('call', { events: Array.from({ length: 100 }, () => ({ date: { at: 1 } })) }, 'json')
  t.equal(!prepared.ok && prepared.errors.length, 20)
})

t.test('data that is not an object fails at the root path; a list is the object PHP\'s array is', async t => {
  for (const data of ['x', 1, null, undefined]) {
    const prepared = validator.prepare('call', data, 'form')
    t.notOk(prepared.ok, JSON.stringify(data))
    t.equal(!prepared.ok && prepared.errors[0]?.path, '')
  }
  const empty = validator.prepare('call', [], 'json')
  t.strictSame(!empty.ok && [...new Set(empty.errors.map((error) => error.path))], ['/id'], '[] is {}: only the guaranteed id is missing')
  t.match(validator.prepare('lead', [], 'json'), { ok: true, data: { id: null, visitor: null } }, '[] is an empty lead, filled with nulls')
})

t.test('prepare never changes its input', async t => {
  const data = viaForm(SAMPLE_PAYLOADS.call).data as Record<string, unknown>
  const before = structuredClone(data)
  const prepared = validator.prepare('call', data, 'form')
  t.ok(prepared.ok)
  t.strictSame(data, before)
  t.not(prepared.ok && prepared.data, data)
})

t.test('__proto__, constructor and prototype keys in JSON data are dropped, as a form drops them', async t => {
  const json = JSON.parse(`{"data": {"__proto__": ${JSON.stringify(SAMPLE_PAYLOADS.call.data)}, "constructor": {"prototype": {"x": 1}}}}`).data
  t.ok(Object.hasOwn(json, '__proto__'), 'JSON.parse keeps __proto__ as an own key')
  const prepared = validator.prepare('call', json, 'json')
  t.notOk(prepared.ok, 'fields hidden in a prototype do not satisfy the schema')
  t.ok(!prepared.ok && prepared.errors.some((error) => error.path === '/id'))

  const lead = JSON.parse('{"id": "lead-1", "__proto__": {"polluted": 1}, "visitor": {"constructor": 1, "gclid": "g"}}')
  const fromJson = validator.prepare('lead', lead, 'json')
  if (!fromJson.ok) throw new Error('expected a valid lead')
  t.equal(Object.getPrototypeOf(fromJson.data), Object.prototype)
  t.notOk(Object.hasOwn(fromJson.data, '__proto__'))
  t.notOk(Object.hasOwn(fromJson.data.visitor as object, 'constructor'))
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  const fromForm = validator.prepare('lead', unflattenPairs(pairsFromBody('id=lead-1&__proto__[polluted]=1&visitor[constructor]=1&visitor[gclid]=g', FORM)), 'form')
  t.strictSame(fromForm, fromJson)
})

t.test('deep, shared and cyclic values inside unknown fields neither blow the stack nor loop', async t => {
  const data = viaJson(SAMPLE_PAYLOADS.call).data as Record<string, any>
  let deep: unknown = 'leaf'
  for (let level = 0; level < 100000; level++) deep = [deep]
  data.google_ads_extension = deep
  // 'form' takes the copying path (matching JSON of the call schema is returned as given).
  t.ok(validator.prepare('call', data, 'form').ok, '100,000 levels')

  const shared = { a: 'x' }
  const cyclic: Record<string, unknown> = { shared }
  cyclic.self = cyclic
  data.google_ads_extension = { one: shared, two: shared, cyclic }
  const prepared = validator.prepare('call', data, 'form')
  if (!prepared.ok) throw new Error('expected valid data')
  const copy = prepared.data.google_ads_extension as Record<string, any>
  t.equal(copy.one, copy.two, 'a shared value is copied once')
  t.equal(copy.cyclic.self, copy.cyclic, 'a cycle stays a cycle')
  t.not(copy.one, shared)
})

t.test('createResourceValidator takes replacement schemas; the others stay built in', async t => {
  const custom = createResourceValidator({ email: Type.Object({ id: Type.String(), size: Type.Integer({ default: 0 }) }) })
  t.strictSame(custom.prepare('email', { id: 'eml-1' }, 'json'), { ok: true, data: { id: 'eml-1', size: 0 } })
  t.strictSame(custom.prepare('email', { id: 'eml-1', size: '12' }, 'form'), { ok: true, data: { id: 'eml-1', size: 12 } })
  t.notOk(custom.prepare('email', {}, 'json').ok)
  t.ok(custom.prepare('call', viaJson(SAMPLE_PAYLOADS.call).data, 'json').ok)
  t.ok(custom.prepare('lead', {}, 'json').ok)
})

t.test('an object default that structuredClone cannot copy is refused when the validator is made, at any depth; plain data and functions are not', async t => {
  const withFunction = { fn: () => 1 }
  t.throws(() => createResourceValidator({ call: Type.Object({ id: Type.String(), cfg: Type.Optional(Type.Object({}, { default: withFunction })) }) }),
    { name: 'TypeError', message: /the call schema's default for "cfg" cannot be copied for each delivery \(.*\): give plain data, or a function that returns a new value/ })
  const deep = Type.Object({ id: Type.String(), items: Type.Array(Type.Union([Type.Object({ meta: Type.Optional(Type.Unknown({ absentAs: { at: Symbol('x') } })) }), Type.Null()])) })
  t.throws(() => createResourceValidator({ lead: deep }), { name: 'TypeError', message: /the lead schema's default for "meta"/ }, 'inside a list item of a union')
  const record = Type.Object({ id: Type.String(), map: Type.Record(Type.String(), Type.Object({ m: Type.Optional(Type.Unknown({ default: { f: Math.max } })) })) })
  t.throws(() => createResourceValidator({ email: record }), { message: /the email schema's default for "m"/ }, 'inside a record')
  const fine = Type.Object({ id: Type.String(), made: Type.Optional(Type.Unknown({ default: () => ({ made: true }) })), plain: Type.Optional(Type.Unknown({ default: { a: [1, { b: null }] } })) })
  const custom = createResourceValidator({ call: fine })
  t.strictSame(custom.prepare('call', { id: 'call-1' }, 'json'), { ok: true, data: { id: 'call-1', made: { made: true }, plain: { a: [1, { b: null }] } } })
})

t.test('an unknown resource name is a TypeError (a programming error, not a delivery)', async t => {
  t.throws(() => validator.prepare('fax' as 'call', {}, 'json'), { name: 'TypeError', message: /unknown resource "fax"/ })
})

t.test('inferTestResource: id prefix first, then calling_number, else undefined (our reading)', async t => {
  t.equal(inferTestResource({ id: 'call-1' }), 'call')
  t.equal(inferTestResource({ id: 'lead-1' }), 'lead')
  t.equal(inferTestResource({ id: 'led-1' }), 'lead')
  t.equal(inferTestResource({ id: 'email-1' }), 'email')
  t.equal(inferTestResource({ id: 'eml-1' }), 'email')
  t.equal(inferTestResource({ id: 'mail-1' }), 'email')
  // The prefix wins over the caller field: a lead may carry the caller's number.
  t.equal(inferTestResource({ id: 'lead-1', calling_number: '0033612345678' }), 'lead')
  t.equal(inferTestResource({ id: 'xyz-1', calling_number: '0033612345678' }), 'call')
  t.equal(inferTestResource({ calling_number: null }), 'call')
  t.equal(inferTestResource({ id: 42 }), undefined)
  t.equal(inferTestResource({ id: 'CALL-1' }), undefined, 'prefixes are case-sensitive')
  t.equal(inferTestResource({}), undefined)
  t.equal(inferTestResource(null), undefined)
  t.equal(inferTestResource('call-1'), undefined)
  t.equal(inferTestResource(Object.create({ calling_number: 'x' })), undefined, 'inherited fields do not count')
  for (const resource of ['call', 'email', 'lead'] as const) {
    t.equal(inferTestResource(SAMPLE_PAYLOADS[resource].data), resource, `the ${resource} sample`)
  }
})

// Calls as a PHP sender could send them: any text, nulls where the default
// is null, absent fields (all but the guaranteed id), seconds as numbers or
// numeric strings (halves too), booleans as true/false, 0/1, "0"/"1",
// "true"/"false", phone numbers as JSON numbers, PHP arrays as lists or as
// maps, extra fields. Left out: what a form cannot carry apart from its
// default (null or {} for a list, an empty object, an item with no field),
// and numbers in unknown fields (a form cannot say whether "1" was a number).
const text = fc.string({ maxLength: 12 })
const nullableText = fc.option(text, { nil: null })
const textTree = fc.oneof(text, fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), text, { minKeys: 1, maxKeys: 3 }))
const phpArray = fc.oneof(
  fc.array(textTree, { maxLength: 3 }),
  fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), textTree, { minKeys: 1, maxKeys: 3 }))
const seconds = fc.oneof(fc.maxSafeNat(), fc.nat(200000).map((n) => n / 2), fc.nat(200000).map((n) => String(n / 2)), fc.constant(null))
const flag = fc.constantFrom(true, false, 0, 1, '0', '1', 'true', 'false', null)
const phone = fc.oneof(nullableText, fc.integer({ min: 33100000000, max: 33999999999 }))
const callArbitrary = fc.record({
  id: text,
  account: fc.option(fc.record({ id: text, name: nullableText }, { requiredKeys: ['id'] }), { nil: null }),
  calling_country: nullableText,
  calling_number: phone,
  calling_type: nullableText,
  channel_name: nullableText,
  channel_type: nullableText,
  date: nullableText,
  duration: seconds,
  end_status: nullableText,
  events: fc.array(fc.record({ date: nullableText, name: text, value: nullableText }, { requiredKeys: ['name'] }), { maxLength: 4 }),
  firsttime_caller: flag,
  flow_status: nullableText,
  google_ads_extension: fc.oneof(fc.constant(null), textTree),
  missed: flag,
  number_id: nullableText,
  pool_id: nullableText,
  recipient_number: phone,
  tracked_country: nullableText,
  tracked_number: phone,
  tracked_type: nullableText,
  voice_duration: seconds,
  visitor: fc.option(fc.record({
    condition_name: text,
    condition_type: nullableText,
    custom_cookies: phpArray,
    custom_local_storage: phpArray,
    custom_params: phpArray,
    ga: nullableText,
    gclid: nullableText,
    msclkid: nullableText,
    utm: fc.array(fc.record({ key: text, value: nullableText }, { requiredKeys: ['key'] }), { maxLength: 3 }),
    valuetrack: phpArray,
    '3rdparty': phpArray,
    fbclid: text
  }, { requiredKeys: ['condition_name'] }), { nil: null }),
  extra_field: text
}, { requiredKeys: ['id'] })

t.test('property: any valid call sent as JSON and as a form gives deep-equal data', async t => {
  fc.assert(fc.property(callArbitrary, fc.constantFrom('call:completed', 'call:missed', 'test'), (data, event) => {
    const envelope = { event, data }
    const fromJson = validator.prepare('call', viaJson(envelope).data, 'json')
    const fromForm = validator.prepare('call', viaForm(envelope).data, 'form')
    deepStrictEqual(fromJson.ok, true)
    deepStrictEqual(fromForm, fromJson)
  }), { numRuns: PROPERTY_RUNS })
  t.pass(`${PROPERTY_RUNS} calls agree`)
})

t.test('JSON that already matches a schema whose defaults all sit on required fields is returned as given (no copy, no fill)', async t => {
  const fast = createResourceValidator({ call: Type.Object({ id: Type.String(), tags: Type.Array(Type.String(), { default: [] }) }) })
  const data = { id: 'call-1', tags: ['a'] }
  const prepared = fast.prepare('call', data, 'json')
  t.ok(prepared.ok)
  t.equal(prepared.ok && prepared.data, data, 'the same object: copying and filling would change nothing')
  const asForm = fast.prepare('call', data, 'form')
  t.not(asForm.ok && asForm.data, data, 'form data is always converted on a copy')
})

t.test('a default that could apply to matching JSON (absent optional property, union member, additional properties, list items) keeps the copy-and-fill path', async t => {
  const { Type } = await import('@sinclair/typebox')
  const schemas = {
    'optional property': Type.Object({ id: Type.String(), note: Type.Optional(Type.String({ default: 'none' })) }),
    'union member': Type.Object({ id: Type.String(), tag: Type.Union([Type.Object({ kind: Type.String({ default: 'k' }) }), Type.Null()]) }),
    'additional properties': Type.Object({ id: Type.String() }, { additionalProperties: Type.String({ default: 'x' }) }),
    'array items': Type.Object({ id: Type.String(), list: Type.Array(Type.Object({ a: Type.Optional(Type.Number({ default: 1 })) })) }),
    'absentAs list': Type.Object({ id: Type.String(), tags: Type.Optional(Type.Array(Type.String(), { absentAs: [] })) })
  }
  const inputs: Record<string, Record<string, unknown>> = {
    'optional property': { id: 'call-1' },
    'union member': { id: 'call-1', tag: {} },
    'additional properties': { id: 'call-1' },
    'array items': { id: 'call-1', list: [{}] },
    'absentAs list': { id: 'call-1' }
  }
  for (const [name, schema] of Object.entries(schemas)) {
    const input = inputs[name] as Record<string, unknown>
    const prepared = createResourceValidator({ call: schema }).prepare('call', input, 'json')
    t.ok(prepared.ok, name)
    t.not(prepared.ok && prepared.data, input, `${name}: copied, so defaults can be filled`)
  }
  t.same(createResourceValidator({ call: schemas['absentAs list'] }).prepare('call', { id: 'call-1' }, 'json'), { ok: true, data: { id: 'call-1', tags: [] } })
  const filled = createResourceValidator({ call: schemas['optional property'] }).prepare('call', { id: 'call-1' }, 'json')
  t.same(filled.ok && filled.data, { id: 'call-1', note: 'none' })
  const required = Type.Object({ id: Type.String(), note: Type.String({ default: 'none' }) })
  const plain = { id: 'call-1', note: 'given' }
  const passed = createResourceValidator({ call: required }).prepare('call', plain, 'json')
  t.equal(passed.ok && passed.data, plain, 'a default on a required field cannot apply to a match: no copy')
  const nullTag = { id: 'call-1', tag: null }
  const union = createResourceValidator({ call: schemas['union member'] }).prepare('call', nullTag, 'json')
  t.equal(union.ok && union.data, nullTag, 'a union member whose default cannot apply to the value given (null): no copy')
})

t.test('matching JSON that lacks no defaulted property is returned as given, whatever the schema\'s kinds', async t => {
  const { Type } = await import('@sinclair/typebox')
  const cases: Array<[string, TSchema, Record<string, unknown>, boolean]> = [
    // [name, schema, matching data, copied]
    ['optional default present', Type.Object({ id: Type.String(), note: Type.Optional(Type.String({ default: 'none' })) }), { id: 'call-1', note: 'n' }, false],
    ['absentAs present', Type.Object({ id: Type.String(), list: Type.Optional(Type.Array(Type.String(), { absentAs: [] })) }), { id: 'call-1', list: [] }, false],
    ['absentAs absent', Type.Object({ id: Type.String(), list: Type.Optional(Type.Array(Type.String(), { absentAs: [] })) }), { id: 'call-1' }, true],
    ['record values without defaults', Type.Object({ id: Type.String(), map: Type.Record(Type.String(), Type.Object({ a: Type.Optional(Type.String()) })) }), { id: 'call-1', map: { x: {} } }, false],
    ['record values with a default', Type.Object({ id: Type.String(), map: Type.Record(Type.String(), Type.Object({ a: Type.Optional(Type.String({ default: 'd' })) })) }), { id: 'call-1', map: { x: {} } }, true],
    ['union of a list and an object, given the object', Type.Object({ id: Type.String(), php: Type.Union([Type.Array(Type.String()), Type.Object({ a: Type.String() })]) }), { id: 'call-1', php: { a: 'x' } }, false],
    ['an intersection is not followed', Type.Object({ id: Type.String(), both: Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ b: Type.String() })]) }), { id: 'call-1', both: { a: 'x', b: 'y' } }, true],
    // A list is shaped by the union's list member alone: the record member's defaults cannot apply to it.
    ['a list given to a union of a record with defaults and a list without', Type.Object({
      id: Type.String(),
      php: Type.Union([Type.Record(Type.String(), Type.Object({ a: Type.Optional(Type.String({ default: 'd' })) })), Type.Array(Type.Object({ a: Type.Optional(Type.String()) }))])
    }), { id: 'call-1', php: [{}] }, false],
    ['a map given to the same union: the record member fills', Type.Object({
      id: Type.String(),
      php: Type.Union([Type.Record(Type.String(), Type.Object({ a: Type.Optional(Type.String({ default: 'd' })) })), Type.Array(Type.Object({ a: Type.Optional(Type.String()) }))])
    }), { id: 'call-1', php: { x: {} } }, true],
    // Two object members both fit an object: shaping follows neither, so neither's default applies.
    ['a union of two object members', Type.Object({
      id: Type.String(),
      either: Type.Union([Type.Object({ a: Type.Optional(Type.String({ default: 'd' })) }), Type.Object({ b: Type.String() })])
    }), { id: 'call-1', either: { b: 'x' } }, false]
  ]
  for (const [name, schema, data, copied] of cases) {
    const expected = shapeBySchema(schema, structuredClone(data))
    const prepared = createResourceValidator({ call: schema }).prepare('call', data, 'json')
    t.ok(prepared.ok, name)
    t.strictSame(prepared.ok && prepared.data, expected, `${name}: the data shapeBySchema gives`)
    if (copied) t.not(prepared.ok && prepared.data, data, `${name}: copied`)
    else t.equal(prepared.ok && prepared.data, data, `${name}: as given`)
  }
  const sample = JSON.parse(readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8')) as { data: Record<string, unknown> }
  const builtIn = createResourceValidator().prepare('call', sample.data, 'json')
  t.equal(builtIn.ok && builtIn.data, sample.data, 'the vendor\'s sample, as JSON, with the built-in call schema: as given')
})

t.test('shapeBySchema: lists to objects where only an object fits, defaults for absent properties, unions followed only into the one member that fits', async t => {
  const account = Type.Object({ id: Type.Optional(Type.String({ default: 'none' })) })
  t.strictSame(shapeBySchema(Type.Object({ account }), { account: [] }), { account: { id: 'none' } }, '[] where an object fits is {}, then filled')
  t.strictSame(shapeBySchema(Type.Record(Type.String(), Type.Unknown()), ['a', null, 'c'], true), { 0: 'a', 2: 'c' }, 'form holes get no key')
  t.strictSame(shapeBySchema(Type.Record(Type.String(), Type.Unknown()), ['a', null]), { 0: 'a', 1: null }, 'JSON nulls are values')
  t.strictSame(shapeBySchema(Type.Array(account), [[], {}]), [{ id: 'none' }, { id: 'none' }], 'list items')
  const twoObjects = Type.Union([Type.Object({ a: Type.Number({ default: 1 }) }), Type.Object({ b: Type.Number({ default: 2 }) })])
  t.strictSame(shapeBySchema(twoObjects, {}), {}, 'two object members: which one applies is unknown, so nothing is filled')
  t.strictSame(shapeBySchema(twoObjects, []), [], 'nor is a list turned into an object')
  const listOrMap = Type.Union([Type.Array(Type.Unknown()), Type.Record(Type.String(), Type.Unknown())])
  t.strictSame(shapeBySchema(listOrMap, ['a']), ['a'], 'a list is kept where a list fits')
  t.strictSame(shapeBySchema(listOrMap, { promo: 'x' }), { promo: 'x' }, 'an object is kept')
  let calls = 0
  const dated = Type.Object({ at: Type.Optional(Type.Number({ default: () => ++calls })), tags: Type.Optional(Type.Array(Type.String(), { absentAs: [] })) })
  t.strictSame(shapeBySchema(dated, {}), { at: 1, tags: [] }, 'a function default is called; absentAs is copied')
  const shared = Type.Object({ tags: Type.Optional(Type.Array(Type.String(), { absentAs: [] })) })
  const first = shapeBySchema(shared, {}) as { tags: string[] }
  first.tags.push('x')
  t.strictSame(shapeBySchema(shared, {}), { tags: [] }, 'each fill is a fresh copy')
  t.equal(shapeBySchema(Type.String(), 'x'), 'x', 'scalars pass through')
})

t.test('form text is left as it is only where the schema takes any text; a union of constrained text converts as Value.Convert does', async t => {
  const schema = Type.Object({
    id: Type.String(),
    code: Type.Union([Type.String({ pattern: '^[a-z]+$' }), Type.Number()]),
    label: Type.Union([Type.String(), Type.Number()]),
    count: Type.Union([Type.Null(), Type.Number(), Type.String({ minLength: 3 })]),
    anything: Type.Unknown(),
    numberOrAnything: Type.Union([Type.Number(), Type.Unknown()]),
    short: Type.Optional(Type.String({ maxLength: 2 }))
  })
  const custom = createResourceValidator({ call: schema })
  const data = { id: 'call-1', code: '42', label: '42', count: '7', anything: '1', numberOrAnything: '5' }
  const prepared = custom.prepare('call', { ...data }, 'form')
  t.strictSame(prepared, { ok: true, data: { id: 'call-1', code: 42, label: '42', count: 7, anything: '1', numberOrAnything: '5' } })
  t.strictSame(prepared, { ok: true, data: Value.Convert(schema, { ...data }) }, 'as Value.Convert of the whole schema gives')
  t.strictSame(custom.prepare('call', { ...data, code: 'abc' }, 'form'), { ok: true, data: { ...data, code: 'abc', count: 7 } }, 'text that fits the constrained member stays text')
  const refused = custom.prepare('call', { ...data, short: 'abc' }, 'form')
  t.equal(refused.ok, false, 'text past a maxLength is still refused')
  t.match(refused, { errors: [{ path: '/short' }] })
})
