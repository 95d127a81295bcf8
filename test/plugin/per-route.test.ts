// Per-route registration: any route with config.magnetis is verified before
// its own hooks and handler, which read request.magnetisEvent; tenants
// resolved from the request (key and URL, sync and async).
import t from 'tap'
import Fastify, { type FastifyRequest } from 'fastify'
import formbody from '@fastify/formbody'
import magnetisWebhooks, { MagnetisWebhooks } from '../../lib/index.js'
import { deliver, envelope, injectPost, KEY, seedSample, URL } from '../helpers/plugin-harness.js'

t.test('the route\'s handler runs after verification and dispatch, and reads the verified, typed event', async t => {
  const order: string[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(formbody)
  await app.register(magnetisWebhooks)
  app.post('/hook', {
    config: {
      magnetis: {
        url: URL,
        key: KEY,
        onCallCompleted: (event) => { order.push(`onCallCompleted ${event.data.duration}`) },
        onAny: () => { order.push('onAny') }
      }
    },
    preHandler: async (request) => { order.push(`route preHandler sees ${request.magnetisEvent?.name}`) }
  }, async (request) => {
    order.push('handler')
    const event = request.magnetisEvent
    return { name: event?.name, test: event?.test, resource: event?.resource, data: event?.data, body: request.body }
  })

  for (const as of ['json', 'form'] as const) {
    order.length = 0
    const answer = await injectPost(app, '/hook', deliver(envelope('call:completed'), as))
    t.equal(answer.status, 200, `${as}: 200`)
    t.same(order, ['onCallCompleted 43', 'onAny', 'route preHandler sees call:completed', 'handler'], `${as}: handlers, then the route's preHandler, then its handler`)
    t.same(answer.body.data, seedSample().data, `${as}: magnetisEvent.data is the validated call`)
    t.same([answer.body.name, answer.body.test, answer.body.resource], ['call:completed', false, 'call'])
    // The route's own parser still ran on the same bytes: request.body is what that parser made of them.
    t.equal(answer.body.body.event, 'call:completed', `${as}: request.body parsed by the route's own parser`)
  }
  order.length = 0
  const refused = await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: 'other' }))
  t.equal(refused.status, 401)
  t.same(order, [], 'on 401, neither the handlers nor the route\'s preHandler nor its handler ran')
})

t.test('a handler failure stops the route: 500, and the route handler does not run', async t => {
  let handlerRan = false
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks)
  app.post('/hook', { config: { magnetis: { url: URL, key: KEY, onCallCompleted: () => { throw new Error('no') } } } }, async () => {
    handlerRan = true
    return 'ok'
  })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.equal(answer.status, 500)
  t.equal(answer.body.code, 'FST_MAGNETIS_HANDLER_FAILED')
  t.notOk(handlerRan)
})

t.test('tenants: key and url as sync and async functions of the request, one key per account', async t => {
  const keys: Record<string, string> = { acme: 'acme-key', globex: 'globex-key' }
  const urlOf = (request: FastifyRequest): string => `https://shop.example/webhooks/magnetis/${(request.params as { account: string }).account}`
  const resolvers = {
    'sync key, sync url': { key: (request: FastifyRequest) => keys[(request.params as { account: string }).account], url: urlOf },
    'async key, async url': {
      key: async (request: FastifyRequest) => { await new Promise((resolve) => setImmediate(resolve)); return keys[(request.params as { account: string }).account] },
      url: async (request: FastifyRequest) => urlOf(request)
    }
  }
  for (const [name, { key, url }] of Object.entries(resolvers)) {
    const seen: string[] = []
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(magnetisWebhooks, { path: '/webhooks/magnetis/:account', key, url, onCallCompleted: (_event, request) => { seen.push((request.params as { account: string }).account) } })
    await app.register(magnetisWebhooks)
    app.post('/routes/:account', { config: { magnetis: { key, url: (request) => urlOf(request).replace('/webhooks/magnetis/', '/routes/') } } }, async (request) => ({ account: (request.params as { account: string }).account, event: request.magnetisEvent?.name }))

    for (const account of ['acme', 'globex']) {
      const own = { key: keys[account] as string, url: `https://shop.example/webhooks/magnetis/${account}` }
      t.equal((await injectPost(app, `/webhooks/magnetis/${account}`, deliver(envelope('call:completed'), 'json', own))).status, 200, `${name}: ${account} with its key`)
      const routeAnswer = await injectPost(app, `/routes/${account}`, deliver(envelope('call:completed'), 'json', { key: own.key, url: `https://shop.example/routes/${account}` }))
      t.same(routeAnswer.body, { account, event: 'call:completed' }, `${name}: per-route ${account}`)
      const other = account === 'acme' ? 'globex' : 'acme'
      const crossed = await injectPost(app, `/webhooks/magnetis/${account}`, deliver(envelope('call:completed'), 'json', { key: keys[other] as string, url: own.url }))
      t.equal(crossed.status, 401, `${name}: ${account} refuses ${other}'s key`)
      t.equal(crossed.body.code, 'FST_MAGNETIS_INVALID_SIGNATURE')
    }
    t.same(seen, ['acme', 'globex'], `${name}: the handler saw each tenant once`)

    const unknown = await injectPost(app, '/webhooks/magnetis/initech', deliver(envelope('call:completed'), 'json', { key: 'acme-key', url: 'https://shop.example/webhooks/magnetis/initech' }))
    t.equal(unknown.status, 401, `${name}: an unknown account is refused`)
    t.equal(unknown.body.code, 'FST_MAGNETIS_NO_SIGNATURE_KEY')
    const unknownRoute = await injectPost(app, '/routes/initech', deliver(envelope('call:completed'), 'json', { key: 'acme-key', url: 'https://shop.example/routes/initech' }))
    t.equal(unknownRoute.body.code, 'FST_MAGNETIS_NO_SIGNATURE_KEY', `${name}: per-route, too`)
  }
})

t.test('a key resolver may give a list (rotation per tenant); an empty list or empty key is no key (401)', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  const lists: Record<string, string[]> = { rotating: ['old', 'new'], empty: [], blank: ['ok', ''] }
  await app.register(magnetisWebhooks, {
    path: '/hook/:account',
    url: URL,
    key: (request) => lists[(request.params as { account: string }).account]
  })
  for (const key of ['old', 'new']) t.equal((await injectPost(app, '/hook/rotating', deliver(envelope('call:completed'), 'json', { key }))).status, 200)
  for (const account of ['empty', 'blank']) {
    const answer = await injectPost(app, `/hook/${account}`, deliver(envelope('call:completed'), 'json', { key: 'ok' }))
    t.equal(answer.body.code, 'FST_MAGNETIS_NO_SIGNATURE_KEY', `${account}: 401 no key`)
  }
})

t.test('a URL resolver that gives no URL, or a resolver that throws, is the app\'s fault: 500, nothing dispatched', async t => {
  let handled = 0
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/no-url', url: () => undefined as unknown as string, key: KEY, onAny: () => { handled++ } })
  await app.register(magnetisWebhooks, { path: '/throws', url: URL, key: async () => { throw new Error('the tenant store is down') }, onAny: () => { handled++ } })
  const noUrl = await injectPost(app, '/no-url', deliver(envelope('call:completed')))
  t.equal(noUrl.status, 500)
  t.match(noUrl.body.message, /the "url" resolver must give the endpoint URL as a non-empty string/)
  const throws = await injectPost(app, '/throws', deliver(envelope('call:completed')))
  t.equal(throws.status, 500)
  t.match(throws.body.message, /the tenant store is down/)
  t.equal(handled, 0)
})

t.test('one config.magnetis object shared by two routes, and a shared handler set', async t => {
  const webhooks = new MagnetisWebhooks()
  const seen: string[] = []
  webhooks.on('lead:created', (event, request) => { seen.push(`${request.url} ${event.data.id}`) })
  const magnetis = { url: URL, key: KEY, webhooks }
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks)
  app.post('/one', { config: { magnetis } }, async () => 'one')
  app.post('/two', { config: { magnetis } }, async () => 'two')
  const lead = { event: 'lead:created', data: { id: 'lead-1', account: { id: 'acc-1', name: 'A' }, date: '2023-08-30 13:58:20' } }
  t.equal((await injectPost(app, '/one', deliver(lead))).status, 200)
  t.equal((await injectPost(app, '/two', deliver(lead))).status, 200)
  t.same(seen, ['/one lead-1', '/two lead-1'])
})

t.test('a custom pairsFromBody decides what is signed, and lets other media types in', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  const seen: unknown[] = []
  // Say a proxy re-sends the vendor's form as text/plain: the user reads the pairs themselves.
  const pairsFromBody = (rawBody: Buffer): Array<[string, string]> => Array.from(new URLSearchParams(rawBody.toString('utf8')))
  await app.register(magnetisWebhooks, { path: '/text', url: URL, key: KEY, pairsFromBody, onCallCompleted: (event) => { seen.push(event.data.duration) } })
  await app.register(magnetisWebhooks, { path: '/json', url: URL, key: KEY, pairsFromBody: () => [['event', 'call:completed']], onAny: (event) => { seen.push(event.name) } })
  const form = deliver(envelope('call:completed'), 'form')
  const answer = await injectPost(app, '/text', { headers: { ...form.headers, 'content-type': 'text/plain' }, body: form.body })
  t.equal(answer.status, 200)
  t.same(seen, [43], 'decoded from the raw body as a form, converted by the schema')
  // With JSON, the custom pairs are what is signed; the event is still the JSON body.
  const signedOverEventOnly = deliver({ event: 'call:completed' })
  const json = await injectPost(app, '/json', { headers: signedOverEventOnly.headers, body: JSON.stringify(envelope('call:transferred', { id: 'x' })) })
  t.equal(json.status, 200)
  t.same(json.body, { ok: true, event: 'call:transferred', id: 'x' })
})

t.test('per route, the scope\'s own JSON parser refuses a malformed body first: 400 with Fastify\'s code, and no handler runs', async t => {
  let handled = 0
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks)
  app.post('/hook', { config: { magnetis: { url: URL, key: KEY, onAny: () => { handled++ } } } }, async () => { handled++; return {} })
  const headers = { 'content-type': 'application/json', 'x-calltracking-signature': 'x' }
  const malformed = await app.inject({ method: 'POST', url: '/hook', headers, payload: '{"a":' })
  t.equal(malformed.statusCode, 400)
  t.equal(malformed.json().code, 'FST_ERR_CTP_INVALID_JSON_BODY')
  const empty = await app.inject({ method: 'POST', url: '/hook', headers, payload: '' })
  t.equal(empty.statusCode, 400)
  t.equal(empty.json().code, 'FST_ERR_CTP_EMPTY_JSON_BODY')
  t.equal(handled, 0)
})
