// The registration matrix: wherever the plugin is registered (root, a scope,
// a child, a grandchild, a prefixed scope, twice), wherever the webhook route
// is declared (same scope, sibling, parent, child, prefixed), declared before
// or after, with register() awaited or not: a forged delivery is refused
// (401) and its handler never runs, a signed one is handled exactly once.
// Without the plugin, ready() rejects and says how to register it.
import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import { ConfigurationError } from '../../lib/errors.js'
import { deliver, envelope, injectPost, KEY, URL } from '../helpers/plugin-harness.js'

/** The scopes of every app in the matrix: a chain of three under the root (one prefixed) and a prefixed sibling. */
interface Node { name: string, prefix: string, children: Node[] }
const TREE: Node = {
  name: 'root',
  prefix: '',
  children: [
    { name: 'a', prefix: '', children: [{ name: 'a/child', prefix: '/v1', children: [{ name: 'a/child/grandchild', prefix: '', children: [] }] }] },
    { name: 'b', prefix: '/b', children: [] }
  ]
}
const POSITIONS = ['root', 'a', 'a/child', 'a/child/grandchild', 'b'] as const
type Position = typeof POSITIONS[number]
/** The URL path a route at each position answers on (prefixes add up). */
const PATHS: Record<Position, string> = { root: '/hook', a: '/hook', 'a/child': '/v1/hook', 'a/child/grandchild': '/v1/hook', b: '/b/hook' }

interface Layout {
  /** where the plugin is registered; twice when listed twice; none when empty */
  plugins: Position[]
  /** where the route with config.magnetis is declared; undefined: the plugin's shorthand `path` route instead */
  route?: Position
  /** await every register() (scopes and plugin) */
  awaited: boolean
  /** in a scope, its own plugin and route before its child scopes */
  ownFirst: boolean
  /** in a scope holding both, the plugin before the route */
  pluginFirst: boolean
}

interface Counts { handled: number, dispatched: number }

function describe (layout: Layout): string {
  const plugin = layout.plugins.length === 0 ? 'no plugin' : `plugin at ${layout.plugins.join(' and ')}`
  const route = layout.route === undefined ? 'shorthand path' : `route at ${layout.route}`
  return `${plugin}, ${route}, ${layout.awaited ? 'awaited' : 'not awaited'}, ` +
    `${layout.ownFirst ? 'own items before child scopes' : 'child scopes first'}, ${layout.pluginFirst ? 'plugin first' : 'route first'}`
}

async function fill (scope: FastifyInstance, node: Node, layout: Layout, counts: Counts): Promise<void> {
  const onCallCompleted = (): void => { counts.dispatched++ }
  const items: Array<() => unknown> = []
  const registrations = layout.plugins.filter((position) => position === node.name).length
  for (let count = 0; count < registrations; count++) {
    items.push(() => layout.route === undefined
      ? scope.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onCallCompleted })
      : scope.register(magnetisWebhooks))
  }
  if (layout.route === node.name) {
    items.push(() => scope.post('/hook', { config: { magnetis: { url: URL, key: KEY, onCallCompleted } } }, async (request) => {
      counts.handled++
      return { event: request.magnetisEvent?.name ?? null }
    }))
  }
  if (!layout.pluginFirst) items.reverse()
  const own = async (): Promise<void> => {
    for (const item of items) {
      const registered = item()
      if (layout.awaited && registered !== scope) await registered
    }
  }
  const children = async (): Promise<void> => {
    for (const child of node.children) {
      const registered = scope.register(async (inner) => fill(inner, child, layout, counts), { prefix: child.prefix })
      if (layout.awaited) await registered
    }
  }
  if (layout.ownFirst) {
    await own()
    await children()
  } else {
    await children()
    await own()
  }
}

async function build (layout: Layout): Promise<{ app: FastifyInstance, counts: Counts }> {
  const app = Fastify()
  const counts = { handled: 0, dispatched: 0 }
  await fill(app, TREE, layout, counts)
  return { app, counts }
}

function * layouts (plugins: Position[][], routes: Array<Position | undefined>): Generator<Layout> {
  for (const pluginsAt of plugins) {
    for (const route of routes) {
      for (const awaited of [true, false]) {
        for (const ownFirst of [true, false]) {
          for (const pluginFirst of [true, false]) yield { plugins: pluginsAt, route, awaited, ownFirst, pluginFirst }
        }
      }
    }
  }
}

/** What one layout does with an unsigned, a forged and a signed delivery, and how often the handlers ran. */
interface Outcome { layout: string, unsigned: number, forged: number, afterRefusals: Counts, signed: number, afterSigned: Counts }

/** The outcome of one layout, or the error that stopped it (which then shows in the diff beside the layout's name). */
async function outcome (layout: Layout): Promise<Outcome | { layout: string, error: string }> {
  const { app, counts } = await build(layout)
  try {
    await app.ready()
    const path = PATHS[layout.route ?? layout.plugins[0] as Position]
    const unsigned = await app.inject({ method: 'POST', url: path, payload: envelope('call:completed') })
    const forged = await injectPost(app, path, deliver(envelope('call:completed'), 'json', { key: 'a-guessed-key' }))
    const afterRefusals = { ...counts }
    const signed = await injectPost(app, path, deliver(envelope('call:completed')))
    return { layout: describe(layout), unsigned: unsigned.statusCode, forged: forged.status, afterRefusals, signed: signed.status, afterSigned: { ...counts } }
  } catch (error) {
    return { layout: describe(layout), error: String(error) }
  } finally {
    await app.close()
  }
}

/**
 * Every layout: an unsigned delivery 401, one signed with another key 401, no handler ran for them; a signed delivery
 * 200, handled once (the route's own handler, when there is one) and verified once. One comparison per group (its
 * diff names the layout), rather than a subtest per layout: the same checks, at a fraction of the TAP output.
 */
async function assertVerified (t: Test, all: Iterable<Layout>): Promise<void> {
  const actual: unknown[] = []
  const expected: Outcome[] = []
  for (const layout of all) {
    actual.push(await outcome(layout))
    expected.push({
      layout: describe(layout),
      unsigned: 401,
      forged: 401,
      afterRefusals: { handled: 0, dispatched: 0 },
      signed: 200,
      afterSigned: { handled: layout.route === undefined ? 0 : 1, dispatched: 1 }
    })
  }
  t.ok(actual.length > 0)
  t.same(actual, expected, `${actual.length} layouts: unsigned and forged deliveries 401 with no handler run; a signed one 200, handled and verified once`)
}

t.test('one plugin, one per-route route: every pair of positions', async t => {
  await assertVerified(t, layouts(POSITIONS.map((position) => [position]), [...POSITIONS]))
})

t.test('the shorthand `path` route, wherever the plugin is registered', async t => {
  await assertVerified(t, layouts(POSITIONS.map((position) => [position]), [undefined]))
})

t.test('the plugin registered twice (same scope, or two scopes): each delivery is verified and dispatched once', async t => {
  const pairs: Position[][] = [['root', 'root'], ['root', 'a/child'], ['a', 'b'], ['a/child/grandchild', 'b'], ['b', 'root']]
  await assertVerified(t, layouts(pairs, ['root', 'a/child/grandchild', 'b']))
})

t.test('a route with config.magnetis in an app that never registered the plugin: ready() rejects and says how to register it', async t => {
  for (const layout of layouts([[]], [...POSITIONS])) {
    const { app, counts } = await build(layout)
    const error = await app.ready().then(() => undefined, (error: unknown) => error)
    t.type(error, ConfigurationError, `${describe(layout)}: a ConfigurationError`)
    t.match((error as Error).message,
      new RegExp(`route POST ${PATHS[layout.route as Position]} carries config\\.magnetis, but the plugin is not registered in this app.*await app\\.register\\(magnetisWebhooks\\)`),
      `${describe(layout)}: names the route and the fix`)
    t.equal(counts.handled, 0)
    await app.close()
  }
})

t.test('a misconfigured route is reported by ready(), wherever it sits relative to the plugin', async t => {
  for (const route of POSITIONS) {
    for (const plugin of POSITIONS) {
      for (const order of ['plugin first', 'route first']) {
        const app = Fastify()
        const declare = (scope: FastifyInstance): void => {
          scope.post('/hook', { config: { magnetis: { url: URL, key: '' } } }, async () => 'never')
        }
        const layout = { plugins: [plugin], route, awaited: false, ownFirst: order === 'plugin first', pluginFirst: order === 'plugin first' }
        await fillWith(app, TREE, layout, declare)
        await t.rejects(async () => { await app.ready() }, { code: 'FST_MAGNETIS_CONFIGURATION', message: /route POST \S*\/hook: "key" is missing or empty/ }, `plugin at ${plugin}, route at ${route}, ${order}`)
        await app.close()
      }
    }
  }
})

/** Like fill, with a route of the caller's. */
async function fillWith (scope: FastifyInstance, node: Node, layout: Layout, declare: (scope: FastifyInstance) => void): Promise<void> {
  const own = (): void => {
    const items = [() => { if (layout.plugins.includes(node.name as Position)) scope.register(magnetisWebhooks) }, () => { if (layout.route === node.name) declare(scope) }]
    if (!layout.pluginFirst) items.reverse()
    for (const item of items) item()
  }
  if (layout.ownFirst) own()
  for (const child of node.children) scope.register(async (inner) => fillWith(inner, child, layout, declare), { prefix: child.prefix })
  if (!layout.ownFirst) own()
}

t.test('plain routes beside the webhook routes are untouched wherever the plugin sits: their body is parsed, magnetisEvent is null', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.register(async (scope) => {
    scope.post('/plain', async (request) => ({ body: request.body, magnetisEvent: request.magnetisEvent }))
  })
  app.register(async (scope) => { await scope.register(magnetisWebhooks) })
  app.post('/root-plain', async (request) => ({ body: request.body, magnetisEvent: request.magnetisEvent }))
  for (const path of ['/plain', '/root-plain']) {
    const answer = await app.inject({ method: 'POST', url: path, payload: { a: 1 } })
    t.equal(answer.statusCode, 200, path)
    t.same(answer.json(), { body: { a: 1 }, magnetisEvent: null }, `${path}: parsed by Fastify, no signature asked`)
  }
})
