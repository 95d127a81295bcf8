// A large delivery of the independent PHP sender (/work/shared/tools/php-sender.php), captured by
// `node scripts/php-e2e.mjs --capture`: 24 KiB of JSON whose 130 list items hold keys that sort apart only near
// their ends (`a`, `a0`, `a_b`, `10`, `1`, `é`, …). As JSON it is long enough for the plugin to join its pairs in key
// order instead of sorting them (docs/design.md, "Key order"); PHP signed it by sorting. Replayed without PHP.
import t from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import { KEY_ORDER_MIN_LENGTH, readBody } from '../../lib/body/read.js'
import { verifyRawBody } from '../../lib/body/verify.js'
import { capturedRequests, replayCaptured } from '../helpers/plugin-harness.js'

const requests = capturedRequests('php-sender-large-requests.json')

t.test('PHP\'s signature of a large JSON body verifies from pairs joined in key order', async t => {
  const json = requests.find((request) => request.as === 'json' && !request.tamper)!
  t.ok(json.body.length > KEY_ORDER_MIN_LENGTH, 'long enough for the key-order path')
  const body = readBody(json.body, json.contentType, 32, true)
  t.ok(body.joinedPairs !== undefined && body.joinedPairs.length > 1, 'read in key order, in more than one piece')
  t.equal(verifyRawBody({ key: json.key, url: json.url, rawBody: json.body, contentType: json.contentType, signature: json.signature }), true)
  t.equal(verifyRawBody({ key: json.key, url: `${json.url}/`, rawBody: json.body, contentType: json.contentType, signature: json.signature }), false, 'another URL')
})

t.test('every large PHP delivery as signed gets 200 over HTTP, as JSON and as a form; a tampered one 401', async t => {
  const { url, key } = requests[0]!
  const app = Fastify({ bodyLimit: 1 << 20 })
  const ids: string[] = []
  await app.register(magnetisWebhooks, { path: '/webhooks/magnetis', url, key, onCallCompleted: async (event) => { ids.push(event.data.id) } })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  t.equal(requests.length, 4)
  for (const request of requests) {
    const { status } = await replayCaptured(address, request)
    t.equal(status, request.tamper ? 401 : 200, `${request.as}${request.tamper ? ', tampered' : ''}`)
  }
  t.strictSame(ids, ['call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5', 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5'], 'the handler ran for each untampered delivery')
})
