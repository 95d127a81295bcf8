// The main job: a real Fastify app with the plugin on a free loopback port,
// receiving signed sample events over HTTP, as the vendor would send them.
// Prints one row per request and exits 1 if any row is not as expected.
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { buildApp } from './app.mjs'
import { EVENT_NAMES, samplePayload, signedRequest } from '../dist/esm/index.js'

const key = randomBytes(24).toString('base64')
const calls = []

// The endpoint URL is signed as typed, so it must be known before the app
// starts: ask the OS for a free loopback port first.
const port = await new Promise((resolve, reject) => {
  const finder = createServer().listen(0, '127.0.0.1', () => {
    const { port } = finder.address()
    finder.close(() => resolve(port))
  }).on('error', reject)
})

const url = `http://127.0.0.1:${port}/webhooks/magnetis`
const server = await buildApp({ key, url, logger: false, onEvent: (event) => calls.push(event) })
await server.listen({ port, host: '127.0.0.1' })

const cases = []
const resourceOf = { 'call:completed': 'call', 'call:missed': 'call', 'call:ringing': 'call', 'email:received': 'email', 'lead:created': 'lead' }
for (const event of EVENT_NAMES) {
  const resources = event === 'test' ? ['call', 'email', 'lead'] : [resourceOf[event]]
  for (const resource of resources) {
    for (const as of ['json', 'form']) {
      const request = signedRequest(key, url, samplePayload(event, resource), as)
      cases.push({ label: event === 'test' ? `test (${resource})` : event, as, request, status: 200, handled: true })
    }
  }
}
const tampered = signedRequest(key, url, samplePayload('call:completed', 'call'), 'json')
tampered.body = tampered.body.replace('"duration":43', '"duration":4300')
cases.push({ label: 'call:completed, tampered', as: 'json', request: tampered, status: 401, handled: false })
const unsigned = signedRequest(key, url, samplePayload('call:completed', 'call'), 'form')
delete unsigned.headers['x-calltracking-signature']
cases.push({ label: 'call:completed, unsigned', as: 'form', request: unsigned, status: 401, handled: false })

const rows = []
let failures = 0
for (const testCase of cases) {
  const before = calls.length
  const response = await fetch(url, { method: 'POST', headers: testCase.request.headers, body: testCase.request.body })
  const reply = await response.json()
  const handled = calls.length > before
  const ok = response.status === testCase.status && handled === testCase.handled
  if (!ok) failures++
  rows.push({
    event: testCase.label,
    encoding: testCase.as,
    status: response.status,
    'handler called': handled ? 'yes' : 'no',
    reply: reply.code ?? `${reply.event} ${reply.id}`,
    result: ok ? 'as expected' : `EXPECTED ${testCase.status}/${testCase.handled ? 'called' : 'not called'}`
  })
}
await server.close()

console.log(`Magnétis webhooks demo: ${cases.length} requests to ${url} over HTTP\n`)
console.table(rows)
console.log(failures === 0 ? '\nEvery request was answered as expected.' : `\n${failures} request(s) were not answered as expected.`)
process.exitCode = failures === 0 ? 0 : 1
