// `test` events from the vendor's test panel: acknowledged 200, their
// resource inferred and handed to onTest, kept away from production handlers
// unless dispatchTestEvents asks for them.
import t from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks, { type AnyWebhookEvent } from '../../lib/index.js'
import { SAMPLE_PAYLOADS } from '../../lib/events/samples.js'
import { deliver, envelope, hookApp, injectPost, KEY, seedSample, URL } from '../helpers/plugin-harness.js'

const PRODUCTION = {
  call: 'call:completed',
  email: 'email:received',
  lead: 'lead:created'
} as const

async function buildApp (dispatchTestEvents: boolean | undefined) {
  const calls: Array<{ handler: string, event: AnyWebhookEvent }> = []
  const record = (handler: string) => (event: any) => { calls.push({ handler, event }) }
  const app = Fastify()
  await app.register(magnetisWebhooks, {
    path: '/hook',
    url: URL,
    key: KEY,
    ...(dispatchTestEvents === undefined ? {} : { dispatchTestEvents }),
    onCallCompleted: record('onCallCompleted'),
    onCallMissed: record('onCallMissed'),
    onCallRinging: record('onCallRinging'),
    onEmailReceived: record('onEmailReceived'),
    onLeadCreated: record('onLeadCreated'),
    onTest: record('onTest'),
    onAny: record('onAny')
  })
  return { app, calls }
}

t.test('each test sample reaches onTest with its inferred resource, and no production handler by default', async t => {
  for (const dispatchTestEvents of [undefined, false]) {
    const { app, calls } = await buildApp(dispatchTestEvents)
    t.teardown(() => app.close())
    for (const resource of ['call', 'email', 'lead'] as const) {
      for (const as of ['json', 'form'] as const) {
        calls.length = 0
        // The call is the vendor page's own sample; email and lead are the package's samples.
        const payload = resource === 'call' ? seedSample() : envelope('test', structuredClone(SAMPLE_PAYLOADS[resource].data) as Record<string, unknown>)
        const answer = await injectPost(app, '/hook', deliver(payload, as))
        t.equal(answer.status, 200, `${resource} ${as}: 200`)
        t.same(answer.body, { ok: true, event: 'test', id: (payload.data as { id: string }).id })
        t.same(calls.map((call) => call.handler), ['onTest', 'onAny'], `${resource} ${as} (dispatchTestEvents ${String(dispatchTestEvents)}): onTest and onAny only`)
        const event = calls[0]?.event
        t.equal(event?.resource, resource, `${resource} ${as}: the resource is inferred`)
        t.equal(event?.test, true)
        t.strictSame(event?.data, SAMPLE_PAYLOADS[resource].data, `${resource} ${as}: data validated and complete`)
      }
    }
  }
})

t.test('with dispatchTestEvents, a test event also reaches the production handler of its resource, marked test', async t => {
  const { app, calls } = await buildApp(true)
  t.teardown(() => app.close())
  for (const resource of ['call', 'email', 'lead'] as const) {
    calls.length = 0
    const payload = envelope('test', structuredClone(SAMPLE_PAYLOADS[resource].data) as Record<string, unknown>)
    t.equal((await injectPost(app, '/hook', deliver(payload, 'form'))).status, 200)
    const handler = { call: 'onCallCompleted', email: 'onEmailReceived', lead: 'onLeadCreated' }[resource]
    t.same(calls.map((call) => call.handler), ['onTest', handler, 'onAny'], `${resource}: onTest, ${handler}, onAny`)
    const [onTest, production, onAny] = calls.map((call) => call.event) as [AnyWebhookEvent, AnyWebhookEvent, AnyWebhookEvent]
    t.equal(production.name, PRODUCTION[resource], `${resource}: named as the production event`)
    t.equal(production.test, true, `${resource}: still marked test`)
    t.equal(production.data, onTest.data, `${resource}: the same data`)
    t.equal(onTest.name, 'test')
    t.equal(onAny, onTest, `${resource}: onAny gets the test event itself`)
  }
})

t.test('a test event whose resource cannot be inferred reaches onTest unvalidated, and no production handler even with dispatchTestEvents', async t => {
  const { app, calls } = await buildApp(true)
  t.teardown(() => app.close())
  const answer = await injectPost(app, '/hook', deliver({ event: 'test', data: { id: 'sms-1', text: 'hello' } }))
  t.equal(answer.status, 200)
  t.same(calls.map((call) => call.handler), ['onTest', 'onAny'])
  t.equal(calls[0]?.event.resource, undefined)
  t.same(calls[0]?.event.data, { id: 'sms-1', text: 'hello' })
})

t.test('a test call that fails the call schema is a 422, like a production one', async t => {
  const { app, calls } = await buildApp(undefined)
  t.teardown(() => app.close())
  const payload = seedSample()
  payload.data.firsttime_caller = 'maybe'
  const answer = await injectPost(app, '/hook', deliver(payload))
  t.equal(answer.status, 422)
  t.same(calls, [])
})

t.test('the inferTestResource option replaces the inference', async t => {
  const seen: unknown[] = []
  const app = await hookApp(t, {
    inferTestResource: (data) => data.kind === 'LEAD' ? 'lead' : undefined,
    onTest: (event) => { seen.push(event.resource) }
  })
  const lead = structuredClone(SAMPLE_PAYLOADS.lead.data) as Record<string, unknown>
  await injectPost(app, '/hook', deliver(envelope('test', { ...lead, kind: 'LEAD' })))
  await injectPost(app, '/hook', deliver(seedSample()))
  t.same(seen, ['lead', undefined], 'the option decides, even for the call sample')
})

t.test('the schemas option replaces a resource\'s schema', async t => {
  const { Type } = await import('@sinclair/typebox')
  const seen: unknown[] = []
  const app = await hookApp(t, {
    schemas: { call: Type.Object({ id: Type.String({ pattern: '^call-' }), duration: Type.Integer({ minimum: 60 }) }) },
    onCallCompleted: (event) => { seen.push(event.data.duration) }
  })
  t.equal((await injectPost(app, '/hook', deliver(envelope('call:completed')))).status, 422, 'the sample\'s 43 s call fails the stricter schema')
  t.equal((await injectPost(app, '/hook', deliver(envelope('call:completed', { id: 'call-2', duration: '90' }), 'form'))).status, 200)
  t.same(seen, [90])
})

t.test('with dispatchTestEvents, a production handler that throws on a test event fails it with a 500, after every handler ran and onError saw it', async t => {
  const ran: string[] = []
  const errors: string[] = []
  const app = Fastify()
  await app.register(magnetisWebhooks, {
    path: '/hook',
    url: URL,
    key: KEY,
    dispatchTestEvents: true,
    onTest: () => { ran.push('onTest') },
    onCallCompleted: () => { ran.push('onCallCompleted'); throw new Error('CRM down') },
    onAny: () => { ran.push('onAny') },
    onError: (error) => { errors.push(error.message) }
  })
  t.teardown(() => app.close())
  const answer = await injectPost(app, '/hook', deliver(seedSample(), 'json'))
  t.equal(answer.status, 500)
  t.same(ran, ['onTest', 'onCallCompleted', 'onAny'], 'the failure stops no other handler')
  t.equal(errors.length, 1)
  t.equal(errors[0], 'fastify-magnetis-webhooks: 1 handler failed for the "test" event', 'onError gets the HandlerError of the event as received')
})
