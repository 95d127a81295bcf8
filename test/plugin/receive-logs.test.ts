// What the verifying preHandler (lib/receive.ts) logs about a signed event:
// a debug line naming the event and resource once it is dispatched, and a
// warning naming the event and its schema errors when it fails its schema.
// Operators search for these lines; the logging matrix (test/hostile/
// logging.test.ts) checks that no secret or phone number is in them.
import t, { type Test } from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import { KEY, URL, captureLogs, deliver, envelope, injectPost } from '../helpers/plugin-harness.js'

async function appWithLogs (t: Test) {
  const logs = captureLogs()
  const app = Fastify({ logger: { level: 'debug', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onCallCompleted: () => {}, onError: () => {} })
  return { app, logs }
}

t.test('a dispatched event: one debug line with its name and resource', async t => {
  const { app, logs } = await appWithLogs(t)
  t.equal((await injectPost(app, '/hook', deliver(envelope('call:completed')))).status, 200)
  const lines = logs.lines().filter((line) => /webhook verified and dispatched/.test(line.msg))
  t.equal(lines.length, 1)
  t.match(lines[0], { level: 20, event: 'call:completed', resource: 'call', msg: 'fastify-magnetis-webhooks: webhook verified and dispatched' })
})

t.test('a signed event that fails its schema: one warning with its name and the schema errors', async t => {
  const { app, logs } = await appWithLogs(t)
  const payload = envelope('call:completed')
  ;(payload.data as Record<string, unknown>).duration = 'forty-three'
  t.equal((await injectPost(app, '/hook', deliver(payload))).status, 422)
  const lines = logs.lines().filter((line) => /failed its schema/.test(line.msg))
  t.equal(lines.length, 1)
  t.match(lines[0], { level: 40, event: 'call:completed', msg: 'fastify-magnetis-webhooks: a signed event failed its schema' })
  t.ok(Array.isArray(lines[0]?.errors) && lines[0].errors.length > 0, 'with the schema errors')
  t.match(JSON.stringify(lines[0]?.errors), /duration/, 'naming the field')
  t.equal(logs.lines().filter((line) => /webhook verified and dispatched/.test(line.msg)).length, 0, 'and no dispatch line')
})
