// Load, concurrency and faults against a real listening server on loopback
// (issue 4). Thousands of validly signed events, mixed with invalid ones,
// over tens of keep-alive connections: every valid event is dispatched
// exactly once (counted by id), no invalid one is dispatched, every request
// is answered. A handler that is slow, and one that rejects, hold up nobody
// else; the failing request answers 500 and reaches onError with its event.
//
// Bounded by counts, not by the clock: 2,000 valid + 500 invalid requests by
// default (LOAD_VALID and LOAD_INVALID change them) over at most 20
// connections. Each request must be answered before its own timeout
// (REQUEST_TIMEOUT_MS: 30 s, where the slowest answer took under 1 s with the
// machine loaded ten times over its two cores); the throughput and latency
// are printed as a comment, never asserted.
import { gzipSync } from 'node:zlib'
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import t from 'tap'
import Fastify from 'fastify'
import magnetisWebhooks, { HandlerError, samplePayload } from '../../lib/index.js'
import type { AnyWebhookEvent, UnvalidatedEvent } from '../../lib/events/types.js'
import { FOREIGN_KEY, FORM, JSON_TYPE, KEY, PATH, URL_AS_TYPED } from '../helpers/hostile-harness.js'
import { httpBuildQuery, referenceSign } from '../helpers/reference-signer.js'

const VALID = Number(process.env.LOAD_VALID) || 2000
const INVALID = Number(process.env.LOAD_INVALID) || 500
const CONNECTIONS = 20
const REQUEST_TIMEOUT_MS = 30_000
const SLOW_MS = 200

// --- the server -------------------------------------------------------------

const dispatchedById = new Map<string, number>()
const errors: Array<{ error: Error, event: UnvalidatedEvent | AnyWebhookEvent }> = []
let releaseSlow: () => void = () => {}
const slowGate = new Promise<void>((resolve) => { releaseSlow = resolve })
let slowStarted: () => void = () => {}
const slowRunning = new Promise<void>((resolve) => { slowStarted = resolve })

const app = Fastify({ logger: false })
await app.register(magnetisWebhooks, {
  path: PATH,
  url: URL_AS_TYPED,
  key: KEY,
  onAny: async (event) => {
    const id = String((event.data as { id?: unknown }).id)
    dispatchedById.set(id, (dispatchedById.get(id) ?? 0) + 1)
    if (id.startsWith('slow-')) {
      // Slow in time, and held until the test has seen the others served.
      slowStarted()
      await Promise.all([new Promise((resolve) => setTimeout(resolve, SLOW_MS)), slowGate])
    }
    if (id.startsWith('fail-')) throw new Error('the CRM is down')
  },
  onError: (error, event) => { errors.push({ error, event }) }
})
await app.listen({ port: 0, host: '127.0.0.1' })
const { port } = app.server.address() as AddressInfo
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS })
t.teardown(async () => {
  agent.destroy()
  await app.close()
})

// --- the client -------------------------------------------------------------

interface Delivery {
  id: string
  headers: Record<string, string>
  body: string | Buffer
  /** the status it must get */
  status: number
  /** what it is, for the report */
  kind: string
}

interface Answer { status: number, body: string, ms: number, socket: Socket }

// Connections opened in all, and the most open at once (a refusal may close its connection, as Fastify does for body errors).
const sockets = new Set<Socket>()
const open = new Set<Socket>()
let mostOpen = 0

/** POSTs one delivery over the keep-alive agent. */
function send (delivery: Delivery): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const request = http.request({
      host: '127.0.0.1', port, method: 'POST', path: PATH, agent,
      headers: { ...delivery.headers, 'content-length': String(Buffer.byteLength(delivery.body)) }
    }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({
        status: response.statusCode ?? 0,
        body: Buffer.concat(chunks).toString('utf8'),
        ms: performance.now() - started,
        socket: request.socket as Socket
      }))
      response.on('error', reject)
    })
    request.on('socket', (socket: Socket) => {
      if (sockets.has(socket)) return
      sockets.add(socket)
      open.add(socket)
      mostOpen = Math.max(mostOpen, open.size)
      socket.once('close', () => open.delete(socket))
    })
    request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)))
    request.on('error', reject)
    request.end(delivery.body)
  })
}

/** Sends every delivery, at most `concurrency` at a time; an answer or an error for each, in order. */
async function sendAll (deliveries: Delivery[], concurrency: number): Promise<Array<Answer | Error>> {
  const answers: Array<Answer | Error> = new Array(deliveries.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (let index = next++; index < deliveries.length; index = next++) {
      try {
        answers[index] = await send(deliveries[index] as Delivery)
      } catch (error) {
        answers[index] = error as Error
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return answers
}

// --- the deliveries -----------------------------------------------------------

const EVENTS = [
  ['call:completed', 'call', 'call'], ['call:missed', 'call', 'call'], ['call:ringing', 'call', 'call'],
  ['email:received', 'email', 'eml'], ['lead:created', 'lead', 'lead'], ['test', 'call', 'call'], ['test', 'lead', 'lead']
] as const

/** A validly signed delivery of a sample payload with a unique id, as JSON or as a form; signed by the reference signer. */
function valid (index: number, prefix = ''): Delivery {
  const [event, resource, idPrefix] = EVENTS[index % EVENTS.length] as typeof EVENTS[number]
  const id = `${prefix}${idPrefix}-load-${index}`
  const payload = samplePayload(event, resource) as { event: string, data: { id: string } }
  payload.data.id = id
  const asForm = index % 2 === 1
  return {
    id,
    headers: { 'content-type': asForm ? FORM : JSON_TYPE, 'x-calltracking-signature': referenceSign(KEY, URL_AS_TYPED, payload) },
    body: asForm ? httpBuildQuery(payload) : JSON.stringify(payload),
    status: 200,
    kind: 'valid'
  }
}

/** An invalid delivery: one of the ways a request fails verification, each with its exact status. */
function invalid (index: number): Delivery {
  const id = `call-bad-load-${index}`
  const payload = samplePayload('call:completed', 'call') as { event: string, data: { id: string, duration: number } }
  payload.data.id = id
  const body = JSON.stringify(payload)
  const signature = referenceSign(KEY, URL_AS_TYPED, payload)
  switch (index % 6) {
    case 0: return { id, headers: { 'content-type': JSON_TYPE, 'x-calltracking-signature': referenceSign(FOREIGN_KEY, URL_AS_TYPED, payload) }, body, status: 401, kind: 'foreign key' }
    case 1: return { id, headers: { 'content-type': JSON_TYPE, 'x-calltracking-signature': signature }, body: body.replace('"duration":43', '"duration":4300'), status: 401, kind: 'tampered' }
    case 2: return { id, headers: { 'content-type': JSON_TYPE }, body, status: 401, kind: 'unsigned' }
    case 3: return { id, headers: { 'content-type': JSON_TYPE, 'x-calltracking-signature': referenceSign(KEY, 'http://127.0.0.1' + PATH, payload) }, body, status: 401, kind: 'other URL' }
    case 4: return { id, headers: { 'content-type': 'text/plain', 'x-calltracking-signature': signature }, body, status: 415, kind: 'text/plain' }
    default: return { id, headers: { 'content-type': JSON_TYPE, 'content-encoding': 'gzip', 'x-calltracking-signature': signature }, body: gzipSync(body), status: 415, kind: 'gzip' }
  }
}

/** A fixed shuffle (a linear congruential generator), so that valid and invalid requests interleave the same way every run. */
function shuffled<T> (items: T[]): T[] {
  const result = [...items]
  let state = 20240601
  for (let index = result.length - 1; index > 0; index--) {
    state = (state * 1103515245 + 12345) % 2147483648
    const other = state % (index + 1)
    ;[result[index], result[other]] = [result[other] as T, result[index] as T]
  }
  return result
}

// --- the tests ----------------------------------------------------------------

t.test(`${VALID} valid and ${INVALID} invalid deliveries over ${CONNECTIONS} connections`, async t => {
  const validOnes = Array.from({ length: VALID }, (_, index) => valid(index))
  const invalidOnes = Array.from({ length: INVALID }, (_, index) => invalid(index))
  const deliveries = shuffled([...validOnes, ...invalidOnes])

  const started = performance.now()
  const answers = await sendAll(deliveries, CONNECTIONS)
  const elapsed = performance.now() - started

  const lost = answers.filter((answer) => !(answer && 'status' in answer))
  const wrong: string[] = []
  const statuses = new Map<string, number>()
  const latencies: number[] = []
  deliveries.forEach((delivery, index) => {
    const answer = answers[index]
    if (answer === undefined || !('status' in answer)) return
    latencies.push(answer.ms)
    const label = `${answer.status} ${delivery.kind}`
    statuses.set(label, (statuses.get(label) ?? 0) + 1)
    if (answer.status !== delivery.status) wrong.push(`${delivery.id} (${delivery.kind}): ${answer.status} ${answer.body}`)
  })

  t.equal(lost.length, 0, `every request was answered before its own ${REQUEST_TIMEOUT_MS / 1000} s timeout`)
  t.strictSame(wrong.slice(0, 5), [], 'every request got its exact status')
  t.strictSame(validOnes.filter((delivery) => dispatchedById.get(delivery.id) !== 1).map((delivery) => `${delivery.id}: ${dispatchedById.get(delivery.id) ?? 0}`).slice(0, 5), [],
    'every valid event was dispatched exactly once')
  t.strictSame(invalidOnes.filter((delivery) => dispatchedById.has(delivery.id)).map((delivery) => delivery.id).slice(0, 5), [], 'no invalid one was dispatched')
  t.equal([...dispatchedById.values()].reduce((sum, n) => sum + n, 0), VALID, 'nothing else was dispatched')
  t.ok(mostOpen > 1 && mostOpen <= CONNECTIONS, `served over ${mostOpen} concurrent connections (at most ${CONNECTIONS}; ${sockets.size} opened in all)`)

  latencies.sort((a, b) => a - b)
  const percentile = (p: number): number => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0)
  const outcomes = [...statuses].sort().map(([label, n]) => `${n} × ${label}`).join(', ')
  t.comment(`load: ${deliveries.length} requests tried (${VALID} valid, ${INVALID} invalid) over ${mostOpen} concurrent keep-alive connections (${sockets.size} opened) ` +
    `in ${(elapsed / 1000).toFixed(2)} s (${Math.round(deliveries.length / (elapsed / 1000))} requests/s; latency p50 ${percentile(0.5)} ms, ` +
    `p99 ${percentile(0.99)} ms, slowest ${Math.round(latencies[latencies.length - 1] ?? 0)} ms); outcomes: ${outcomes}; ${lost.length} lost; ${VALID} valid events dispatched once each, 0 invalid dispatched`)
})

t.test('a slow handler and a failing one hold up nobody else', async t => {
  const slow = valid(0, 'slow-')
  const failing = valid(2, 'fail-')
  const others = Array.from({ length: 100 }, (_, index) => valid(index, 'beside-'))

  const slowStartedAt = performance.now()
  const slowAnswer = send(slow)
  await Promise.race([slowRunning, slowAnswer.then((answer) => {
    throw new Error(`the slow request was answered ${answer.status} before its handler ran`)
  })])
  const failingAnswer = send(failing)
  // The slow handler is held until every other request has been answered: were
  // requests served one at a time, this would never finish.
  const started = performance.now()
  const answers = await sendAll(others, CONNECTIONS - 1)
  const othersMs = performance.now() - started
  releaseSlow()
  const [slowResult, failingResult] = await Promise.all([slowAnswer, failingAnswer])
  const slowMs = performance.now() - slowStartedAt

  t.ok(answers.every((answer) => 'status' in answer && answer.status === 200), `the 100 others were all answered 200 while the slow handler was still running (in ${Math.round(othersMs)} ms)`)
  t.ok(others.every((delivery) => dispatchedById.get(delivery.id) === 1), 'and each dispatched once')
  t.equal(slowResult.status, 200, 'the slow one then answers 200')
  t.ok(slowMs >= SLOW_MS, `after at least ${SLOW_MS} ms (${Math.round(slowMs)} ms)`)
  t.equal(dispatchedById.get(slow.id), 1, 'dispatched once')

  t.equal(failingResult.status, 500, 'the failing one answers 500')
  t.equal(JSON.parse(failingResult.body).code, 'FST_MAGNETIS_HANDLER_FAILED')
  const reported = errors.filter(({ event }) => (event.data as { id?: unknown }).id === failing.id)
  t.equal(reported.length, 1, 'onError received it once')
  t.ok(reported[0]?.error instanceof HandlerError, 'as a HandlerError')
  t.equal(((reported[0]?.error as HandlerError | undefined)?.errors[0] as Error | undefined)?.message, 'the CRM is down', 'holding the handler\'s error')
  t.equal(reported[0]?.event.name, 'call:ringing', 'with the event')
  t.equal(errors.length, 1, 'nothing else reached onError')
  t.comment(`faults: while one handler took ${Math.round(slowMs)} ms and another rejected, ${others.length} other requests were served in ${Math.round(othersMs)} ms`)
})
