// Dispatch through the plugin: handler order, a shared handler set read live,
// future event names, onError failures, and form/JSON parity on the vendor
// page's sample.
import t from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks, { MagnetisWebhooks, type AnyWebhookEvent } from '../../lib/index.js'
import { captureLogs, deliver, envelope, hookApp, injectPost, KEY, seedSample, URL } from '../helpers/plugin-harness.js'

t.test('handler order: event handlers in registration order, shorthand option before the webhooks set, then onAny', async t => {
  const order: string[] = []
  const webhooks = new MagnetisWebhooks()
    .onAny(() => { order.push('set onAny') })
    .on('call:completed', () => { order.push('set first') })
    .on('call:missed', () => { order.push('set call:missed (never)') })
    .on('call:completed', async () => { await new Promise((resolve) => setImmediate(resolve)); order.push('set second (async)') })
  const app = await hookApp(t, {
    webhooks,
    onAny: () => { order.push('option onAny') },
    onCallCompleted: () => { order.push('option onCallCompleted') }
  })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.equal(answer.status, 200)
  t.same(order, ['option onCallCompleted', 'set first', 'set second (async)', 'option onAny', 'set onAny'])
})

t.test('every handler runs even after one fails; the reply waits for all of them', async t => {
  const order: string[] = []
  const app = await hookApp(t, {
    onCallCompleted: () => { order.push('fails'); throw new Error('one') },
    webhooks: new MagnetisWebhooks().on('call:completed', async () => { await new Promise((resolve) => setTimeout(resolve, 5)); order.push('slow, after the failure') }),
    onAny: () => { order.push('onAny') }
  })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.equal(answer.status, 500)
  t.same(order, ['fails', 'slow, after the failure', 'onAny'])
})

t.test('a shared handler set is read at each delivery: handlers added after registration run', async t => {
  const webhooks = new MagnetisWebhooks()
  const seen: string[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/a', url: URL, key: KEY, webhooks })
  await app.register(magnetisWebhooks, { path: '/b', url: URL, key: KEY, webhooks })
  await app.ready()
  webhooks.on('call:missed', (event, request) => { seen.push(`${request.url} ${event.name}`) })
  webhooks.onError((error) => { seen.push(`onError ${(error as Error & { code: string }).code}`) })
  t.equal((await injectPost(app, '/a', deliver(envelope('call:missed')))).status, 200)
  t.equal((await injectPost(app, '/b', deliver(envelope('call:missed')))).status, 200)
  webhooks.on('call:missed', () => { throw new Error('late') })
  t.equal((await injectPost(app, '/a', deliver(envelope('call:missed')))).status, 500)
  t.same(seen, ['/a call:missed', '/b call:missed', '/a call:missed', 'onError FST_MAGNETIS_HANDLER_FAILED'])
})

t.test('future event names: on(name) receives them with their data as sent, onAny too', async t => {
  const seen: AnyWebhookEvent[] = []
  const webhooks = new MagnetisWebhooks().on('call:transferred', (event) => { seen.push(event) })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, webhooks, onAny: (event) => { seen.push(event) } })
  for (const as of ['json', 'form'] as const) {
    seen.length = 0
    const data = { id: 'call-1', to: 'desk 2', attempts: 3 }
    const answer = await injectPost(app, '/hook', deliver({ event: 'call:transferred', data, extra: 'x' }, as))
    t.same(answer.body, { ok: true, event: 'call:transferred', id: 'call-1' })
    t.equal(seen.length, 2, `${as}: the event handler and onAny`)
    t.equal(seen[0], seen[1], `${as}: the same event object`)
    t.equal(seen[0]?.resource, 'call', `${as}: the resource is read from the name`)
    t.same(seen[0]?.data, as === 'json' ? data : { id: 'call-1', to: 'desk 2', attempts: '3' }, `${as}: not validated, not converted`)
    t.equal(seen[0]?.payload.extra, 'x')
  }
  seen.length = 0
  await injectPost(app, '/hook', deliver({ event: 'visit:started', data: { id: 'v-1' } }))
  t.equal(seen[0]?.resource, undefined, 'a name with no known resource has none')
})

t.test('a body without data: data is {} for a future event, and fails the schema of a documented one; data that cannot be an object is a 422', async t => {
  const seen: unknown[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onAny: (event) => { seen.push(event.data) } })
  t.equal((await injectPost(app, '/hook', deliver({ event: 'ping' }))).status, 200)
  t.same(seen, [{}])
  t.equal((await injectPost(app, '/hook', deliver({ event: 'call:completed' }))).status, 422)
  seen.length = 0
  t.equal((await injectPost(app, '/hook', deliver({ event: 'ping', data: ['a'] }))).status, 200)
  t.strictSame(seen, [{ 0: 'a' }], 'a list is the object PHP\'s array is')
  const notAnObject = await injectPost(app, '/hook', deliver({ event: 'ping', data: 'a' }))
  t.equal(notAnObject.status, 422)
  t.match(notAnObject.body.message, /the "ping" event does not match its schema: \/ data must be an object/)
})

t.test('an onError handler that throws is logged at error level; the reply keeps its status and the other onError handlers run', async t => {
  const logs = captureLogs()
  const calls: string[] = []
  const app = Fastify({ logger: { level: 'error', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, {
    path: '/hook',
    url: URL,
    key: KEY,
    onCallCompleted: () => { throw new Error('handler') },
    onError: () => { calls.push('option'); throw new Error('the alerting service is down') },
    webhooks: new MagnetisWebhooks().onError(() => { calls.push('set') })
  })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.equal(answer.status, 500)
  t.equal(answer.body.code, 'FST_MAGNETIS_HANDLER_FAILED')
  t.same(calls, ['option', 'set'])
  const logged = logs.lines().find((line) => line.msg === 'fastify-magnetis-webhooks: an onError handler threw')
  t.equal(logged?.err?.message, 'the alerting service is down')
  t.equal(logged?.event, 'call:completed')
})

t.test('form/JSON parity on the seed sample: the handler\'s event.data is deep-equal both ways, and equal to the sample\'s data', async t => {
  for (const event of ['call:completed', 'call:missed', 'call:ringing', 'test'] as const) {
    const received: Record<string, unknown> = {}
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onAny: (delivered) => { received[current] = delivered.data } })
    let current = ''
    for (const as of ['json', 'form'] as const) {
      current = as
      t.equal((await injectPost(app, '/hook', deliver(envelope(event), as))).status, 200, `${event} ${as}: 200`)
    }
    t.strictSame(received.form, received.json, `${event}: form and JSON deep-equal`)
    t.strictSame(received.json, seedSample().data, `${event}: equal to the seed sample's data (nulls, empty arrays, numbers and booleans restored)`)
  }
})
