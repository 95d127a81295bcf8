// Registration: both forms in one app several times over, start-up checks
// (ready() rejects and says what to set), the stray-whitespace warning, and
// routes declared before the plugin, which must still be verified.
import t from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { Type } from '@sinclair/typebox'
import formbody from '@fastify/formbody'
import magnetisWebhooks from '../../lib/index.js'
import { ConfigurationError } from '../../lib/errors.js'
import { captureLogs, deliver, envelope, injectPost, KEY, seedSample, URL } from '../helpers/plugin-harness.js'

const CALL_ID = seedSample().data.id

t.test('two shorthand registrations and two per-route routes in one app: each answers with its own key and URL only', async t => {
  const handled: string[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  const endpoints = [
    { path: '/webhooks/a', url: 'https://a.example/webhooks/a', key: 'key-a' },
    { path: '/webhooks/b', url: 'https://b.example/hooks/b?site=2', key: 'key-b' },
    { path: '/routes/c', url: 'https://c.example/routes/c', key: 'key-c' },
    { path: '/routes/d', url: 'http://d.example:8080/routes/d', key: 'key-d' }
  ]
  const [a, b, c, d] = endpoints as [typeof endpoints[0], typeof endpoints[0], typeof endpoints[0], typeof endpoints[0]]
  // Per-route routes parse with their scope's parsers: forms need one (the shorthand does not).
  await app.register(formbody)
  await app.register(magnetisWebhooks, { ...a, onCallCompleted: () => { handled.push('a') } })
  await app.register(magnetisWebhooks, { ...b, onCallCompleted: () => { handled.push('b') } })
  for (const route of [c, d]) {
    app.post(route.path, { config: { magnetis: { url: route.url, key: route.key, onCallCompleted: () => { handled.push(route.path) } } } },
      async (request) => ({ route: route.path, event: request.magnetisEvent?.name }))
  }

  for (const endpoint of endpoints) {
    for (const as of ['json', 'form'] as const) {
      handled.length = 0
      const answer = await injectPost(app, endpoint.path, deliver(envelope('call:completed'), as, endpoint))
      t.equal(answer.status, 200, `${endpoint.path} ${as}: 200 with its own key and URL`)
      if (endpoint.path.startsWith('/webhooks')) t.same(answer.body, { ok: true, event: 'call:completed', id: CALL_ID })
      else t.same(answer.body, { route: endpoint.path, event: 'call:completed' }, `${endpoint.path}: its own handler replied`)
      t.same(handled, [endpoint.path.startsWith('/webhooks') ? endpoint.path.slice(-1) : endpoint.path], 'only its handler ran')
    }
    for (const other of endpoints.filter((candidate) => candidate !== endpoint)) {
      const withKey = await injectPost(app, endpoint.path, deliver(envelope('call:completed'), 'json', { key: other.key, url: endpoint.url }))
      t.equal(withKey.status, 401, `${endpoint.path}: ${other.path}'s key is refused`)
      const withUrl = await injectPost(app, endpoint.path, deliver(envelope('call:completed'), 'json', { key: endpoint.key, url: other.url }))
      t.equal(withUrl.status, 401, `${endpoint.path}: ${other.path}'s URL is refused`)
    }
  }
})

t.test('the plugin registered in two sibling scopes: each scope verifies its own routes', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  for (const name of ['one', 'two']) {
    await app.register(async (scope) => {
      await scope.register(magnetisWebhooks, { path: `/${name}`, url: `${URL}/${name}`, key: `key-${name}` })
      scope.post(`/${name}/route`, { config: { magnetis: { url: `${URL}/${name}/route`, key: `key-${name}` } } }, async () => 'ok')
    })
  }
  for (const name of ['one', 'two']) {
    t.equal((await injectPost(app, `/${name}`, deliver(envelope('call:completed'), 'json', { key: `key-${name}`, url: `${URL}/${name}` }))).status, 200)
    t.equal((await injectPost(app, `/${name}/route`, deliver(envelope('call:completed'), 'json', { key: `key-${name}`, url: `${URL}/${name}/route` }))).status, 200)
    t.equal((await injectPost(app, `/${name}`, deliver(envelope('call:completed'), 'json', { key: 'key-x', url: `${URL}/${name}` }))).status, 401)
  }
})

t.test('a route declared before the plugin, or with register() not awaited, is still verified', async t => {
  const layouts: Record<string, (app: FastifyInstance, declare: (scope: FastifyInstance) => void) => void> = {
    'route first, then register': (app, declare) => { declare(app); app.register(magnetisWebhooks) },
    'register not awaited, then the route': (app, declare) => { app.register(magnetisWebhooks); declare(app) },
    'route in a scope registered before the plugin': (app, declare) => {
      app.register(async (scope) => declare(scope))
      app.register(magnetisWebhooks)
    }
  }
  for (const [layout, build] of Object.entries(layouts)) {
    let handled = 0
    const app = Fastify()
    t.teardown(() => app.close())
    build(app, (scope) => {
      scope.post('/hook', { config: { magnetis: { url: URL, key: KEY } } }, async (request) => {
        handled++
        return { event: request.magnetisEvent?.name ?? null }
      })
    })
    await app.ready()
    const unsigned = await app.inject({ method: 'POST', url: '/hook', payload: envelope('call:completed') })
    t.equal(unsigned.statusCode, 401, `${layout}: an unsigned request is refused`)
    const forged = await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: 'guess' }))
    t.equal(forged.status, 401, `${layout}: a forged signature is refused`)
    t.equal(handled, 0, `${layout}: the handler never ran unverified`)
    const signed = await injectPost(app, '/hook', deliver(envelope('call:completed')))
    t.equal(signed.status, 200, `${layout}: a signed request passes`)
    t.same(signed.body, { event: 'call:completed' }, `${layout}: with the verified event`)
  }
})

t.test('a misconfigured route declared before the plugin fails ready(), never served unverified', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.post('/hook', { config: { magnetis: { url: URL, key: '' } } }, async () => 'never')
  app.register(magnetisWebhooks)
  await t.rejects(async () => { await app.ready() }, { code: 'FST_MAGNETIS_CONFIGURATION', message: /route POST \/hook: "key" is missing or empty/ })
})

t.test('ready() rejects a replacement schema whose default cannot be copied for each delivery (never a 500 per delivery)', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  const schema = Type.Object({ id: Type.String(), cfg: Type.Optional(Type.Object({}, { default: { fn: () => 1 } })) })
  app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, schemas: { call: schema } })
  await t.rejects(async () => { await app.ready() }, { name: 'TypeError', message: /the call schema's default for "cfg" cannot be copied for each delivery/ })
})

t.test('ready() rejects and names what to set', async t => {
  const cases: Array<{ name: string, options: Record<string, unknown>, message: RegExp }> = [
    { name: 'no key', options: { url: URL }, message: /"key" is missing or empty: set it to the webhook's signature key/ },
    { name: 'an undefined key (unset environment variable)', options: { url: URL, key: process.env.MAGNETIS_KEY_THAT_IS_NOT_SET }, message: /"key" is missing or empty/ },
    { name: 'an empty key', options: { url: URL, key: '' }, message: /"key" is missing or empty/ },
    { name: 'an empty key list', options: { url: URL, key: [] }, message: /"key" is missing or empty/ },
    { name: 'a key list holding an empty key', options: { url: URL, key: ['good', ''] }, message: /"key" is missing or empty/ },
    { name: 'no url', options: { key: KEY }, message: /"url" is required: set it to the endpoint URL exactly as typed in the Magnétis interface/ },
    { name: 'an empty url', options: { key: KEY, url: '' }, message: /"url" is required/ },
    { name: 'a handler that is not a function', options: { url: URL, key: KEY, onCallCompleted: 'crm.save' }, message: /the handler for "call:completed" must be a function/ }
  ]
  for (const { name, options, message } of cases) {
    const shorthand = Fastify()
    shorthand.register(magnetisWebhooks, { path: '/hook', ...options } as any)
    const error = await shorthand.ready().then(() => null, (error: unknown) => error)
    t.type(error, ConfigurationError, `shorthand, ${name}: a ConfigurationError`)
    t.match((error as Error).message, /^fastify-magnetis-webhooks: route POST \/hook: /, `shorthand, ${name}: names the route`)
    t.match((error as Error).message, message, `shorthand, ${name}: says what to set`)
    await shorthand.close()

    const perRoute = Fastify()
    await perRoute.register(magnetisWebhooks)
    // Declaring the route does not throw: the problem is reported by ready().
    perRoute.post('/route', { config: { magnetis: options as any } }, async () => 'ok')
    const routeError = await perRoute.ready().then(() => null, (error: unknown) => error)
    t.type(routeError, ConfigurationError, `per-route, ${name}: a ConfigurationError`)
    t.match((routeError as Error).message, /route POST \/route: /, `per-route, ${name}: names the route`)
    t.match((routeError as Error).message, message, `per-route, ${name}: says what to set`)
    await perRoute.close()
  }
})

t.test('ready() rejects for a route declared inside a plugin too, and for a non-object config.magnetis', async t => {
  const app = Fastify()
  await app.register(magnetisWebhooks)
  app.register(async (scope) => {
    scope.post('/inner', { config: { magnetis: true as any } }, async () => 'ok')
  })
  await t.rejects(async () => { await app.ready() }, { code: 'FST_MAGNETIS_CONFIGURATION', message: /route POST \/inner: the webhook options must be an object with "url" and "key"/ })
  await app.close()
})

t.test('a key with stray white space logs a warning at start-up, without the key', async t => {
  for (const key of [` ${KEY}`, `${KEY}\n`, ['clean-key', `${KEY}\t`]]) {
    const logs = captureLogs()
    const app = Fastify({ logger: { level: 'trace', stream: logs.stream } })
    await app.register(magnetisWebhooks, { path: '/hook', url: URL, key })
    app.post('/route', { config: { magnetis: { url: URL, key } } }, async () => 'ok')
    await app.ready()
    const warnings = logs.lines().filter((line) => line.level === 40 && /white space/.test(line.msg))
    t.same(warnings.map((line) => line.msg.match(/route POST \/\w+/)?.[0]), ['route POST /hook', 'route POST /route'], `${JSON.stringify(key)}: one warning per route`)
    t.match(warnings[0]?.msg, /the signature key has leading or trailing white space/)
    t.notOk(logs.text().includes(KEY), 'the key is not in the logs')
    t.notOk(logs.text().includes('clean-key'), 'nor the other key of the list')
    await app.close()
  }
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'trace', stream: logs.stream } })
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY })
  await app.register(magnetisWebhooks, { path: '/resolved', url: URL, key: () => ` ${KEY}` })
  await app.ready()
  t.equal(logs.lines().filter((line) => line.level === 40).length, 0, 'a clean key, or a resolver, warns nothing')
  await app.close()
})

t.test('a key with stray white space is still used as given: the vendor signs with the key as shown', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: `${KEY} ` })
  t.equal((await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: `${KEY} ` }))).status, 200)
  t.equal((await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: KEY }))).status, 401)
})

t.test('rotation: with a list of two keys, a delivery signed with either is accepted, any other refused', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  const events: string[] = []
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: ['old-key', 'new-key'], onCallCompleted: (event) => { events.push(event.data.id) } })
  for (const key of ['old-key', 'new-key']) {
    for (const as of ['json', 'form'] as const) {
      t.equal((await injectPost(app, '/hook', deliver(envelope('call:completed'), as, { key }))).status, 200, `${key} ${as}: 200`)
    }
  }
  t.equal(events.length, 4)
  const other = await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: 'older-key' }))
  t.equal(other.status, 401)
  t.equal(other.body.code, 'FST_MAGNETIS_INVALID_SIGNATURE')
})

t.test('the bodyLimit option of a per-route route also becomes the route\'s body limit, above the app\'s', async t => {
  const app = Fastify({ bodyLimit: 1024 })
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks)
  app.post('/big', { config: { magnetis: { url: URL, key: KEY, bodyLimit: 8192 } } }, async (request) => ({ id: (request.magnetisEvent?.data as { id?: string }).id }))
  app.post('/sibling', async (request) => request.body)
  const payload = { ...envelope('call:completed'), padding: 'x'.repeat(4000) }
  const answer = await injectPost(app, '/big', deliver(payload))
  t.equal(answer.status, 200, 'a 5 kB delivery passes the 8 kB option on a 1 kB app')
  t.same(answer.body, { id: CALL_ID })
  t.equal((await injectPost(app, '/big', deliver({ ...payload, padding: 'x'.repeat(9000) }))).status, 413, 'past the option: 413')
  const sibling = await app.inject({ method: 'POST', url: '/sibling', payload })
  t.equal(sibling.statusCode, 413, 'the sibling keeps the app\'s 1 kB limit')
})

t.test('a per-route route whose scope cannot parse forms or JSON is named in a start-up warning', async t => {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/shorthand', url: URL, key: KEY })
  app.post('/json-only', { config: { magnetis: { url: URL, key: KEY } } }, async () => 'ok')
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.post('/no-parser', { config: { magnetis: { url: URL, key: KEY } } }, async () => 'ok')
  })
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, body))
    scope.post('/both', { config: { magnetis: { url: URL, key: KEY } } }, async () => 'ok')
  })
  await app.ready()
  const warnings = logs.lines().map((line) => line.msg as string)
  t.same(warnings.map((message) => message.match(/route POST (\S+):/)?.[1]), ['/json-only', '/no-parser'], 'the shorthand and a route with both parsers are not named')
  t.match(warnings[0], /no body parser for application\/x-www-form-urlencoded, so Fastify replies 415/)
  t.match(warnings[0], /register @fastify\/formbody/)
  t.match(warnings[1], /no body parser for application\/x-www-form-urlencoded or application\/json/)

  // The warning is true: Fastify refuses the form before the plugin sees it.
  const answer = await injectPost(app, '/json-only', deliver(envelope('call:completed'), 'form'))
  t.equal(answer.status, 415)
})

t.test('route options given without "path" fail ready(): they would configure nothing', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(magnetisWebhooks, { url: URL, key: KEY } as never)
  await t.rejects(async () => { await app.ready() }, {
    code: 'FST_MAGNETIS_CONFIGURATION',
    message: /route options \(url, key\) were given without "path": add path: '\/webhooks\/magnetis' to create the route, or put them in a route's config\.magnetis/
  })
})

t.test('Fastify\'s own register options (prefix, logLevel) ride along without being taken for route options', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { logLevel: 'warn' } as never)
  await t.resolves(async () => { await app.ready() })
})

t.test('a "path" that is not a route path fails ready()', async t => {
  for (const path of ['webhooks/magnetis', '', 42]) {
    const app = Fastify()
    app.register(magnetisWebhooks, { path, url: URL, key: KEY } as never)
    await t.rejects(async () => { await app.ready() }, { code: 'FST_MAGNETIS_CONFIGURATION', message: /"path" must be a route path starting with "\/", such as '\/webhooks\/magnetis'/ }, JSON.stringify(path))
    await app.close()
  }
})

t.test('a misspelt handler option fails ready() instead of dropping events', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onCallComplete: () => {} } as never)
  await t.rejects(async () => { await app.ready() }, { code: 'FST_MAGNETIS_CONFIGURATION', message: /unknown option "onCallComplete"/ })
})

t.test('an event with no handler: warned once on the shorthand route, not on a per-route route whose own handler reads it', async t => {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY })
  app.post('/route', { config: { magnetis: { url: URL, key: KEY } } }, async (request) => ({ got: request.magnetisEvent?.name }))
  for (const path of ['/hook', '/hook', '/route', '/route']) {
    t.equal((await injectPost(app, path, deliver(envelope('call:missed')))).status, 200, path)
  }
  const warnings = logs.lines().filter((line) => /no handler for this event/.test(line.msg))
  t.equal(warnings.length, 1, 'once, for the shorthand route')
})
