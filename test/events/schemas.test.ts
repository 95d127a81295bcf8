// The resource schemas (lib/schemas/) against the vendor page's sample, and
// the built-in samples (lib/samples.ts) against the schemas.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { Kind, OptionalKind, Type, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import {
  Account, Call, CallEvent, Email, Lead, Maybe, Nullable, PhpArray, RESOURCE_SCHEMAS, Seconds, Utm, VendorDateTime, Visitor, WebhookEnvelope
} from '../../lib/events/schemas/index.js'
import { SAMPLE_PAYLOADS, samplePayload } from '../../lib/events/samples.js'

// The vendor page's sample as JSON, transcribed independently of lib/.
const PAGE_SAMPLE = JSON.parse(readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8')) as {
  event: string
  data: Record<string, unknown> & { visitor: Record<string, unknown>, events: Array<Record<string, unknown>> }
}

type ObjectSchema = TSchema & { properties: Record<string, TSchema>, required?: string[], additionalProperties?: unknown }

function objectOf (schema: TSchema): ObjectSchema {
  // Through unions (Nullable, PhpList), arrays and maps to the object inside.
  if (schema.type === 'array') return objectOf(schema.items as TSchema)
  if (schema.patternProperties !== undefined) return objectOf(Object.values(schema.patternProperties as Record<string, TSchema>)[0] as TSchema)
  if (Array.isArray(schema.anyOf)) return objectOf((schema.anyOf as TSchema[])[0] as TSchema)
  return schema as ObjectSchema
}

/** Every schema node, depth first. */
function * walk (schema: TSchema): Generator<TSchema> {
  yield schema
  for (const child of Object.values((schema.properties ?? {}) as Record<string, TSchema>)) yield * walk(child)
  if (schema.items !== undefined) yield * walk(schema.items as TSchema)
  for (const child of Object.values((schema.patternProperties ?? {}) as Record<string, TSchema>)) yield * walk(child)
  for (const child of (schema.anyOf ?? []) as TSchema[]) yield * walk(child)
}

t.test('the vendor page\'s sample validates against Call as it is', async t => {
  t.ok(Value.Check(Call, PAGE_SAMPLE.data))
  t.strictSame([...Value.Errors(Call, PAGE_SAMPLE.data)], [])
})

t.test('Call has exactly the sample\'s fields at every level; only data.id is required', async t => {
  const levels: Array<[string, ObjectSchema, Record<string, unknown>, string[]]> = [
    ['data', Call, PAGE_SAMPLE.data, ['id']],
    ['account', Account, PAGE_SAMPLE.data.account as Record<string, unknown>, []],
    ['events[]', objectOf(Call.properties.events), PAGE_SAMPLE.data.events[1] as Record<string, unknown>, []],
    ['visitor', Visitor, PAGE_SAMPLE.data.visitor, []],
    ['visitor.utm[]', objectOf(Visitor.properties.utm), (PAGE_SAMPLE.data.visitor.utm as Array<Record<string, unknown>>)[0] as Record<string, unknown>, []]
  ]
  for (const [name, schema, sample, required] of levels) {
    t.strictSame(Object.keys(schema.properties).sort(), Object.keys(sample).sort(), `${name}: fields`)
    t.strictSame(schema.required ?? [], required, `${name}: required`)
  }
  t.equal(objectOf(Call.properties.account), Account)
  t.equal(objectOf(Call.properties.visitor), Visitor)
  t.equal(objectOf(Call.properties.events), CallEvent)
  t.equal(objectOf(Visitor.properties.utm), Utm)
})

t.test('the guaranteed id alone is a valid call; every other field may be null, at every level', async t => {
  t.ok(Value.Check(Call, { id: 'call-1' }))
  t.notOk(Value.Check(Call, {}), 'id is guaranteed')
  t.notOk(Value.Check(Call, { id: null }), 'id is never null')
  const nulls = (schema: ObjectSchema, except: string[] = []): Record<string, null> =>
    Object.fromEntries(Object.keys(schema.properties).filter((key) => !except.includes(key)).map((key) => [key, null]))
  t.ok(Value.Check(Call, { id: 'call-1', ...nulls(Call, ['id']) }), 'data: all null but id')
  t.ok(Value.Check(Call, { id: 'call-1', account: nulls(Account), visitor: nulls(Visitor), events: [nulls(CallEvent), null] }), 'nested objects: all null; list items may be null (form holes)')
  t.ok(Value.Check(Call, { id: 'call-1', visitor: { utm: [nulls(Utm), null] } }), 'utm items too')
  for (const schema of [Account, Visitor, CallEvent, Utm]) t.ok(Value.Check(schema, {}), 'an empty nested object passes')
})

t.test('each optional field defaults to null, or is [] when absent for the sample\'s lists (a form carries neither)', async t => {
  const lists = new Set(['events', 'utm', 'custom_cookies', 'custom_local_storage', 'custom_params', 'valuetrack', '3rdparty'])
  for (const schema of [Call, Account, Visitor, CallEvent, Utm, Email, Lead] as ObjectSchema[]) {
    for (const [key, property] of Object.entries(schema.properties)) {
      if ((schema.required ?? []).includes(key)) {
        t.equal(property.default, undefined, `${key}: required, no default`)
        continue
      }
      if (lists.has(key)) {
        t.strictSame(property.absentAs, [], `${key} is [] when absent`)
        t.notOk('default' in property, `${key}: no TypeBox default, which would merge an object into []`)
      } else {
        t.strictSame(property.default, null, `${key} defaults to null`)
      }
    }
  }
})

t.test('the caller, recipient, durations, end status and visitor may be null or absent (ringing, missed, withheld, direct calls)', async t => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['call:ringing', { duration: 0, voice_duration: null, end_status: null }],
    ['call:missed', { recipient_number: null }],
    ['withheld caller', { calling_number: null, calling_country: null, calling_type: null, firsttime_caller: null }],
    ['direct call', { visitor: null, channel_name: null, channel_type: null, pool_id: null }]
  ]
  for (const [name, change] of cases) t.ok(Value.Check(Call, { ...PAGE_SAMPLE.data, ...change }), name)
  const { visitor, ...noVisitor } = PAGE_SAMPLE.data
  t.ok(visitor !== undefined && Value.Check(Call, noVisitor), 'visitor absent')
  t.equal(Call.properties.google_ads_extension[Kind], 'Unknown')
  for (const schema of [Visitor.properties.msclkid, CallEvent.properties.value, Visitor.properties.gclid, Visitor.properties.ga, Call.properties.calling_number]) {
    t.ok(Value.Check(schema, null))
    t.ok(Value.Check(schema, 'x'))
    t.notOk(Value.Check(schema, 1), 'a number is no text: the validator converts it first')
  }
})

t.test('a PHP array field takes a list, an object or null; it is never narrowed to one', async t => {
  for (const field of ['custom_cookies', 'custom_local_storage', 'custom_params', 'valuetrack', '3rdparty'] as const) {
    for (const value of [[], ['a', { b: 1 }], { promo: 'ETE24' }, null]) {
      t.ok(Value.Check(Visitor, { [field]: value }), `${field}: ${JSON.stringify(value)}`)
    }
    t.notOk(Value.Check(Visitor, { [field]: 'x' }), `${field}: text is no array`)
    t.match(Visitor.properties[field].description, /PHP array: a list or an object/)
  }
  t.strictSame(PhpArray('x').absentAs, [])
})

t.test('durations are seconds, fractions kept; dates are described as the vendor\'s local "YYYY-MM-DD HH:MM:SS"', async t => {
  for (const field of ['duration', 'voice_duration'] as const) {
    t.equal(objectOf(Call.properties[field]).type, 'number', 'number, not integer: 43.5 is not truncated')
    t.match(Call.properties[field].description, /seconds/)
    t.ok(Value.Check(Call, { ...PAGE_SAMPLE.data, [field]: 43.5 }), `${field} 43.5`)
    t.notOk(Value.Check(Call, { ...PAGE_SAMPLE.data, [field]: '43' }), `${field} "43": the validator converts it, the schema does not`)
  }
  for (const schema of [Call.properties.date, CallEvent.properties.date, Email.properties.date, Lead.properties.date]) {
    t.match(objectOf(schema).description, /"YYYY-MM-DD HH:MM:SS".*local time.*no time zone/)
  }
  t.equal(Seconds('x').type, 'number')
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

t.test('Email and Lead: nothing is guaranteed, every field is optional, nullable and marked inferred; {} and extra fields pass', async t => {
  for (const [name, schema] of [['Email', Email], ['Lead', Lead]] as const) {
    t.equal(schema.required, undefined, `${name} requires nothing`)
    t.ok(Value.Check(schema, {}))
    t.ok(Value.Check(schema, { unknown_field: { any: 'thing' } }))
    for (const [field, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
      t.match(property.description, /^inferred: /, `${name}.${field} says it is inferred`)
      t.ok(Value.Check(schema, { [field]: null }), `${name}.${field} may be null`)
    }
    t.ok(Value.Check(schema, { account: { id: 'acc-1' }, visitor: { gclid: 'x', custom_params: { promo: 'ETE24' } } }))
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

t.test('Maybe is an optional Nullable with default null', async t => {
  const schema = Maybe(Type.String(), 'a note')
  t.equal(schema[OptionalKind], 'Optional')
  t.equal(schema.anyOf[0][Kind], 'String')
  t.equal(schema.default, null)
  t.equal(schema.description, 'a note')
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
  t.ok(Object.isFrozen(Object.values(SAMPLE_PAYLOADS.call.data.visitor?.utm ?? [])[0]))
  t.ok(Object.isFrozen(SAMPLE_PAYLOADS.lead.data.visitor?.custom_params))
  t.throws(() => { (SAMPLE_PAYLOADS.call.data as { id: string }).id = 'x' }, TypeError)
})

t.test('samplePayload returns a deep copy with the event set, of the resource asked or implied', async t => {
  const copy = samplePayload('call:completed', 'call')
  t.equal(copy.event, 'call:completed')
  t.strictSame(copy.data, SAMPLE_PAYLOADS.call.data)
  const utm = copy.data.visitor?.utm
  if (Array.isArray(utm)) utm.push({ key: 'utm_medium', value: 'cpc' })
  if (copy.data.account) copy.data.account.name = 'changed'
  t.equal(Object.values(copy.data.visitor?.utm ?? []).length, 2)
  t.equal(Object.values(SAMPLE_PAYLOADS.call.data.visitor?.utm ?? []).length, 1)
  t.equal(SAMPLE_PAYLOADS.call.data.account?.name, 'My account')
  t.notOk(Object.isFrozen(copy.data))

  t.strictSame(samplePayload('email:received').data, SAMPLE_PAYLOADS.email.data)
  t.strictSame(samplePayload('lead:created').data, SAMPLE_PAYLOADS.lead.data)
  t.strictSame(samplePayload('call:missed').data, SAMPLE_PAYLOADS.call.data)
  t.strictSame(samplePayload('test').data, SAMPLE_PAYLOADS.call.data)
  t.strictSame(samplePayload('something:else').data, SAMPLE_PAYLOADS.call.data)
  t.strictSame(samplePayload('test', 'lead'), { data: SAMPLE_PAYLOADS.lead.data, event: 'test' })
  t.strictSame(samplePayload('test', 'email').event, 'test')
})
