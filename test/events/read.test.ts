// Decoded body → event (lib/event.ts): the envelope check (400), which events
// are held to a schema, and what a schema failure (422) keeps for onError.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { InvalidEventError, MalformedBodyError } from '../../lib/errors.js'
import { isWebhookEvent, readEvent, type EventReader } from '../../lib/events/read.js'
import { createResourceValidator, inferTestResource } from '../../lib/events/validate.js'

const reader: EventReader = { validator: createResourceValidator(), inferTestResource }
const sampleData = (): Record<string, any> => JSON.parse(readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8')).data

t.test('400 when "event" is missing, empty or not a string', async t => {
  for (const event of [undefined, '', 42, null, ['call:completed'], { name: 'x' }]) {
    t.throws(() => readEvent({ event, data: {} }, 'json', reader), MalformedBodyError, JSON.stringify(event))
  }
  t.throws(() => readEvent({ data: {} }, 'json', reader), { statusCode: 400, message: /the body has no "event" name: expected \{"event": "call:completed", "data": \{…\}\}/ })
})

t.test('422 (onError gets it whole) when "data" cannot be an object: it is signed, so it is a webhook', async t => {
  for (const [name, data] of [['call:completed', 'text'], ['ping', 42], ['test', true]] as const) {
    const payload = { event: name, data }
    const result = readEvent(payload, 'json', reader)
    if (result.ok) throw new Error('expected a failure')
    t.type(result.error, InvalidEventError)
    t.equal(result.error.statusCode, 422)
    t.strictSame(result.error.errors, [{ path: '', message: 'data must be an object' }])
    t.equal(result.error.payload, payload)
    t.strictSame(result.event, { name, payload, test: name === 'test', resource: name === 'call:completed' ? 'call' : undefined, data })
  }
})

t.test('a list as "data" is the object PHP\'s array is: [] → {}, ["a"] → {"0": "a"}; in a form, null holes get no key', async t => {
  const empty = { event: 'test', data: [] }
  const result = readEvent(empty, 'json', reader)
  t.strictSame(result, { ok: true, event: { name: 'test', payload: { event: 'test', data: {} }, test: true, resource: undefined, data: {} } })
  t.equal(result.ok && result.event.data, empty.data, 'the payload\'s data is the object handlers get')
  const list = readEvent({ event: 'ping', data: ['a', null] }, 'json', reader)
  t.strictSame(list.ok && list.event.data, { 0: 'a', 1: null })
  const form = readEvent({ event: 'ping', data: [null, 'b'] }, 'form', reader)
  t.strictSame(form.ok && form.event.data, { 1: 'b' }, 'a form hole was never sent')
  const lead = readEvent({ event: 'lead:created', data: [] }, 'json', reader)
  t.ok(lead.ok && lead.event.resource === 'lead', 'an empty lead passes its schema (nothing guaranteed)')
})

t.test('a documented event: data validated, converted from a form, and put back in the payload', async t => {
  const payload = { event: 'call:completed', data: { ...sampleData(), duration: '43', missed: '0' }, extra: 1 }
  const result = readEvent(payload, 'form', reader)
  t.ok(result.ok)
  if (!result.ok) return
  t.equal(result.event.name, 'call:completed')
  t.equal(result.event.resource, 'call')
  t.equal(result.event.test, false)
  t.equal((result.event.data as { duration: number }).duration, 43)
  t.equal((result.event.data as { missed: boolean }).missed, false)
  t.equal(result.event.payload, payload, 'the payload object itself')
  t.equal(payload.data, result.event.data, 'its data replaced by the validated data')
  t.equal(payload.extra, 1, 'extra fields kept')
})

t.test('422: a documented event failing its schema keeps the whole payload, unchanged, for onError', async t => {
  const data = { ...sampleData(), duration: 'long' }
  const payload = { event: 'call:missed', data }
  const result = readEvent(payload, 'json', reader)
  t.notOk(result.ok)
  if (result.ok) return
  t.type(result.error, InvalidEventError)
  t.equal(result.error.statusCode, 422)
  t.same(result.error.errors.map((error) => error.path), ['/duration'])
  t.equal(result.error.payload, payload, 'the error keeps the payload')
  t.same(result.event, { name: 'call:missed', payload, test: false, resource: 'call', data })
  t.equal(payload.data, data, 'the payload\'s data is left as sent')
  t.notOk(Object.keys(result.error).includes('payload'), 'payload is not enumerable: a log serializer copying fields skips it')
  t.notOk(JSON.stringify(result.error).includes('0033612345678'), 'so a serialized error carries no phone number')
})

t.test('a form body read in place: converted where it lies on success; on a 422, onError gets the body decoded anew, as it came', async t => {
  const decode = (): Record<string, any> => ({ event: 'call:missed', data: { id: 'call-1', duration: '43', missed: '1' } })
  const payload = decode()
  const passed = readEvent(payload, 'form', reader, { decodeAgain: decode })
  t.ok(passed.ok)
  if (!passed.ok) return
  const data = passed.event.data as Record<string, unknown>
  t.equal(data, payload.data, 'no copy: the event\'s data is the decoded body\'s')
  t.equal(data.duration, 43, 'converted in place')
  t.equal(data.calling_number, null, 'absent fields filled in place')

  let decoded = 0
  const broken = (): Record<string, any> => { decoded++; return { event: 'call:missed', data: { id: 'call-2', duration: 'long', missed: '1' } } }
  const failed = readEvent(broken(), 'form', reader, { decodeAgain: broken })
  t.notOk(failed.ok)
  if (failed.ok) return
  t.equal(decoded, 2, 'decoded once more for the error')
  const original = { event: 'call:missed', data: { id: 'call-2', duration: 'long', missed: '1' } }
  t.strictSame(failed.error.payload, original, 'the error keeps the body as it came: text values, nothing filled')
  t.strictSame(failed.event, { name: 'call:missed', payload: original, test: false, resource: 'call', data: original.data })
  t.equal(failed.event.data, failed.event.payload.data, 'the event\'s data is its payload\'s')
})

t.test('a body with no "data" has {} as data', async t => {
  const result = readEvent({ event: 'ping' }, 'json', reader)
  t.same(result, { ok: true, event: { name: 'ping', payload: { event: 'ping' }, test: false, resource: undefined, data: {} } })
  t.same(readEvent({ event: 'ping', data: null }, 'json', reader).ok && 'ok', 'ok', 'null data is no data')
})

t.test('a future event is passed as it came, its resource read from its name; names of Object.prototype are no documented events', async t => {
  for (const [name, resource] of [['call:transferred', 'call'], ['lead:updated', 'lead'], ['visit:started', undefined], ['toString', undefined], ['constructor', undefined], ['__proto__', undefined]] as const) {
    const data = { duration: 'not checked' }
    const result = readEvent({ event: name, data }, 'form', reader)
    t.ok(result.ok, `${name}: accepted`)
    if (!result.ok) continue
    t.equal(result.event.resource, resource, `${name}: resource ${String(resource)}`)
    t.equal(result.event.data, data, `${name}: data as it came, not converted`)
  }
})

t.test('a test event: the resource is inferred, then the data is held to that schema', async t => {
  const call = readEvent({ event: 'test', data: sampleData() }, 'json', reader)
  t.ok(call.ok && call.event.resource === 'call' && call.event.test)
  const unknown = readEvent({ event: 'test', data: { id: 'sms-1' } }, 'json', reader)
  t.ok(unknown.ok && unknown.event.resource === undefined, 'no resource: passed unchecked')
  const broken = readEvent({ event: 'test', data: { ...sampleData(), missed: 'perhaps' } }, 'json', reader)
  t.notOk(broken.ok, 'a broken call sample fails the call schema')
  const custom = readEvent({ event: 'test', data: { id: 'call-1' } }, 'json', { ...reader, inferTestResource: () => undefined })
  t.ok(custom.ok && custom.event.resource === undefined, 'the reader\'s inference decides')
})

t.test('a JSON body loses its __proto__, constructor and prototype keys at any depth; nothing else changes', async t => {
  const payload = JSON.parse('{"event":"call:transferred","__proto__":{"polluted":1},"data":{"id":"call-1","constructor":{"prototype":{"polluted":1}},' +
    '"list":[{"prototype":1,"keep":true},{"__proto__":null}],"nested":{"deep":{"__proto__":{"x":1},"ok":"yes"}}}}')
  const result = readEvent(payload, 'json', reader)
  t.ok(result.ok)
  t.strictSame(JSON.parse(JSON.stringify(payload)), { event: 'call:transferred', data: { id: 'call-1', list: [{ keep: true }, {}], nested: { deep: { ok: 'yes' } } } })
  t.notOk(Object.hasOwn(payload, '__proto__'))
  t.equal(Object.getPrototypeOf(payload), Object.prototype, 'the prototype itself is untouched')
  t.equal(({} as Record<string, unknown>).polluted, undefined)
  t.equal(result.ok && result.event.data, payload.data, 'the event\'s data is the cleaned payload\'s')
})

t.test('isWebhookEvent is true only for an event of that name', async t => {
  const result = readEvent({ event: 'call:completed', data: sampleData() }, 'json', reader)
  t.ok(result.ok)
  if (!result.ok) return
  t.equal(isWebhookEvent(result.event, 'call:completed'), true)
  t.equal(isWebhookEvent(result.event, 'call:missed'), false)
  t.equal(isWebhookEvent(null, 'call:completed'), false)
  t.equal(isWebhookEvent(undefined, 'test'), false)
})

t.test('a 422 error keeps the payload for onError but not among its enumerable fields, which loggers copy', async t => {
  const result = readEvent({ event: 'call:completed', data: { calling_number: '0033612345678' } }, 'json', reader)
  t.equal(result.ok, false)
  if (result.ok) return
  t.equal(result.error.payload.event, 'call:completed')
  t.notOk(Object.keys(result.error).includes('payload'))
  t.notMatch(JSON.stringify(result.error), /0033612345678/)
})
