// The reply table again, over a real socket: app.listen on a free loopback
// port and fetch, as the vendor's servers would reach the endpoint. The
// signed URL is the one typed in the vendor's interface (https, a public
// host), not the address the app listens on: nothing is rebuilt from the
// request.
import t from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import { deliver, envelope, fetchPost, KEY, listen, seedSample, URL } from '../helpers/plugin-harness.js'
import { buildReplyApp, OPTION_LIMIT, REPLY_ROWS, SHORTHAND } from '../helpers/plugin-reply-table.js'

t.test('the reply table over HTTP', async t => {
  const { app, seen } = await buildReplyApp()
  t.teardown(() => app.close())
  const origin = await listen(app)
  for (const row of REPLY_ROWS) {
    seen.handled.length = 0
    seen.errors.length = 0
    const answer = await fetchPost(origin, row.path, row.delivery())
    t.equal(answer.status, row.status, `${row.name}: status`)
    if (row.code !== undefined) t.equal(answer.body.code, row.code, `${row.name}: code`)
    for (const [actual, expected, what] of row.check?.(answer, seen) ?? []) t.same(actual, expected, `${row.name}: ${what}`)
  }
})

t.test('over HTTP, a chunked body with no Content-Length is cut at the limit (413) and the server still answers', async t => {
  const { app } = await buildReplyApp()
  t.teardown(() => app.close())
  const origin = await listen(app)
  const delivery = deliver({ ...envelope('call:completed'), padding: 'x'.repeat(OPTION_LIMIT * 4) })
  const bytes = Buffer.from(delivery.body)
  let sent = 0
  const body = new ReadableStream<Uint8Array>({
    pull (controller) {
      if (sent >= bytes.length) {
        controller.close()
        return
      }
      controller.enqueue(bytes.subarray(sent, sent + 1024))
      sent += 1024
    }
  })
  const response = await fetch(origin + SHORTHAND, { method: 'POST', headers: delivery.headers, body, duplex: 'half' } as RequestInit)
  t.equal(response.status, 413)
  t.equal(((await response.json()) as { code: string }).code, 'FST_MAGNETIS_BODY_TOO_LARGE')

  // The server is still fine: the next, normal delivery is accepted.
  const next = await fetchPost(origin, SHORTHAND, deliver(envelope('call:completed')))
  t.equal(next.status, 200)
})

t.test('over HTTP, the seed sample reaches the handler deep-equal as JSON and as a form', async t => {
  const received: unknown[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onTest: (event) => { received.push(event.data) } })
  const origin = await listen(app)
  for (const as of ['json', 'form'] as const) {
    const answer = await fetchPost(origin, '/hook', deliver(seedSample(), as))
    t.equal(answer.status, 200, `${as}: 200`)
  }
  t.equal(received.length, 2)
  t.same(received[0], seedSample().data, 'JSON: the seed sample\'s data')
  t.same(received[1], received[0], 'form: deep-equal to JSON')
})

t.test('over HTTP, a refusal before the body is read closes the connection; an accepted delivery keeps it', async t => {
  const { app } = await buildReplyApp()
  t.teardown(() => app.close())
  const origin = await listen(app)
  const unsigned = deliver(envelope('call:completed'))
  delete (unsigned.headers as Record<string, string | undefined>)['x-calltracking-signature']
  for (const [what, delivery] of [['401 unsigned', unsigned], ['415 text/plain', { ...unsigned, headers: { 'content-type': 'text/plain' } }]] as const) {
    const response = await fetch(origin + SHORTHAND, { method: 'POST', headers: delivery.headers, body: delivery.body })
    await response.arrayBuffer()
    t.equal(response.headers.get('connection'), 'close', `${what}: Connection: close`)
  }
  const accepted = await fetch(origin + SHORTHAND, { method: 'POST', ...deliver(envelope('call:completed')) })
  await accepted.arrayBuffer()
  t.equal(accepted.status, 200)
  t.equal(accepted.headers.get('connection'), 'keep-alive')
  // A refusal after the body was read whole (a wrong signature) has no reason to close it.
  const forged = await fetch(origin + SHORTHAND, { method: 'POST', ...deliver(envelope('call:completed'), 'json', { key: 'guess' }) })
  await forged.arrayBuffer()
  t.equal(forged.status, 401)
  t.equal(forged.headers.get('connection'), 'keep-alive')
})
