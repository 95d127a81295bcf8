// One listening server per process, started by run.mjs with an IPC channel:
//   node --expose-gc server.mjs '{"kind":"bare","size":0}'
// kinds: bare (JSON, the ceiling), bare-form (@fastify/formbody, no check),
// plugin (this package's shorthand route), inbox (the same route with a
// SQLite inbox in bench/var/, its durable setting: WAL, synchronous=FULL),
// peer (@fastify/formbody + Twilio's validateRequest in a preHandler), minimal
// (the cheapest correct receiver: a parseAs 'buffer' parser in a scope of its
// own, then pairsFromBody + verifySignature, and JSON.parse for JSON, in the
// handler); with "encoding": "form", plugin and minimal warm up with the form
// body. It warms itself up with inject() (and checks the reply is 200) before
// it says it is ready, answers {type: 'memory', gc} messages with
// process.memoryUsage(), {type: 'cpu'} with process.cpuUsage() (µs) and
// (inbox) {type: 'inbox'} with the rows by status, and exits when the
// orchestrator goes away.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import formbody from '@fastify/formbody'
import {
  BENCH_DIR, BODY_LIMIT, ENDPOINT_URL, PATH, SIGNATURE_HEADER, SIGNATURE_KEY, bodiesOf, loadLibrary
} from './fixtures.mjs'

const { kind, size = 0, encoding = 'json', warmup = 300, warmupMs = 1000 } = JSON.parse(process.argv[2] ?? '{}')
const lib = await loadLibrary()
const bodies = bodiesOf(lib, size)

/** The inject() options of the signed seed body as JSON or as a form. */
function signedRequest (as) {
  return as === 'form'
    ? { payload: bodies.form, headers: { 'content-type': 'application/x-www-form-urlencoded', [SIGNATURE_HEADER]: bodies.formSignature } }
    : { payload: bodies.json, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: bodies.jsonSignature } }
}

// The same reply for every kind, so only the work before it differs.
const reply = (event, id) => ({ ok: true, event, id })

const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT })
let warmupRequest
let inboxDir

switch (kind) {
  case 'bare':
    app.post(PATH, async (request) => reply(request.body.event, request.body.data.id))
    warmupRequest = { payload: bodies.json, headers: { 'content-type': 'application/json' } }
    break
  case 'bare-form':
    await app.register(formbody)
    app.post(PATH, async (request) => reply(request.body.event, request.body['data[id]']))
    warmupRequest = { payload: bodies.form, headers: { 'content-type': 'application/x-www-form-urlencoded' } }
    break
  case 'plugin': {
    if (typeof lib.default !== 'function') throw new Error('bench: dist/esm/index.js has no default export (the plugin) yet')
    await app.register(lib.default, {
      path: PATH,
      url: ENDPOINT_URL,
      key: SIGNATURE_KEY,
      bodyLimit: BODY_LIMIT,
      // The seed sample's event is "test"; a handler that does nothing
      // measures the plugin, not the application.
      onTest: async () => {}
    })
    warmupRequest = signedRequest(encoding)
    break
  }
  case 'minimal': {
    // What a user who knows the rule writes by hand with the library's two
    // exports: the raw bytes, the check, then the event. Nothing else.
    await app.register(async function minimalReceiver (scope) {
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer' }, (request, body, done) => done(null, body))
      scope.post(PATH, async (request, response) => {
        const contentType = request.headers['content-type']
        const pairs = lib.pairsFromBody(request.body, contentType)
        if (!lib.verifySignature({ key: SIGNATURE_KEY, url: ENDPOINT_URL, payload: pairs, signature: request.headers[SIGNATURE_HEADER] })) {
          return response.code(401).send({ ok: false })
        }
        if (contentType === 'application/json') {
          const body = JSON.parse(request.body.toString('utf8'))
          return reply(body.event, body.data.id)
        }
        const fields = new Map(pairs)
        return reply(fields.get('event'), fields.get('data[id]'))
      })
    })
    warmupRequest = signedRequest(encoding)
    break
  }
  case 'inbox': {
    if (typeof lib.sqliteInbox !== 'function') throw new Error('bench: dist/esm/index.js has no sqliteInbox yet')
    // On the project's disk, not /tmp (which may be a RAM disk, where an fsync costs nothing).
    mkdirSync(join(BENCH_DIR, 'var'), { recursive: true })
    inboxDir = mkdtempSync(join(BENCH_DIR, 'var', 'inbox-'))
    await app.register(lib.default, {
      path: PATH,
      url: ENDPOINT_URL,
      key: SIGNATURE_KEY,
      bodyLimit: BODY_LIMIT,
      // The default settings: each 200 waits for its row's commit and fsync (shared by the requests of one event-loop turn).
      inbox: lib.sqliteInbox({ file: join(inboxDir, 'inbox.db') }),
      // "test" events are never deduplicated: every request of the run is a new row.
      onTest: async () => {}
    })
    warmupRequest = { payload: bodies.json, headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: bodies.jsonSignature } }
    break
  }
  case 'peer': {
    const { default: twilio } = await import('twilio')
    await app.register(formbody)
    app.post(PATH, {
      preHandler (request, response, done) {
        // What an integrator would write with Twilio's helper: the URL as
        // configured, the header, the parsed form parameters.
        if (twilio.validateRequest(SIGNATURE_KEY, request.headers[SIGNATURE_HEADER], ENDPOINT_URL, request.body)) {
          done()
        } else {
          response.code(401).send({ ok: false })
        }
      }
    }, async (request) => reply(request.body.event, request.body['data[id]']))
    const signature = twilio.getExpectedTwilioSignature(SIGNATURE_KEY, ENDPOINT_URL, bodies.params)
    warmupRequest = { payload: bodies.form, headers: { 'content-type': 'application/x-www-form-urlencoded', [SIGNATURE_HEADER]: signature } }
    break
  }
  default:
    throw new Error(`bench: unknown server kind ${JSON.stringify(kind)}`)
}

await app.ready()

// JIT warm-up without the network, `warmup` requests or `warmupMs`, whichever
// ends first (large bodies are slow); a wrong signature or route fails here,
// loudly, rather than as a fast stream of 401s in the results.
const warmupEnd = Date.now() + warmupMs
for (let index = 0; index < warmup && (index < 5 || Date.now() < warmupEnd); index++) {
  const response = await app.inject({ method: 'POST', url: PATH, ...warmupRequest })
  if (response.statusCode !== 200) {
    throw new Error(`bench: ${kind} server answered ${response.statusCode} to its warm-up: ${response.body.slice(0, 300)}`)
  }
}

await app.listen({ host: '127.0.0.1', port: 0 })

process.on('message', async (message) => {
  if (message?.type === 'cpu') {
    process.send({ type: 'cpu', ...process.cpuUsage() })
    return
  }
  if (message?.type === 'inbox') {
    // Counted with a connection of its own: the store has no count, and listing every row would cost more than the run.
    const { default: Database } = await import('libsql')
    const db = new Database(join(inboxDir, 'inbox.db'))
    const rows = db.prepare('SELECT status, count(*) AS count FROM magnetis_inbox GROUP BY status').all([])
    db.close()
    process.send({ type: 'inbox', ...Object.fromEntries(rows.map((row) => [row.status, Number(row.count)])) })
    return
  }
  if (message?.type !== 'memory') return
  if (message.gc) {
    // Twice: the first pass may only promote what the second frees.
    global.gc()
    global.gc()
  }
  process.send({ type: 'memory', ...process.memoryUsage(), maxRSS: process.resourceUsage().maxRSS * 1024 })
})
process.on('disconnect', () => {
  app.close().finally(() => {
    if (inboxDir !== undefined) rmSync(inboxDir, { recursive: true, force: true })
    process.exit(0)
  })
})
process.send({ type: 'ready', port: app.server.address().port })
