// Edges of verify-then-dispatch (lib/receive.ts) that the mutation runs showed unguarded: the route's
// maxDepth when a form is decoded, which events dispatchTestEvents routes, the "no handler" warning
// with routed test events, a key list holding something other than text, prototype keys in JSON read
// again for its numbers, and the request slots declared up front.
import t from 'tap'
import type { AnyWebhookEvent } from '../../lib/index.js'
import { pairsFromBody, sign } from '../../lib/signature/index.js'
import { kRawBody } from '../../lib/body/capture.js'
import { captureLogs, deliver, deliverRaw, envelope, hookApp, injectPost, KEY, seedSample, URL } from '../helpers/plugin-harness.js'

t.test('the route\'s maxDepth holds for form keys as for JSON nesting: 400 past it, 200 within', async t => {
  const app = await hookApp(t, { maxDepth: 3 })
  // data[visitor][utm][0][key]: four bracket groups, one past the limit (the default, 32, would take it).
  const deep = envelope('lead:created', { id: 'lead-1', visitor: { utm: [{ key: 'utm_source', value: 'x' }] } })
  for (const as of ['form', 'json'] as const) {
    const answer = await injectPost(app, '/hook', deliver(deep, as))
    t.equal(answer.status, 400, `${as}: 400`)
    t.equal(answer.body.code, 'FST_MAGNETIS_MALFORMED_BODY', `${as}: a malformed body`)
  }
  const within = envelope('lead:created', { id: 'lead-2', account: { id: 'acc-1' } })
  for (const as of ['form', 'json'] as const) {
    t.equal((await injectPost(app, '/hook', deliver(within, as))).status, 200, `${as}: three levels pass`)
  }
})

t.test('dispatchTestEvents routes test events only: a production event reaches its own handlers, not another\'s', async t => {
  const calls: string[] = []
  const app = await hookApp(t, {
    dispatchTestEvents: true,
    onCallCompleted: (event: AnyWebhookEvent) => { calls.push(`onCallCompleted ${event.name}`) },
    onCallMissed: (event: AnyWebhookEvent) => { calls.push(`onCallMissed ${event.name}`) }
  })
  t.equal((await injectPost(app, '/hook', deliver(envelope('call:missed')))).status, 200)
  t.same(calls, ['onCallMissed call:missed'])
})

t.test('no "no handler" warning when a test event has handlers both as itself and as its production event', async t => {
  for (const handlers of ['both', 'onTest only', 'production only'] as const) {
    const logs = captureLogs()
    const app = await hookApp(t, {
      dispatchTestEvents: true,
      ...(handlers === 'production only' ? {} : { onTest: () => {} }),
      ...(handlers === 'onTest only' ? {} : { onCallCompleted: () => {} })
    }, { logger: { level: 'warn', stream: logs.stream } })
    t.equal((await injectPost(app, '/hook', deliver(envelope('test')))).status, 200)
    t.notOk(logs.lines().some((line) => /no handler for this event/.test(line.msg)), `${handlers}: nothing to warn about`)
  }
})

t.test('a key resolver whose list holds something other than text fails closed: 401, no signature key', async t => {
  for (const keys of [[KEY, ['nested']], [KEY, { length: 3 }], [KEY, 42]]) {
    const app = await hookApp(t, { key: () => keys as unknown as string[] })
    const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
    t.equal(answer.status, 401, JSON.stringify(keys))
    t.equal(answer.body.code, 'FST_MAGNETIS_NO_SIGNATURE_KEY')
  }
})

t.test('prototype keys are dropped from JSON read again for its number literals, as from any JSON', async t => {
  // 2^53 + 1 needs its literal (no float reading); 1e14 written as an integer may also stand for a PHP float.
  for (const big of ['9007199254740993', '100000000000000']) {
    const seen: Array<Record<string, unknown>> = []
    const app = await hookApp(t, { onCallCompleted: (event) => { seen.push(event.data as Record<string, unknown>) } })
    // The vendor's complete sample, so the data takes the schema's no-copy path: only the reader's own walk drops the keys.
    const body = JSON.stringify({ ...seedSample(), event: 'call:completed' })
      .replace('"data":{', `"big":${big},"data":{"constructor":"x",`)
      .replace('"account":{', '"account":{"__proto__":{"polluted":"1"},')
    t.match(body, `"big":${big},`)
    const signature = sign(KEY, URL, pairsFromBody(body, 'application/json'))
    const answer = await injectPost(app, '/hook', deliverRaw(body, 'application/json', signature))
    t.equal(answer.status, 200, big)
    const data = seen[0] as Record<string, any>
    t.notOk(Object.hasOwn(data, 'constructor'), `${big}: no "constructor" key in data`)
    t.notOk(Object.hasOwn(data.account, '__proto__'), `${big}: no "__proto__" key in data.account`)
    t.equal(data.account.id, seedSample().data.account.id)
  }
})

t.test('every request carries the plugin\'s raw-body slot from its construction, so requests keep one shape', async t => {
  const shapes: boolean[] = []
  const app = await hookApp(t, {})
  app.addHook('onRequest', async (request) => { shapes.push(Object.hasOwn(request, kRawBody)) })
  app.get('/other', async () => 'ok')
  await app.inject('/other')
  await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.same(shapes, [true, true], 'on another route too, before any hook of the plugin ran')
})
