// Every reply of the README's table through fastify.inject, then the error
// paths in detail: what onError receives for a 422 and a 500, the one warning
// for unhandled events, and what never reaches the logs.
import t from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks, { HandlerError, InvalidEventError, MagnetisWebhooks, samplePayload, signedRequest } from '../../lib/index.js'
import { captureLogs, deliver, envelope, hookApp, injectPost, KEY, PHONE_NUMBERS, seedSample, URL } from '../helpers/plugin-harness.js'
import { buildReplyApp, REPLY_ROWS } from '../helpers/plugin-reply-table.js'

t.test('the reply table through inject', async t => {
  const { app, seen } = await buildReplyApp()
  t.teardown(() => app.close())
  for (const row of REPLY_ROWS) {
    seen.handled.length = 0
    seen.errors.length = 0
    const answer = await injectPost(app, row.path, row.delivery())
    t.equal(answer.status, row.status, `${row.name}: status`)
    if (row.code !== undefined) t.equal(answer.body.code, row.code, `${row.name}: code`)
    for (const [actual, expected, what] of row.check?.(answer, seen) ?? []) t.same(actual, expected, `${row.name}: ${what}`)
  }
})

t.test('a body streamed without Content-Length past the limit is cut at the limit (413)', async t => {
  const { app } = await buildReplyApp()
  t.teardown(() => app.close())
  const { Readable } = await import('node:stream')
  const delivery = deliver({ ...envelope('call:completed'), padding: 'x'.repeat(10_000) })
  // Several chunks, so the limit is crossed while reading, not from a declared length.
  const chunks = delivery.body.match(/[^]{1,1000}/g) as string[]
  const response = await app.inject({ method: 'POST', url: '/webhooks/magnetis', headers: delivery.headers, payload: Readable.from(chunks) })
  t.equal(response.statusCode, 413)
  t.equal(response.json().code, 'FST_MAGNETIS_BODY_TOO_LARGE')
})

t.test('422: onError receives the InvalidEventError and the unvalidated event carrying the whole payload', async t => {
  for (const as of ['json', 'form'] as const) {
    const received: Array<{ error: unknown, event: any }> = []
    const app = Fastify()
    t.teardown(() => app.close())
    let handled = 0
    await app.register(magnetisWebhooks, {
      path: '/hook',
      url: URL,
      key: KEY,
      onCallCompleted: () => { handled++ },
      onAny: () => { handled++ },
      onError: (error, event) => { received.push({ error, event }) }
    })
    const payload: Record<string, any> = { ...envelope('call:completed'), extra: 'kept' }
    const data = payload.data as Record<string, any>
    data.duration = 'forty-three'
    data.account = 'not an object'
    const answer = await injectPost(app, '/hook', deliver(payload, as))
    t.equal(answer.status, 422, `${as}: 422`)
    t.equal(answer.body.code, 'FST_MAGNETIS_INVALID_EVENT', `${as}: code`)
    t.equal(handled, 0, `${as}: no handler ran, onAny included`)
    t.equal(received.length, 1, `${as}: onError called once`)
    const [{ error, event }] = received as [{ error: InvalidEventError, event: any }]
    t.type(error, InvalidEventError, `${as}: an InvalidEventError`)
    t.equal(error.statusCode, 422)
    t.ok(error.errors.some((problem) => problem.path === '/duration'), `${as}: the error names /duration`)
    t.ok(error.errors.some((problem) => problem.path === '/account'), `${as}: the error names /account`)
    t.equal(event.name, 'call:completed')
    t.equal(event.resource, 'call')
    t.equal(event.test, false)
    t.equal(event.data.duration, 'forty-three', `${as}: the event's data is the unvalidated data`)
    t.equal(event.payload.data, event.data, `${as}: which is the payload's data`)
    t.equal(error.payload, event.payload, `${as}: the error and the event hold the same payload`)
    if (as === 'json') {
      t.same(event.payload, payload, 'json: the event carries the whole payload as sent, extra fields included')
    } else {
      // A form carries text only, and no pair for null or [] (http_build_query): the payload is what was sent.
      t.equal(event.payload.event, 'call:completed')
      t.equal(event.payload.extra, 'kept', 'form: extra fields included')
      t.equal(event.payload.data.id, data.id)
      t.equal(event.payload.data.calling_number, data.calling_number)
      t.equal(event.payload.data.firsttime_caller, '1', 'form: unconverted text, as sent')
      t.equal(event.payload.data.events.length, data.events.length)
    }
  }
})

t.test('500: onError receives a HandlerError with every handler error, in order, and the event', async t => {
  const received: Array<{ error: unknown, event: any }> = []
  const webhooks = new MagnetisWebhooks()
    .on('call:completed', () => { throw new Error('second: the shared set failed') })
    .on('call:completed', () => 'this one is fine')
  const app = await hookApp(t, {
    webhooks,
    onCallCompleted: async () => { throw new Error('first: the shorthand handler failed') },
    onError: (error, event) => { received.push({ error, event }) }
  })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.equal(answer.status, 500)
  t.equal(answer.body.code, 'FST_MAGNETIS_HANDLER_FAILED')
  t.match(answer.body.message, /2 handlers failed for the "call:completed" event/)
  t.equal(received.length, 1, 'onError called once for the delivery')
  const [{ error, event }] = received as [{ error: HandlerError, event: any }]
  t.type(error, HandlerError)
  t.equal(error.errors.length, 2, 'both handler errors, not just the first')
  t.same(error.errors.map((failure) => (failure as Error).message), ['first: the shorthand handler failed', 'second: the shared set failed'])
  t.equal(event.name, 'call:completed')
  t.same(event.data, seedSample().data, 'with the validated event')
})

t.test('an event name nobody handles: 200, and one warn line however often it comes', async t => {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'trace', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onCallCompleted: () => {} })
  for (let round = 0; round < 3; round++) {
    const answer = await injectPost(app, '/hook', deliver(envelope('call:transferred')))
    t.equal(answer.status, 200, `delivery ${round + 1}: 200`)
    t.same(answer.body, { ok: true, event: 'call:transferred', id: seedSample().data.id })
  }
  const warnings = logs.lines().filter((line) => line.level === 40)
  t.equal(warnings.length, 1, 'exactly one warn line')
  t.equal(warnings[0]?.event, 'call:transferred', 'naming the event')
  t.match(warnings[0]?.msg, /no handler for this event/)

  // A handled event warns nothing; another unknown name warns once more.
  await injectPost(app, '/hook', deliver(envelope('call:completed')))
  await injectPost(app, '/hook', deliver(envelope('email:bounced', { id: 'eml-1' })))
  await injectPost(app, '/hook', deliver(envelope('email:bounced', { id: 'eml-2' })))
  t.same(logs.lines().filter((line) => line.level === 40).map((line) => line.event), ['call:transferred', 'email:bounced'])
})

t.test('an onAny handler counts as a handler: no warning', async t => {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'trace', stream: logs.stream } })
  t.teardown(() => app.close())
  const seen: string[] = []
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onAny: (event) => { seen.push(event.name) } })
  await injectPost(app, '/hook', deliver(envelope('call:transferred')))
  t.same(seen, ['call:transferred'])
  t.equal(logs.lines().filter((line) => line.level === 40).length, 0)
})

t.test('the key, the received signature and full phone numbers never reach the logs', async t => {
  const logs = captureLogs()
  const { app } = await buildReplyApp({ level: 'trace', stream: logs.stream })
  t.teardown(() => app.close())
  const signatures = new Set<string>()
  for (const row of REPLY_ROWS) {
    const delivery = row.delivery()
    const signature = delivery.headers['x-calltracking-signature']
    if (signature !== undefined && signature.length > 8) signatures.add(signature)
    await injectPost(app, row.path, delivery)
  }
  const text = logs.text()
  t.ok(logs.lines().length > REPLY_ROWS.length, 'the run did log (request lines, warnings, errors)')
  t.ok(logs.lines().some((line) => line.level === 50), 'including the 500')
  t.ok(logs.lines().some((line) => line.err?.code === 'FST_MAGNETIS_INVALID_EVENT'), 'including the 422')
  t.notOk(text.includes(KEY), 'not the key')
  t.notOk(text.includes('acme-key-1'), 'not a tenant key')
  for (const signature of signatures) t.notOk(text.includes(signature), `not the signature ${signature.slice(0, 6)}…`)
  for (const number of PHONE_NUMBERS) t.notOk(text.includes(number), `not the phone number ${number.slice(0, 6)}…`)
})

t.test('the public signedRequest helper makes deliveries the plugin accepts, as JSON and as a form', async t => {
  const { app } = await buildReplyApp()
  t.teardown(() => app.close())
  for (const as of ['json', 'form'] as const) {
    const request = signedRequest(KEY, URL, samplePayload('call:completed'), as)
    const answer = await injectPost(app, '/webhooks/magnetis', request)
    t.same(answer.body, { ok: true, event: 'call:completed', id: seedSample().data.id }, as)
    t.equal((await injectPost(app, '/webhooks/magnetis', signedRequest('other', URL, samplePayload('call:completed'), as))).status, 401, `${as}, another key: 401`)
  }
})
