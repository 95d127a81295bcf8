// Deliveries of the independent PHP sender (/work/shared/tools/php-sender.php),
// captured by `node scripts/php-e2e.mjs --capture`: a payload with floats,
// -0.0, whole floats of 1e14 or more, integers past 2^53 and 2^63, signed
// over http_build_query's pairs and sent as JSON (json_encode's text, where
// -0.0 becomes -0 and 123456789012345.0 becomes 123456789012345) and as a
// form. Replayed over real loopback HTTP, so CI needs no PHP.
import t from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import { capturedRequests, replayCaptured } from '../helpers/plugin-harness.js'

const requests = capturedRequests('php-sender-requests.json')

t.test('every PHP delivery as signed verifies, as JSON and as a form; a tampered one gets 401', async t => {
  const { url, key } = requests[0]!
  const app = Fastify()
  await app.register(magnetisWebhooks, { path: '/webhooks/magnetis', url, key })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  t.equal(requests.length, 4)
  for (const request of requests) {
    const { status, reply } = await replayCaptured(address, request)
    t.equal(status, request.tamper ? 401 : 200, `${request.as}${request.tamper ? ', tampered' : ''}: ${JSON.stringify(reply)}`)
    if (!request.tamper) t.same(reply, { ok: true, event: 'test', id: 'call-5f1d2c3b-numbers' })
  }
})

t.test('the JSON delivery holds the literals that need PHP\'s rule', async t => {
  const json = requests.find((request) => request.as === 'json' && !request.tamper)!.body
  for (const literal of ['1764412345.123456', '9007199254740993', '9223372036854775807', '9.223372036854776e+18', '1.0e+20', '-0', '123456789012345']) {
    t.ok(json.includes(`:${literal},`) || json.includes(`:${literal}}`), literal)
  }
})
