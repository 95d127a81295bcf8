// The warning for an event that no handler takes (lib/receive.ts): once per
// event name, and for at most 1,000 names, so that a sender inventing a new
// name with every delivery cannot grow the set of warned names without bound.
// Future event names pass unvalidated, so each delivery below is a new name.
import t from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import { KEY, URL, captureLogs, deliver, injectPost } from '../helpers/plugin-harness.js'

const REMEMBERED = 1000

t.test('an unhandled event is warned once per name, for the first 1,000 names only; every one is still acknowledged', async t => {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY })

  const names = Array.from({ length: REMEMBERED + 5 }, (_, index) => `future:event-${index}`)
  const statuses = new Set<number>()
  for (const name of [...names, names[0] as string, names[REMEMBERED + 1] as string]) {
    statuses.add((await injectPost(app, '/hook', deliver({ event: name, data: { id: name } }))).status)
  }
  t.same([...statuses], [200], 'every delivery is acknowledged')

  const warned = logs.lines().filter((line) => /no handler for this event/.test(line.msg)).map((line) => line.event as string)
  t.equal(warned.length, REMEMBERED, `${REMEMBERED} warnings`)
  t.same(warned, names.slice(0, REMEMBERED), 'one for each of the first 1,000 names, in order; none for a repeat or past the bound')
})
