// The main job: a real Fastify app with the plugin on a free loopback port,
// receiving signed sample events over HTTP, as the vendor would send them.
// Prints one row per request and exits 1 if any row is not as expected.
// As with `npm start`, the app keeps every verified delivery in a SQLite
// inbox (a temporary file here) and handles it from there; the last rows
// show a duplicate acknowledged but not handled twice. MAGNETIS_INBOX=off
// runs the demo without the inbox (handlers inside the request).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from './app.mjs'
import { EVENT_NAMES, samplePayload, signedRequest } from '../dist/esm/index.js'
import { sqliteInbox } from '../dist/esm/inbox/index.js'

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
const inboxDir = process.env.MAGNETIS_INBOX === 'off' ? undefined : mkdtempSync(join(tmpdir(), 'magnetis-demo-'))
const inbox = inboxDir === undefined ? undefined : sqliteInbox({ file: join(inboxDir, 'inbox.db') })
const server = await buildApp({ key, url, logger: false, inbox, onEvent: (event) => calls.push(event) })
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
if (inbox !== undefined) {
  // The same signed delivery twice (a sender's retry, or a replayed capture): stored and handled once.
  const payload = samplePayload('call:missed', 'call')
  payload.data.id = 'call-sent-twice'
  const missed = signedRequest(key, url, payload, 'json')
  cases.push({ label: 'call:missed (call-sent-twice)', as: 'json', request: missed, status: 200, handled: true })
  cases.push({ label: 'the same, sent again', as: 'json', request: missed, status: 200, handled: false })
  // Test events from the vendor's panel are never deduplicated: each press of "test" runs the handler.
  const test = signedRequest(key, url, samplePayload('test', 'call'), 'json')
  cases.push({ label: 'test (call), sent again', as: 'json', request: test, status: 200, handled: true })
}

/** With the inbox, handlers run after the 200: waits (bounded) until no stored delivery is waiting or running. */
async function settled () {
  for (let waited = 0; inbox !== undefined && waited < 10_000; waited += 5) {
    if ((await inbox.list({ status: ['pending', 'processing'], limit: 1 })).length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

const rows = []
let failures = 0
for (const testCase of cases) {
  const before = calls.length
  const response = await fetch(url, { method: 'POST', headers: testCase.request.headers, body: testCase.request.body })
  const reply = await response.json()
  await settled()
  const handled = calls.length > before
  const ok = response.status === testCase.status && handled === testCase.handled
  if (!ok) failures++
  rows.push({
    event: testCase.label,
    encoding: testCase.as,
    status: response.status,
    'handler called': handled ? 'yes' : 'no',
    reply: reply.code ?? (reply.delivery === undefined ? `${reply.event} ${reply.id}` : `${reply.duplicate ? 'duplicate of' : 'stored as'} row ${reply.delivery}`),
    result: ok ? 'as expected' : `EXPECTED ${testCase.status}/${testCase.handled ? 'called' : 'not called'}`
  })
}
await server.close()
if (inboxDir !== undefined) rmSync(inboxDir, { recursive: true, force: true })

console.log(`Magnétis webhooks demo: ${cases.length} requests to ${url} over HTTP`)
console.log(inbox === undefined
  ? 'Inbox off: handlers run inside each request.\n'
  : 'Inbox on (SQLite): each verified delivery is stored before the 200, then handled from the inbox.\n')
console.table(rows)
console.log(failures === 0 ? '\nEvery request was answered as expected.' : `\n${failures} request(s) were not answered as expected.`)
process.exitCode = failures === 0 ? 0 : 1
