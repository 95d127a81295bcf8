// The resource schemas (lib/schemas/) against the vendor page's sample, and
// the built-in samples (lib/samples.ts) against the schemas.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { Kind, Type, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import {
  Account, Call, CallEvent, Email, Lead, Nullable, RESOURCE_SCHEMAS, Seconds, Utm, VendorDateTime, Visitor, WebhookEnvelope
} from '../../lib/events/schemas/index.js'
import { SAMPLE_PAYLOADS, samplePayload } from '../../lib/events/samples.js'

// The vendor page's sample as JSON, transcribed independently of lib/.
const PAGE_SAMPLE = JSON.parse(readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8')) as {
  event: string
  data: Record<string, unknown> & { visitor: Record<string, unknown>, events: Array<Record<string, unknown>> }
}

type ObjectSchema = TSchema & { properties: Record<string, TSchema>, required?: string[], additionalProperties?: unknown }

function objectOf (schema: TSchema): ObjectSchema {
  // Through unions (Nullable) and arrays to the object inside.
  if (schema.type === 'array') return objectOf(schema.items as TSchema)
  if (Array.isArray(schema.anyOf)) return objectOf((schema.anyOf as TSchema[])[0] as TSchema)
  return schema as ObjectSchema
}

/** Every schema node, depth first. */
function * walk (schema: TSchema): Generator<TSchema> {
  yield schema
  for (const child of Object.values((schema.properties ?? {}) as Record<string, TSchema>)) yield * walk(child)
  if (schema.items !== undefined) yield * walk(schema.items as TSchema)
  for (const child of (schema.anyOf ?? []) as TSchema[]) yield * walk(child)
}

t.test('the vendor page\'s sample validates against Call as it is', async t => {
  t.ok(Value.Check(Call, PAGE_SAMPLE.data))
  t.strictSame([...Value.Errors(Call, PAGE_SAMPLE.data)], [])
})

t.test('Call has exactly the sample\'s fields, all required, at every level', async t => {
  const levels: Array<[string, ObjectSchema, Record<string, unknown>]> = [
    ['data', Call, PAGE_SAMPLE.data],
    ['account', Account, PAGE_SAMPLE.data.account as Record<string, unknown>],
    ['events[]', objectOf(Call.properties.events), PAGE_SAMPLE.data.events[1] as Record<string, unknown>],
    ['visitor', Visitor, PAGE_SAMPLE.data.visitor],
    ['visitor.utm[]', objectOf(Visitor.properties.utm), (PAGE_SAMPLE.data.visitor.utm as Array<Record<string, unknown>>)[0] as Record<string, unknown>]
  ]
  for (const [name, schema, sample] of levels) {
    t.strictSame(Object.keys(schema.properties).sort(), Object.keys(sample).sort(), `${name}: fields`)
    t.strictSame([...(schema.required ?? [])].sort(), Object.keys(sample).sort(), `${name}: required`)
  }
  t.equal(Call.properties.account, Account)
  t.equal(Call.properties.visitor, Visitor)
  t.equal(Call.properties.events.items, CallEvent)
  t.equal(Visitor.properties.utm.items, Utm)
})

t.test('every field that is null or [] in the sample has that value as its default', async t => {
  const nullOrEmpty: Array<[string, ObjectSchema, string, unknown]> = []
  const collect = (schema: ObjectSchema, sample: Record<string, unknown>, where: string): void => {
    for (const [key, value] of Object.entries(sample)) {
      if (value === null || (Array.isArray(value) && value.length === 0)) nullOrEmpty.push([where + key, schema, key, value])
    }
  }
  collect(Call, PAGE_SAMPLE.data, 'data.')
  collect(Visitor, PAGE_SAMPLE.data.visitor, 'visitor.')
  for (const event of PAGE_SAMPLE.data.events) collect(CallEvent, event, 'events[].')
  t.strictSame([...new Set(nullOrEmpty.map(([name]) => name))].sort(), [
    'data.google_ads_extension', 'events[].value',
    'visitor.3rdparty', 'visitor.custom_cookies', 'visitor.custom_local_storage', 'visitor.custom_params', 'visitor.msclkid', 'visitor.valuetrack'
  ])
  for (const [name, schema, key, value] of nullOrEmpty) {
    t.strictSame(schema.properties[key]?.default, value, `${name} defaults to ${JSON.stringify(value)}`)
  }
})

t.test('nullability: google_ads_extension is unknown (default null), msclkid and events[].value are nullable strings', async t => {
  t.equal(Call.properties.google_ads_extension[Kind], 'Unknown')
  for (const schema of [Visitor.properties.msclkid, CallEvent.properties.value, Visitor.properties.gclid, Visitor.properties.ga]) {
    t.ok(Value.Check(schema, null))
    t.ok(Value.Check(schema, 'x'))
    t.notOk(Value.Check(schema, 1))
  }
  // The fields the sample shows as text are not nullable.
  t.notOk(Value.Check(Call, { ...PAGE_SAMPLE.data, calling_number: null }))
  t.notOk(Value.Check(Call, { ...PAGE_SAMPLE.data, account: null }))
})

t.test('array fields default to [] (a form cannot carry an empty list)', async t => {
  t.strictSame(Call.properties.events.default, [])
  t.strictSame(Visitor.properties.utm.default, [])
})

t.test('durations are whole seconds; dates are described as the vendor\'s local "YYYY-MM-DD HH:MM:SS"', async t => {
  for (const field of ['duration', 'voice_duration'] as const) {
    t.equal(Call.properties[field].type, 'integer')
    t.match(Call.properties[field].description, /seconds/)
    t.notOk(Value.Check(Call, { ...PAGE_SAMPLE.data, [field]: 43.5 }), `${field} 43.5`)
    t.notOk(Value.Check(Call, { ...PAGE_SAMPLE.data, [field]: -1 }), `${field} -1`)
    t.notOk(Value.Check(Call, { ...PAGE_SAMPLE.data, [field]: '43' }), `${field} "43"`)
  }
  for (const schema of [Call.properties.date, CallEvent.properties.date, Email.properties.date, Lead.properties.date]) {
    t.match(schema.description, /"YYYY-MM-DD HH:MM:SS".*local time.*no time zone/)
  }
  t.equal(Seconds('x').type, 'integer')
  t.equal(VendorDateTime('x').type, 'string')
})

t.test('no object schema refuses extra fields; extra fields pass at every level', async t => {
  for (const root of [Call, Email, Lead, WebhookEnvelope]) {
    for (const node of walk(root)) t.not(node.additionalProperties, false)
  }
  const data = structuredClone(PAGE_SAMPLE.data) as Record<string, any>
  data.new_field = 'x'
  data.account.region = 'x'
  data.visitor.fbclid = 'x'
  data.events[0].extra = 1
  data.visitor.utm[0].extra = true
  t.ok(Value.Check(Call, data))
})

t.test('Email and Lead: every field is optional and marked inferred; {} and extra fields pass', async t => {
  for (const [name, schema] of [['Email', Email], ['Lead', Lead]] as const) {
    t.equal(schema.required, undefined, `${name} requires nothing`)
    t.ok(Value.Check(schema, {}))
    t.ok(Value.Check(schema, { unknown_field: { any: 'thing' } }))
    for (const [field, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
      t.match(property.description, /^inferred: /, `${name}.${field} says it is inferred`)
    }
    // Nested shapes are partial too: a visitor or account with one field passes.
    t.ok(Value.Check(schema, { account: { id: 'acc-1' }, visitor: { gclid: 'x' } }))
    t.notOk(Value.Check(schema, { id: 1 }))
  }
  t.ok(Value.Check(Lead, { call_id: null, email_id: 'eml-1' }))
})

t.test('WebhookEnvelope: a non-empty event name and an object of data; extra fields kept', async t => {
  t.ok(Value.Check(WebhookEnvelope, { event: 'test', data: {} }))
  t.ok(Value.Check(WebhookEnvelope, { event: 'call:future', data: { x: 1 }, attempt: 2 }))
  t.notOk(Value.Check(WebhookEnvelope, { event: '', data: {} }))
  t.notOk(Value.Check(WebhookEnvelope, { data: {} }))
  t.notOk(Value.Check(WebhookEnvelope, { event: 'test' }))
  t.notOk(Value.Check(WebhookEnvelope, { event: 'test', data: [] }))
  t.notOk(Value.Check(WebhookEnvelope, { event: 'test', data: 'x' }))
})

t.test('Nullable puts the non-null type first and carries options', async t => {
  const schema = Nullable(Type.Integer(), { default: null })
  t.equal(schema.anyOf[0][Kind], 'Integer')
  t.equal(schema.anyOf[1][Kind], 'Null')
  t.equal(schema.default, null)
  t.strictSame(Value.Convert(schema, '43'), 43)
  t.strictSame(Value.Convert(Nullable(Type.String()), 'null'), 'null')
})

t.test('RESOURCE_SCHEMAS maps each resource to its schema', async t => {
  t.strictSame(Object.keys(RESOURCE_SCHEMAS), ['call', 'email', 'lead'])
  t.equal(RESOURCE_SCHEMAS.call, Call)
  t.equal(RESOURCE_SCHEMAS.email, Email)
  t.equal(RESOURCE_SCHEMAS.lead, Lead)
})

t.test('the CALL sample is the vendor page\'s sample exactly', async t => {
  t.strictSame(SAMPLE_PAYLOADS.call, PAGE_SAMPLE)
  t.equal(SAMPLE_PAYLOADS.call.event, 'test')
  // Key order too, so JSON.stringify reproduces the page's text.
  t.equal(JSON.stringify(SAMPLE_PAYLOADS.call), JSON.stringify(PAGE_SAMPLE))
})

t.test('each sample is a valid envelope whose data validates against its resource\'s schema', async t => {
  for (const resource of ['call', 'email', 'lead'] as const) {
    const sample = SAMPLE_PAYLOADS[resource]
    t.ok(Value.Check(WebhookEnvelope, sample), `${resource}: envelope`)
    t.strictSame([...Value.Errors(RESOURCE_SCHEMAS[resource], sample.data)], [], `${resource}: data`)
  }
  // Every field of the inferred schemas appears in its sample, so the samples show the whole shape.
  t.strictSame(Object.keys(SAMPLE_PAYLOADS.email.data).sort(), Object.keys(Email.properties).sort())
  t.strictSame(Object.keys(SAMPLE_PAYLOADS.lead.data).sort(), Object.keys(Lead.properties).sort())
})

t.test('the EMAIL and LEAD samples use eml-/lead- ids, 0033… numbers and example.com addresses', async t => {
  t.match(SAMPLE_PAYLOADS.email.data.id, /^eml-[0-9a-f-]{36}$/)
  t.match(SAMPLE_PAYLOADS.lead.data.id, /^lead-[0-9a-f-]{36}$/)
  const texts = JSON.stringify([SAMPLE_PAYLOADS.email, SAMPLE_PAYLOADS.lead])
  for (const address of texts.match(/[\w.+-]+@[\w.-]+/g) ?? []) t.match(address, /[@.]example\.com$/, address)
  for (const number of texts.match(/"\+?\d{9,}"/g) ?? []) t.match(number, /^"0033\d{9}"$/, number)
  t.equal(SAMPLE_PAYLOADS.lead.data.call_id, SAMPLE_PAYLOADS.call.data.id)
})

t.test('SAMPLE_PAYLOADS is deeply frozen', async t => {
  t.ok(Object.isFrozen(SAMPLE_PAYLOADS))
  t.ok(Object.isFrozen(SAMPLE_PAYLOADS.call.data.visitor.utm[0]))
  t.ok(Object.isFrozen(SAMPLE_PAYLOADS.lead.data.visitor?.custom_params))
  t.throws(() => { (SAMPLE_PAYLOADS.call.data as { id: string }).id = 'x' }, TypeError)
})

t.test('samplePayload returns a deep copy with the event set, of the resource asked or implied', async t => {
  const copy = samplePayload('call:completed', 'call')
  t.equal(copy.event, 'call:completed')
  t.strictSame(copy.data, SAMPLE_PAYLOADS.call.data)
  copy.data.visitor.utm.push({ key: 'utm_medium', value: 'cpc' })
  copy.data.account.name = 'changed'
  t.equal(SAMPLE_PAYLOADS.call.data.visitor.utm.length, 1)
  t.equal(SAMPLE_PAYLOADS.call.data.account.name, 'My account')
  t.notOk(Object.isFrozen(copy.data))

  t.strictSame(samplePayload('email:received').data, SAMPLE_PAYLOADS.email.data)
  t.strictSame(samplePayload('lead:created').data, SAMPLE_PAYLOADS.lead.data)
  t.strictSame(samplePayload('call:missed').data, SAMPLE_PAYLOADS.call.data)
  t.strictSame(samplePayload('test').data, SAMPLE_PAYLOADS.call.data)
  t.strictSame(samplePayload('something:else').data, SAMPLE_PAYLOADS.call.data)
  t.strictSame(samplePayload('test', 'lead'), { data: SAMPLE_PAYLOADS.lead.data, event: 'test' })
  t.strictSame(samplePayload('test', 'email').event, 'test')
})
