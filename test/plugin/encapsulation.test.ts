// Encapsulation: routes without config.magnetis keep their own parsing, body
// limit and errors, and see request.magnetisEvent === null; the user's own
// @fastify/formbody at the root coexists with the plugin in either order;
// the plugin's hooks reach every scope, but only act on webhook routes.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import formbody from '@fastify/formbody'
import magnetisWebhooks from '../../lib/index.js'
import { deliver, envelope, injectPost, KEY, seedSample, URL } from '../helpers/plugin-harness.js'

/** An app with both registration forms and plain sibling routes beside them. */
async function buildApp (withFormbody: 'before' | 'after' | 'none'): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 4096 })
  if (withFormbody === 'before') await app.register(formbody)
  await app.register(magnetisWebhooks, { path: '/webhooks/magnetis', url: URL, key: KEY })
  if (withFormbody === 'after') await app.register(formbody)
  app.post('/webhooks/route', { config: { magnetis: { url: `${URL}/route`, key: KEY } } }, async (request) => ({ event: request.magnetisEvent?.name }))
  const echo = async (request: any) => ({ body: request.body, magnetisEvent: request.magnetisEvent })
  app.post('/api/json', echo)
  app.post('/api/small', { bodyLimit: 64 }, echo)
  app.post('/api/form', echo)
  return app
}

t.test('a sibling JSON route keeps its parsing, its body limit and its errors; magnetisEvent is null there', async t => {
  const app = await buildApp('none')
  t.teardown(() => app.close())
  const json = await app.inject({ method: 'POST', url: '/api/json', payload: { a: 1, nested: { b: [true, null] } } })
  t.equal(json.statusCode, 200)
  t.same(json.json(), { body: { a: 1, nested: { b: [true, null] } }, magnetisEvent: null }, 'parsed by Fastify, no event, no signature asked')

  const small = await app.inject({ method: 'POST', url: '/api/small', payload: { text: 'x'.repeat(100) } })
  t.equal(small.statusCode, 413, 'the route\'s own 64-byte limit')
  t.equal(small.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE', 'with Fastify\'s own code')
  const large = await app.inject({ method: 'POST', url: '/api/json', payload: { text: 'x'.repeat(5000) } })
  t.equal(large.json().code, 'FST_ERR_CTP_BODY_TOO_LARGE', 'the app\'s 4 kB limit')

  const malformed = await app.inject({ method: 'POST', url: '/api/json', headers: { 'content-type': 'application/json' }, payload: '{"a":' })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY', 'Fastify\'s JSON error, not the plugin\'s')
  const text = await app.inject({ method: 'POST', url: '/api/json', headers: { 'content-type': 'text/plain' }, payload: 'hello' })
  t.equal(text.statusCode, 200, 'text/plain is still parsed by Fastify\'s text parser')
  t.equal(text.json().body, 'hello')
  const form = await app.inject({ method: 'POST', url: '/api/form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1' })
  t.equal(form.statusCode, 415, 'without formbody, a sibling still refuses forms: the plugin added no form parser')
  t.equal(form.json().code, 'FST_ERR_CTP_INVALID_MEDIA_TYPE')

  // …while the shorthand, in its own scope, reads forms with no parser at all.
  t.equal((await injectPost(app, '/webhooks/magnetis', deliver(envelope('call:completed'), 'form'))).status, 200)
})

for (const order of ['before', 'after'] as const) {
  t.test(`@fastify/formbody registered at the root ${order} the plugin: the app boots, a plain form route parses forms, both webhook forms work`, async t => {
    const app = await buildApp(order)
    t.teardown(() => app.close())
    const form = await app.inject({ method: 'POST', url: '/api/form', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=Jeanne+Martin&city=Lyon' })
    t.equal(form.statusCode, 200)
    t.same(form.json(), { body: { name: 'Jeanne Martin', city: 'Lyon' }, magnetisEvent: null })
    const json = await app.inject({ method: 'POST', url: '/api/json', payload: { a: 1 } })
    t.same(json.json(), { body: { a: 1 }, magnetisEvent: null })
    for (const as of ['json', 'form'] as const) {
      const shorthand = await injectPost(app, '/webhooks/magnetis', deliver(envelope('call:completed'), as))
      t.same(shorthand.body, { ok: true, event: 'call:completed', id: seedSample().data.id }, `shorthand ${as}`)
      const route = await injectPost(app, '/webhooks/route', deliver(envelope('call:completed'), as, { url: `${URL}/route` }))
      t.same(route.body, { event: 'call:completed' }, `per-route ${as}`)
    }
  })
}

t.test('a webhook route and a plain route in one child scope: only the webhook route asks for a signature', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks)
  await app.register(async (scope) => {
    scope.post('/hook', { config: { magnetis: { url: URL, key: KEY } } }, async () => 'verified')
    scope.post('/plain', async (request) => ({ body: request.body, magnetisEvent: request.magnetisEvent }))
    scope.get('/health', async (request) => ({ ok: true, magnetisEvent: request.magnetisEvent }))
  }, { prefix: '/v1' })
  const plain = await app.inject({ method: 'POST', url: '/v1/plain', payload: envelope('call:completed') })
  t.same(plain.json(), { body: envelope('call:completed'), magnetisEvent: null })
  t.same((await app.inject({ method: 'GET', url: '/v1/health' })).json(), { ok: true, magnetisEvent: null })
  t.equal((await app.inject({ method: 'POST', url: '/v1/hook', payload: envelope('call:completed') })).statusCode, 401)
  t.equal((await app.inject({ method: 'POST', url: '/v1/nowhere', payload: envelope('call:completed') })).statusCode, 404, 'a 404 is untouched')
})

t.test('the plugin registered inside one scope verifies a sibling scope\'s webhook route, and leaves its plain route as it was', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(async (scope) => {
    await scope.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY })
  })
  await app.register(async (scope) => {
    scope.post('/other', async (request) => ({ magnetisEvent: request.magnetisEvent, body: request.body }))
    scope.post('/other/hook', { config: { magnetis: { url: `${URL}/other`, key: KEY } } }, async (request) => ({ event: request.magnetisEvent?.name }))
  })
  const other = await app.inject({ method: 'POST', url: '/other', payload: { a: 1 } })
  t.same(other.json(), { magnetisEvent: null, body: { a: 1 } })
  t.equal((await injectPost(app, '/hook', deliver(envelope('call:completed')))).status, 200)
  t.equal((await app.inject({ method: 'POST', url: '/other/hook', payload: envelope('call:completed') })).statusCode, 401, 'the sibling webhook route is verified')
  t.same((await injectPost(app, '/other/hook', deliver(envelope('call:completed'), 'json', { url: `${URL}/other` }))).body, { event: 'call:completed' })
})
