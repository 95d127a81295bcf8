// Issue 11: no signed event is refused or mangled for its shape. Each row of
// the table (realistic variants of the vendor page's sample, signed
// by the independent reference signer, as JSON and as a form), with the exact
// status and what the handler received; then the same variants as the PHP
// sender signed them (test/fixtures/php-sender/variants.json); then what
// still fails (422, onError gets the whole payload).
import { readFileSync } from 'node:fs'
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import type { AnyWebhookEvent, UnvalidatedEvent } from '../../lib/events/types.js'
import { deliver, deliverRaw, hookApp, injectPost, seedSample, KEY, URL, type Answer, type Delivery } from '../helpers/plugin-harness.js'

type Tap = Pick<typeof t, 'teardown' | 'ok'>

interface Seen {
  events: AnyWebhookEvent[]
  errors: Array<{ error: Error, event: UnvalidatedEvent | AnyWebhookEvent }>
}

async function app (t: Tap): Promise<{ app: FastifyInstance, seen: Seen }> {
  const seen: Seen = { events: [], errors: [] }
  const app = await hookApp(t, {
    onAny: (event) => { seen.events.push(event) },
    onError: (error, event) => { seen.errors.push({ error, event }) }
  })
  return { app, seen }
}

/** Sends one delivery and returns the answer and the one event the handler received. */
async function send (t: Tap, delivery: Delivery): Promise<{ answer: Answer, event: AnyWebhookEvent | undefined, seen: Seen }> {
  const { app: server, seen } = await app(t)
  const answer = await injectPost(server, '/hook', delivery)
  t.ok(seen.events.length <= 1, 'at most one event handled')
  return { answer, event: seen.events[0], seen }
}

/** The sample with `change` applied to its data, under `event`. */
function variant (event: string, change: (data: Record<string, any>) => void): Record<string, any> {
  const payload = seedSample()
  payload.event = event
  change(payload.data)
  return payload
}

/** The sample's data with `change` applied: what a handler should receive. */
function expectedData (change: (data: Record<string, any>) => void): Record<string, any> {
  const data = seedSample().data
  change(data)
  return data
}

const rows: Array<{ name: string, payload: Record<string, any>, expected: Record<string, any> }> = [
  {
    name: 'call:ringing with duration 0, voice_duration null, end_status null (call still in progress)',
    payload: variant('call:ringing', (data) => { data.duration = 0; data.voice_duration = null; data.end_status = null }),
    expected: expectedData((data) => { data.duration = 0; data.voice_duration = null; data.end_status = null })
  },
  {
    name: 'call:missed with recipient_number null (never forwarded)',
    payload: variant('call:missed', (data) => { data.recipient_number = null }),
    expected: expectedData((data) => { data.recipient_number = null })
  },
  {
    name: 'caller ID withheld: calling_number null',
    payload: variant('call:completed', (data) => { data.calling_number = null }),
    expected: expectedData((data) => { data.calling_number = null })
  },
  {
    name: 'a direct call with no web session: visitor null',
    payload: variant('call:completed', (data) => { data.visitor = null }),
    expected: expectedData((data) => { data.visitor = null })
  },
  {
    name: 'visitor.custom_params {"promo": "ETE24"} (a non-empty PHP associative array)',
    payload: variant('call:completed', (data) => { data.visitor.custom_params = { promo: 'ETE24' } }),
    expected: expectedData((data) => { data.visitor.custom_params = { promo: 'ETE24' } })
  }
]

for (const row of rows) {
  for (const as of ['json', 'form'] as const) {
    t.test(`200, as ${as}: ${row.name}; the handler gets it, nothing lost`, async t => {
      const { answer, event } = await send(t, deliver(row.payload, as))
      t.equal(answer.status, 200)
      t.equal(event?.name, row.payload.event)
      t.strictSame(event?.data, row.expected)
    })
  }
}

t.test('200: "duration": "43" (a numeric string) in JSON reaches the handler as 43, deep-equal to the same event as a form', async t => {
  const payload = variant('call:completed', (data) => { data.duration = '43' })
  const json = await send(t, deliver(payload, 'json'))
  const form = await send(t, deliver(payload, 'form'))
  t.equal(json.answer.status, 200)
  t.equal(form.answer.status, 200)
  t.strictSame(json.event?.data, seedSample().data, 'the sample itself: duration 43')
  t.strictSame(json.event?.data, form.event?.data)
})

t.test('200: PHP scalars in JSON ("42.5", 0, "1", a phone number as a JSON number) convert as in a form; seconds are not truncated', async t => {
  const payload = variant('call:completed', (data) => {
    data.voice_duration = '42.5'
    data.missed = 0
    data.firsttime_caller = '1'
    data.tracked_number = 33412345678
  })
  const json = await send(t, deliver(payload, 'json'))
  const form = await send(t, deliver(payload, 'form'))
  t.equal(json.answer.status, 200)
  t.strictSame(json.event?.data, expectedData((data) => { data.voice_duration = 42.5; data.tracked_number = '33412345678' }))
  t.strictSame(form.event?.data, json.event?.data)
})

for (const as of ['json', 'form'] as const) {
  t.test(`200, as ${as}: {"event":"test","data":[]} (PHP's json_encode of an empty map): data is {}`, async t => {
    const { answer, event } = await send(t, deliver({ event: 'test', data: [] }, as))
    t.equal(answer.status, 200)
    t.strictSame(answer.body, { ok: true, event: 'test', id: null })
    t.equal(event?.name, 'test')
    t.equal(event?.resource, undefined, 'no resource can be inferred from empty data')
    t.strictSame(event?.data, {})
    t.strictSame(event?.payload, as === 'json' ? { event: 'test', data: {} } : { event: 'test' }, 'a form carries no pair for []')
  })
}

t.test('200: a JSON body starting with a UTF-8 byte order mark; the signature is that of the body without it', async t => {
  const plain = deliver(seedSample(), 'json')
  const { answer, event } = await send(t, { headers: plain.headers, body: '\uFEFF' + plain.body })
  t.equal(answer.status, 200)
  t.strictSame(event?.data, seedSample().data)
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(plain.body)])
  const { app: server, seen } = await app(t)
  const response = await server.inject({ method: 'POST', url: '/hook', headers: plain.headers, payload: bytes })
  t.equal(response.statusCode, 200, 'the same as raw bytes EF BB BF')
  t.equal(seen.events.length, 1)
})

t.test('PHP arrays: any [] where an object is expected is read as {}; a list and a map are each kept as they came', async t => {
  const payload = variant('call:completed', (data) => {
    data.account = []
    data.events[0] = []
    data.visitor.valuetrack = ['a', 'b']
    data.visitor['3rdparty'] = { fb: 'x' }
  })
  const { answer, event } = await send(t, deliver(payload, 'json'))
  t.equal(answer.status, 200)
  t.strictSame(event?.data, expectedData((data) => {
    data.account = { id: null, name: null }
    data.events[0] = { date: null, name: null, value: null }
    data.visitor.valuetrack = ['a', 'b']
    data.visitor['3rdparty'] = { fb: 'x' }
  }))
})

t.test('PHP arrays: a list of the sample that comes as a map (array_filter\'s gaps, or keyed UTM parameters) is kept as a map, items filled', async t => {
  const payload = variant('call:completed', (data) => {
    data.events = { 1: data.events[1], 3: data.events[3] }
    data.visitor.utm = { source: { key: 'utm_source', value: 'googleads' }, medium: [] }
  })
  const { answer, event } = await send(t, deliver(payload, 'json'))
  t.equal(answer.status, 200)
  t.strictSame(event?.data, expectedData((data) => {
    data.events = { 1: data.events[1], 3: data.events[3] }
    data.visitor.utm = { source: { key: 'utm_source', value: 'googleads' }, medium: { key: null, value: null } }
  }))
  const form = await send(t, deliver(payload, 'form'))
  t.equal(form.answer.status, 200)
  t.strictSame((form.event?.data as Record<string, any>).events, [null, payload.data.events[1], null, payload.data.events[3]], 'a form has no maps of numbered keys: the gaps are null items')
})

t.test('unknown fields are kept and passed through, in JSON and forms, at every depth', async t => {
  const payload = variant('call:completed', (data) => {
    data.recording_url = 'https://example.com/r.mp3'
    data.account.region = 'IDF'
    data.visitor.fbclid = 'fb-1'
    data.events[0].extra = 'x'
  })
  payload.attempt = '2'
  for (const as of ['json', 'form'] as const) {
    const { answer, event } = await send(t, deliver(payload, as))
    t.equal(answer.status, 200, as)
    t.strictSame(event?.data, payload.data, `${as}: data as sent`)
    t.equal(event?.payload.attempt, '2', `${as}: top-level extra field`)
  }
})

t.test('422 + onError with the whole payload: a guaranteed field (call id) missing', async t => {
  const payload = variant('call:completed', (data) => { delete data.id })
  for (const as of ['json', 'form'] as const) {
    const { answer, seen } = await send(t, deliver(payload, as))
    t.equal(answer.status, 422, as)
    t.equal(answer.body.code, 'FST_MAGNETIS_INVALID_EVENT')
    t.match(answer.body.message, /\/id Expected required property/)
    t.equal(seen.events.length, 0, 'no handler ran')
    t.equal(seen.errors.length, 1)
    t.equal((seen.errors[0]?.error as { payload?: unknown }).payload, seen.errors[0]?.event.payload, 'the error and the event share the payload')
    t.equal(seen.errors[0]?.event.payload.event, 'call:completed')
    t.equal((seen.errors[0]?.event.payload.data as Record<string, any>).calling_number, '0033612345678', 'the whole payload, as sent')
  }
})

t.test('422 + onError with the whole payload: data that cannot be an object', async t => {
  const { answer, seen } = await send(t, deliver({ event: 'call:completed', data: 'call-1', attempt: 2 }, 'json'))
  t.equal(answer.status, 422)
  t.equal(answer.body.code, 'FST_MAGNETIS_INVALID_EVENT')
  t.strictSame(seen.errors[0]?.event.payload, { event: 'call:completed', data: 'call-1', attempt: 2 })
  t.equal(seen.errors[0]?.event.data, 'call-1')
})

// --- as the PHP sender signed them --------------------------------------------

const fixtures = JSON.parse(readFileSync(new globalThis.URL('../fixtures/php-sender/variants.json', import.meta.url), 'utf8')) as {
  url: string
  key: string
  variants: Record<string, { contentType: string, signature: string, body: string }>
}

t.test('the PHP fixtures were signed for the harness\'s URL and key', async t => {
  t.equal(fixtures.url, URL)
  t.equal(fixtures.key, KEY)
  t.equal(Object.keys(fixtures.variants).length, 20)
})

for (const [name, fixture] of Object.entries(fixtures.variants)) {
  t.test(`PHP sender: ${name} is accepted (200) and handled once`, async t => {
    const { answer, event } = await send(t, deliverRaw(fixture.body, fixture.contentType, fixture.signature))
    t.equal(answer.status, 200)
    t.ok(event !== undefined, 'the handler ran')
  })
}

t.test('PHP sender: each variant\'s JSON and form twins reach the handler with deep-equal data (but a gapped list: a map in JSON, a list in a form)', async t => {
  const names = new Set(Object.keys(fixtures.variants).map((name) => name.replace(/ \((json|form)\)$/, '')))
  names.delete('events-after-array-filter')
  for (const name of names) {
    const json = fixtures.variants[`${name} (json)`]
    const form = fixtures.variants[`${name} (form)`]
    if (json === undefined || form === undefined) throw new Error(`missing a twin of ${name}`)
    const fromJson = await send(t, deliverRaw(json.body, json.contentType, json.signature))
    const fromForm = await send(t, deliverRaw(form.body, form.contentType, form.signature))
    t.strictSame(fromForm.event?.data, fromJson.event?.data, name)
  }
})

t.test('PHP sender: what the handler gets from the variants of the issue', async t => {
  const receive = async (name: string): Promise<Record<string, any>> => {
    const fixture = fixtures.variants[name]
    if (fixture === undefined) throw new Error(`no fixture ${name}`)
    const { event } = await send(t, deliverRaw(fixture.body, fixture.contentType, fixture.signature))
    return event?.data as Record<string, any>
  }
  t.match(await receive('ringing (json)'), { duration: 0, voice_duration: null, end_status: null })
  t.match(await receive('missed-never-forwarded (form)'), { recipient_number: null, missed: true })
  t.match(await receive('caller-withheld (json)'), { calling_number: null, calling_country: null })
  t.equal((await receive('direct-call-no-visitor (form)')).visitor, null)
  t.match(await receive('php-scalars (json)'), { duration: 43, voice_duration: 42.5, missed: false, firsttime_caller: true, tracked_number: '33412345678' })
  t.strictSame((await receive('custom-params-map (json)')).visitor.custom_params, { promo: 'ETE24', from: 'newsletter' })
  t.strictSame((await receive('custom-params-map (form)')).visitor.valuetrack, ['a', 'b'])
  t.strictSame(await receive('empty-data (json)'), {})
  t.strictSame(Object.keys((await receive('events-after-array-filter (json)')).events), ['1', '3'], 'json_encode wrote the gapped list as a map: kept')
  t.equal((await receive('events-after-array-filter (form)')).events.length, 4, 'as a form: a list with null gaps')
  t.match(await receive('extra-fields (form)'), { recording_url: 'https://example.com/r.mp3', account: { region: 'IDF' } })
  t.match(await receive('fields-removed (json)'), { id: 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5', duration: null, visitor: null, events: [] })
  const ringing = fixtures.variants['ringing (json)']
  if (ringing === undefined) throw new Error('no ringing fixture')
  const withBom = await send(t, deliverRaw('\uFEFF' + ringing.body, ringing.contentType, ringing.signature))
  t.equal(withBom.answer.status, 200, 'a BOM before the PHP sender\'s JSON: accepted, same signature')
})
