// An upload cut short over real HTTP (half a body, then the client closes): the plugin logs it as the request's
// fault (a 400 at info level, as Fastify logs its own aborted bodies), not as a server error, and keeps serving.
import { once } from 'node:events'
import net from 'node:net'
import t from 'tap'
import { KEY, PATH, URL_AS_TYPED, buildMatrixApp, callSample, lineCollector, rawHead, signedJsonHeaders, type Recorder } from '../helpers/hostile-harness.js'

t.test('half a signed body, then the client closes: a 400 logged at info, no error line, the next delivery is served', async t => {
  const { stream, lines } = lineCollector()
  const recorder: Recorder = { events: [], routeHandlerCalls: 0, routePreHandlerCalls: 0, errors: [] }
  const app = await buildMatrixApp({ key: KEY, url: URL_AS_TYPED }, recorder, { level: 'info', stream })
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as net.AddressInfo).port

  const body = JSON.stringify(callSample())
  const headers = signedJsonHeaders(body)
  const socket = net.connect(port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(rawHead([...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), `content-length: ${Buffer.byteLength(body)}`]))
  socket.write(body.slice(0, 100))
  // The server has read part of the body once the bytes are in; then the client goes away.
  await new Promise((resolve) => setTimeout(resolve, 50))
  socket.destroy()

  const logged = (): Array<Record<string, any>> => lines.map((line) => JSON.parse(line) as Record<string, any>)
  for (let waited = 0; !logged().some((line) => line.err !== undefined) && waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const failure = logged().find((line) => line.err !== undefined)
  t.match(failure, { level: 30, err: { statusCode: 400, code: 'FST_MAGNETIS_MALFORMED_BODY' } }, 'the cut-short body is logged as the request\'s fault')
  t.same(logged().filter((line) => line.level >= 50), [], 'no line at error level')
  t.equal(recorder.events.length, 0, 'no handler ran')

  const response = await fetch(`http://127.0.0.1:${port}${PATH}`, { method: 'POST', headers, body })
  t.equal(response.status, 200, 'the next delivery is served')
  t.equal(recorder.events.length, 1)
})
