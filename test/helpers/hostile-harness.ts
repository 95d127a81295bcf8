/**
 * The harness of the hostile-input matrix (issue 4): one row is one request
 * (or one start-up) with the exact status, error code and number of handler
 * calls it must give. Rows are data, kept in `hostile-rows-*.ts`, so that
 * `test/hostile-logging.test.ts` can replay the whole matrix with the logger
 * at `trace` while each `test/hostile-*.test.ts` file runs its own rows.
 *
 * Every expected signature is computed here by the independent reference
 * signer (`reference-signer.ts`, which imports nothing from lib/); only the
 * plugin itself comes from lib/.
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import formbody from '@fastify/formbody'
import type { Test } from 'tap'
import magnetisWebhooks from '../../lib/index.js'
import type { AnyWebhookEvent, UnvalidatedEvent } from '../../lib/events/types.js'
import { referenceFormPairs, referenceSign, type ReferencePayload } from './reference-signer.js'

/** The signature key of the matrix: random-looking, so that no 6-character piece of it occurs in a log line by chance. */
export const KEY = 'Zq7vW2kR9xLp4sTn8bYc3mHd'
/** A second and a third key, for rotation rows; also kept out of logs. */
export const OLD_KEY = 'Gt5uJ1oQ6eNw0aVz'
/** A key the server does not have: what a third party would sign with. */
export const FOREIGN_KEY = 'Xe4rB8nM2cKj6fYh'
/** Every key a matrix server is configured with (the logging test looks for each, and every 6-character piece). */
export const SERVER_KEYS = [KEY, OLD_KEY] as const

/** The endpoint URL as typed in the vendor's interface, unless a row types another. */
export const URL_AS_TYPED = 'https://shop.example/webhooks/magnetis'
/** Where the matrix app serves the shorthand route (behind a proxy: it need not match the typed URL's path). */
export const PATH = '/webhooks/magnetis'
/** The sample's caller, recipient and tracked numbers (vendor page sample): never to appear whole in a log line. */
export const PHONE_NUMBERS = ['0033612345678', '0033687654321', '0033412345678'] as const

export const FORM = 'application/x-www-form-urlencoded'
export const JSON_TYPE = 'application/json'
/**
 * How long a raw row waits for a reply, or for the close or reply after it,
 * before it reports none (status 0, or "hanging"), in milliseconds. A safety
 * net, not a speed limit: the slowest row here answers in about 60 ms (it
 * pauses 60 ms on purpose), so this is over 100 times what is needed; rows
 * assert that a reply came, never how fast.
 */
export const REPLY_WAIT_MS = 10_000

/** The vendor page's sample body (`event: "test"`), as a fresh object. */
export function callSample (event = 'call:completed'): Record<string, unknown> & { data: Record<string, unknown> } {
  const sample = JSON.parse(readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8'))
  return { ...sample, event }
}

/** The reference signature of a JSON body (parsed by JSON.parse, flattened by the reference signer). */
export function signJson (body: string, { key = KEY, url = URL_AS_TYPED } = {}): string {
  return referenceSign(key, url, JSON.parse(body) as Record<string, unknown>)
}

/** The reference signature of a form body (parsed byte by byte by the reference signer). */
export function signForm (body: string | Buffer, { key = KEY, url = URL_AS_TYPED } = {}): string {
  return referenceSign(key, url, referenceFormPairs(body))
}

/** The reference signature of given pairs or of a payload object. */
export function signPayload (payload: ReferencePayload, { key = KEY, url = URL_AS_TYPED } = {}): string {
  return referenceSign(key, url, payload)
}

/** Headers of a JSON request signed by the reference signer. */
export function signedJsonHeaders (body: string, options: { key?: string, url?: string } = {}): Record<string, string> {
  return { 'content-type': JSON_TYPE, 'x-calltracking-signature': signJson(body, options) }
}

/** Headers of a form request signed by the reference signer. */
export function signedFormHeaders (body: string | Buffer, options: { key?: string, url?: string } = {}): Record<string, string> {
  return { 'content-type': FORM, 'x-calltracking-signature': signForm(body, options) }
}

/** How the app of a row is set up. Everything is optional: the default is the shorthand route for URL_AS_TYPED with KEY. */
export interface RouteSetup {
  /** the endpoint URL as typed (default URL_AS_TYPED) */
  url?: unknown
  /** the signature key option as given (default KEY); may be anything, for configuration rows */
  key?: unknown
  /** when true, no `key` option at all */
  noKey?: boolean
  /** when true, no `url` option at all */
  noUrl?: boolean
  /** where the route is served (default PATH) */
  path?: string
  bodyLimit?: number
  /** Fastify's trustProxy, to show that forwarded headers still change nothing */
  trustProxy?: boolean
  /** wire the user's own route with `config.magnetis` (and @fastify/formbody at the root) instead of the shorthand route */
  perRoute?: boolean
  /** the recording handler throws after recording */
  failingHandler?: boolean
}

/** What the handlers saw during one row. */
export interface Recorder {
  /** events that reached a handler (`onAny` runs for every dispatched event) */
  events: AnyWebhookEvent[]
  /** calls of the user's own route handler (per-route rows) */
  routeHandlerCalls: number
  /** calls of the route's own preHandler hook (per-route rows): it must never see an unverified request */
  routePreHandlerCalls: number
  /** what reached `onError` */
  errors: Array<{ error: Error, event: UnvalidatedEvent | AnyWebhookEvent }>
}

/** Builds the app of a row: the plugin, a recording `onAny` and `onError`, and `GET /health` to test a connection's reuse. */
export async function buildMatrixApp (setup: RouteSetup, recorder: Recorder, logger: FastifyServerOptions['logger'] = false): Promise<FastifyInstance> {
  const app = Fastify({ logger, trustProxy: setup.trustProxy === true })
  app.get('/health', async () => ({ ok: true }))
  const options: Record<string, unknown> = {
    onAny: (event: AnyWebhookEvent) => {
      recorder.events.push(event)
      if (setup.failingHandler === true) throw new Error('the CRM is down')
    },
    onError: (error: Error, event: UnvalidatedEvent | AnyWebhookEvent) => { recorder.errors.push({ error, event }) }
  }
  if (setup.noUrl !== true) options.url = 'url' in setup ? setup.url : URL_AS_TYPED
  if (setup.noKey !== true) options.key = 'key' in setup ? setup.key : KEY
  if (setup.bodyLimit !== undefined) options.bodyLimit = setup.bodyLimit
  const path = setup.path ?? PATH
  // `as never` below: configuration rows pass keys and URLs the option types rightly forbid.
  if (setup.perRoute === true) {
    await app.register(formbody)
    await app.register(magnetisWebhooks)
    app.post(path, {
      config: { magnetis: options as never },
      preHandler: async () => { recorder.routePreHandlerCalls++ }
    }, async (request) => {
      recorder.routeHandlerCalls++
      return { ok: true, event: request.magnetisEvent?.name }
    })
  } else {
    await app.register(magnetisWebhooks, { path, ...options } as never)
  }
  return app
}

/** A request sent through `fastify.inject`. */
export interface InjectRequest {
  method?: 'POST' | 'GET' | 'PUT'
  /** the request target (default the route's path) */
  url?: string
  headers: Record<string, string | string[]>
  body?: string | Buffer
}

/** A request written by hand on a raw TCP socket, for what inject cannot show (header name case, repeated headers, slow bodies). */
export interface RawRequest {
  /** bytes to write in order; a number is a pause in milliseconds */
  raw: Array<string | Buffer | number>
  /** written after the first response: then a second response, or a close, must follow (within REPLY_WAIT_MS) */
  then?: Array<string | Buffer | number>
}

/** One row of the request matrix. */
export interface MatrixRow {
  name: string
  setup?: RouteSetup
  request: InjectRequest | RawRequest
  /** the exact status */
  status: number
  /** the exact `code` of the JSON error reply (every 4xx of the plugin has one) */
  code?: string
  /** how many times the handlers must run (`onAny`, and the route's own handler on per-route rows): 0 for anything not validly signed, 1 for a signed event */
  dispatched: 0 | 1
  /** more assertions on the outcome */
  check?: (t: Test, outcome: Outcome) => void
}

/** What happened to one row. */
export interface Outcome extends Recorder {
  status: number
  headers: Record<string, string>
  body: string
  /** the reply parsed as JSON, when it is */
  json: Record<string, unknown> | undefined
  /** from the first byte written to the end of the first response, in milliseconds (raw rows) */
  elapsedMs: number
  /** raw rows with `then`: whether the connection was reused (the second status) or closed, or left hanging */
  afterwards?: { kind: 'usable', status: number } | { kind: 'closed' } | { kind: 'hanging' }
}

/** Runs one row against a fresh app, with the given logger; `followUp: false` skips a raw row's `then` (and its wait). */
export async function runRow (row: MatrixRow, logger: FastifyServerOptions['logger'] = false, { followUp = true } = {}): Promise<Outcome> {
  const recorder: Recorder = { events: [], routeHandlerCalls: 0, routePreHandlerCalls: 0, errors: [] }
  const setup = row.setup ?? {}
  const app = await buildMatrixApp(setup, recorder, logger)
  try {
    if ('raw' in row.request) {
      await app.listen({ port: 0, host: '127.0.0.1' })
      const { port } = app.server.address() as net.AddressInfo
      const request = followUp ? row.request : { raw: row.request.raw }
      return { ...recorder, ...await rawExchange(port, request) }
    }
    const request = row.request
    const started = performance.now()
    const response = await app.inject({
      method: request.method ?? 'POST',
      url: request.url ?? setup.path ?? PATH,
      headers: request.headers,
      ...(request.body === undefined ? {} : { payload: request.body })
    })
    const headers = Object.fromEntries(Object.entries(response.headers).map(([name, value]) => [name, String(value)]))
    return {
      ...recorder,
      status: response.statusCode,
      headers,
      body: response.body,
      json: parseJson(response.body),
      elapsedMs: performance.now() - started
    }
  } finally {
    await app.close()
  }
}

/** Declares one row as a tap test: exact status, exact code, exact number of handler calls, no prototype polluted. */
export function defineRow (t: Test, row: MatrixRow): void {
  t.test(row.name, async t => {
    const outcome = await runRow(row)
    assertRow(t, row, outcome)
  })
}

/** The assertions every row makes. */
export function assertRow (t: Test, row: MatrixRow, outcome: Outcome): void {
  t.equal(outcome.status, row.status, `status ${row.status}`)
  if (row.code !== undefined) t.equal(outcome.json?.code, row.code, `code ${row.code}`)
  t.equal(outcome.events.length, row.dispatched, row.dispatched === 0 ? 'no handler ran' : 'dispatched exactly once')
  // The user's own route handler runs only after a verified dispatch.
  t.equal(outcome.routeHandlerCalls, row.setup?.perRoute === true ? row.dispatched : 0, 'the route handler ran as often as the handlers')
  t.equal(outcome.routePreHandlerCalls, row.setup?.perRoute === true ? row.dispatched : 0, 'the route\'s own preHandler ran only after verification')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype is not polluted')
  row.check?.(t, outcome)
}

function parseJson (text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object' ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** One HTTP/1.1 response read off a raw socket. */
interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * Writes a request by hand and reads the response(s). The first response
 * must arrive, even while the request is still being written (status 0 when
 * none has after REPLY_WAIT_MS: the test then fails on the status); with
 * `then`, once the request is written whole, a second response or a close
 * must follow, or after REPLY_WAIT_MS the connection is reported as hanging.
 */
export async function rawExchange (port: number, request: RawRequest): Promise<Omit<Outcome, keyof Recorder>> {
  const socket = net.connect(port, '127.0.0.1')
  socket.on('error', () => {}) // a reset after a refusal is an outcome, not a crash
  await once(socket, 'connect')
  const reader = new ResponseReader(socket)
  const started = performance.now()
  try {
    const first = reader.next(REPLY_WAIT_MS)
    const writing = writeAll(socket, request.raw)
    const response = await first
    const elapsedMs = performance.now() - started
    const outcome: Omit<Outcome, keyof Recorder> = {
      status: response?.status ?? 0,
      headers: response?.headers ?? {},
      body: response?.body ?? '',
      json: response === undefined ? undefined : parseJson(response.body),
      elapsedMs
    }
    if (request.then !== undefined && response !== undefined) {
      // A reply may come before the request is fully written: finish it first.
      await writing
      const second = reader.next(REPLY_WAIT_MS)
      void writeAll(socket, request.then)
      const next = await second
      outcome.afterwards = next !== undefined ? { kind: 'usable', status: next.status } : reader.closed ? { kind: 'closed' } : { kind: 'hanging' }
    }
    return outcome
  } finally {
    socket.destroy()
  }
}

async function writeAll (socket: net.Socket, parts: Array<string | Buffer | number>): Promise<void> {
  for (const part of parts) {
    if (socket.destroyed) return
    if (typeof part === 'number') await new Promise((resolve) => setTimeout(resolve, part))
    else socket.write(part)
  }
}

/** Parses HTTP/1.1 responses as bytes arrive: a body ends at its Content-Length, or at the close when there is none. */
class ResponseReader {
  #buffer = Buffer.alloc(0)
  #waiting: (() => void) | undefined
  closed = false

  constructor (socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk])
      this.#waiting?.()
    })
    socket.on('close', () => {
      this.closed = true
      this.#waiting?.()
    })
  }

  /** The next complete response, or `undefined` when none arrives within `timeoutMs`. */
  async next (timeoutMs: number): Promise<RawResponse | undefined> {
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const response = this.#take()
      if (response !== undefined) return response
      const left = deadline - performance.now()
      if (this.closed || left <= 0) return undefined
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiting = () => { clearTimeout(timer); resolve() }
      })
      this.#waiting = undefined
    }
  }

  #take (): RawResponse | undefined {
    const end = this.#buffer.indexOf('\r\n\r\n')
    if (end === -1) return undefined
    const [statusLine = '', ...lines] = this.#buffer.subarray(0, end).toString('latin1').split('\r\n')
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    const length = headers['content-length']
    const bodyStart = end + 4
    let bodyEnd: number
    if (length !== undefined) {
      bodyEnd = bodyStart + Number(length)
      if (this.#buffer.length < bodyEnd) return undefined
    } else {
      if (!this.closed) return undefined
      bodyEnd = this.#buffer.length
    }
    const body = this.#buffer.subarray(bodyStart, bodyEnd).toString('utf8')
    this.#buffer = this.#buffer.subarray(bodyEnd)
    return { status: Number(statusLine.split(' ')[1]), headers, body }
  }
}

/** A request head written by hand: `lines` are header lines as sent, letter case and repeats kept. */
export function rawHead (lines: string[], { method = 'POST', path = PATH } = {}): string {
  return `${method} ${path} HTTP/1.1\r\nHost: shop.example\r\n${lines.map((line) => line + '\r\n').join('')}\r\n`
}

/** A GET of /health, written after a refused request to show the connection still serves. */
export const HEALTH_CHECK = 'GET /health HTTP/1.1\r\nHost: shop.example\r\n\r\n'

/** The own keys named `__proto__`, `constructor` or `prototype`, and the objects whose prototype is not the usual one, anywhere in `value`. */
export function forbiddenKeyPaths (value: unknown): string[] {
  const found: string[] = []
  const pending: Array<[path: string, value: unknown]> = [['', value]]
  const seen = new Set<object>()
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [path, item] = next
    if (item === null || typeof item !== 'object' || seen.has(item)) continue
    seen.add(item)
    const prototype = Object.getPrototypeOf(item)
    if (prototype !== Object.prototype && prototype !== Array.prototype && prototype !== null) found.push(`${path} (prototype changed)`)
    for (const key of Reflect.ownKeys(item)) {
      if (typeof key !== 'string') continue
      if (key === '__proto__' || key === 'constructor' || key === 'prototype') found.push(`${path}/${key}`)
      pending.push([`${path}/${key}`, (item as Record<string, unknown>)[key]])
    }
  }
  return found
}

/** A pino destination that keeps every line, for the logging test. */
export function lineCollector (): { stream: Writable, lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(line)
      done()
    }
  })
  return { stream, lines }
}

/** The signature header values a row sends (inject or raw), for the logging test. */
export function signaturesSent (row: MatrixRow): string[] {
  if ('raw' in row.request) {
    const text = [...row.request.raw, ...(row.request.then ?? [])].filter((part) => typeof part !== 'number').map(String).join('')
    return [...text.matchAll(/^x-calltracking-signature:[ \t]*(.*?)[ \t]*\r$/gim)].map((match) => match[1] as string)
  }
  const header = Object.entries(row.request.headers).find(([name]) => name.toLowerCase() === 'x-calltracking-signature')?.[1]
  return header === undefined ? [] : [header].flat()
}
