// The package loaded after the app was created (a dynamic import): the app
// was not watched from its creation, yet the plugin's hooks still reach
// every scope, so every webhook route is verified; routes the start-up check
// could not see are checked at their first request (500 when misconfigured).
// Without the plugin, nothing of the package runs for that app: the route is
// served as any route, unverified. That is the documented limit.
// Only tap and Fastify are imported statically: the app must exist first.
import t from 'tap'
import Fastify from 'fastify'

const app = Fastify()
const unwatched = Fastify()
const inboxed = Fastify()
const { default: magnetisWebhooks } = await import('../../lib/index.js')
const { deliver, envelope, injectPost, KEY, URL } = await import('../helpers/plugin-harness.js')
const { testInbox, waitForStatus } = await import('../helpers/inbox-harness.js')

t.test('plugin registered (twice) in a scope, routes in scopes created before and after, and in its own scope: all verified', async t => {
  t.teardown(() => app.close())
  const handled: string[] = []
  const route = (name: string, key = KEY) => ({
    config: { magnetis: { url: `${URL}/${name}`, key } },
    handler: async () => { handled.push(name); return { ok: name } }
  })
  app.register(async (scope) => {
    scope.post('/before', route('before'))
    scope.post('/broken', route('broken', ''))
  })
  app.register(async (scope) => {
    await scope.register(magnetisWebhooks)
    await scope.register(magnetisWebhooks)
    scope.post('/own', route('own'))
  })
  app.register(async (scope) => { scope.post('/after', route('after')) })
  await app.ready()

  for (const name of ['before', 'own', 'after']) {
    t.equal((await app.inject({ method: 'POST', url: `/${name}`, payload: envelope('call:completed') })).statusCode, 401, `${name}: unsigned, 401`)
    t.equal((await injectPost(app, `/${name}`, deliver(envelope('call:completed'), 'json', { key: 'guess', url: `${URL}/${name}` }))).status, 401, `${name}: forged, 401`)
    t.same((await injectPost(app, `/${name}`, deliver(envelope('call:completed'), 'json', { url: `${URL}/${name}` }))).body, { ok: name }, `${name}: signed, handled`)
  }
  for (let round = 0; round < 2; round++) {
    const broken = await injectPost(app, '/broken', deliver(envelope('call:completed'), 'json', { url: `${URL}/broken` }))
    t.equal(broken.status, 500, 'a misconfigured route declared before the plugin answers 500 at its first request')
    t.equal(broken.body.code, 'FST_MAGNETIS_CONFIGURATION')
    t.match(broken.body.message, /route POST \/broken: "key" is missing or empty/)
  }
  t.same(handled, ['before', 'own', 'after'], 'each signed delivery handled once')
})

t.test('the documented limit: in an app created before the package loaded and never given the plugin, config.magnetis does nothing', async t => {
  t.teardown(() => unwatched.close())
  unwatched.post('/hook', { config: { magnetis: { url: URL, key: KEY } } }, async () => 'served')
  await unwatched.ready()
  const answer = await unwatched.inject({ method: 'POST', url: '/hook', payload: envelope('call:completed') })
  t.equal(answer.body, 'served', 'unverified: nothing of the package ran for this app (see docs/readme/registration.md)')
})

t.test('a route with an inbox declared before the plugin: its worker learns of it at its first request and runs its handler from the row', async t => {
  t.teardown(() => inboxed.close())
  const inbox = testInbox(t)
  const handled: string[] = []
  inboxed.register(async (scope) => {
    scope.post('/stored', { config: { magnetis: { url: URL, key: KEY, inbox, onCallCompleted: (event) => { handled.push(event.name) } } } }, async () => 'unused')
  })
  inboxed.register(async (scope) => { await scope.register(magnetisWebhooks) })
  await inboxed.ready()
  t.equal((await inboxed.inject({ method: 'POST', url: '/stored', payload: envelope('call:completed') })).statusCode, 401, 'unsigned: 401')
  const answer = await injectPost(inboxed, '/stored', deliver(envelope('call:completed')))
  t.equal(answer.status, 200)
  t.equal((await waitForStatus(inbox, answer.body.delivery, 'done')).attempts, 1)
  t.same(handled, ['call:completed'])
})
