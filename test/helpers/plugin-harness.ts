/**
 * Shared pieces of the plugin tests (test/plugin-*.test.ts): requests signed
 * by the independent reference signer (never by lib/), a log capture, and a
 * way to send one request through `inject` or through a real socket.
 * Not a test file of its own: tap loads it and finds no assertions.
 */
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import magnetisWebhooks, { type WebhookRouteOptions } from '../../lib/index.js'
import { httpBuildQuery, referenceSign } from './reference-signer.js'

/** A signature key as the vendor shows them (base64-ish text). */
export const KEY = 'mK3v9QpZ2wX7sT1uYb4nR8eL0aJ6cH5f'
/** The endpoint URL as typed in the vendor's interface: deliberately not the address the tests listen on. */
export const URL = 'https://shop.example/webhooks/magnetis'
/** The full phone numbers of the seed sample: none may ever reach a log. */
export const PHONE_NUMBERS = ['0033612345678', '0033687654321', '0033412345678']

/** The vendor page's sample (test/fixtures/call-sample.json), read fresh each time so tests may change it. */
export function seedSample (): { event: string, data: Record<string, any> } {
  return JSON.parse(readFileSync(new globalThis.URL('../fixtures/call-sample.json', import.meta.url), 'utf8'))
}

/** The seed sample's data under another event name. */
export function envelope (event: string, data: Record<string, unknown> = seedSample().data): Record<string, unknown> {
  return { event, data }
}

/** What a test sends: headers and a text body. */
export interface Delivery {
  headers: Record<string, string>
  body: string
}

/**
 * A delivery as the vendor would make it: the payload as JSON or as a form
 * (`http_build_query` pairs, percent-encoded), signed by the reference signer.
 */
export function deliver (payload: Record<string, unknown>, as: 'json' | 'form' = 'json', { key = KEY, url = URL }: { key?: string, url?: string } = {}): Delivery {
  return {
    headers: {
      'content-type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
      'x-calltracking-signature': referenceSign(key, url, payload)
    },
    body: as === 'json' ? JSON.stringify(payload) : httpBuildQuery(payload, { spaceAsPlus: true })
  }
}

/** A raw body signed over the pairs the reference signer reads from it (for bodies that are not a payload's encoding). */
export function deliverRaw (body: string, contentType: string, signature: string): Delivery {
  return { headers: { 'content-type': contentType, 'x-calltracking-signature': signature }, body }
}

/** A reply, whichever way it was obtained. */
export interface Answer {
  status: number
  body: any
}

/** POSTs through `inject`. */
export async function injectPost (app: FastifyInstance, path: string, delivery: Delivery): Promise<Answer> {
  const response = await app.inject({ method: 'POST', url: path, headers: delivery.headers, payload: delivery.body })
  return { status: response.statusCode, body: parse(response.body) }
}

/** POSTs over a real socket to an app already listening. */
export async function fetchPost (origin: string, path: string, delivery: Delivery): Promise<Answer> {
  const response = await fetch(origin + path, { method: 'POST', headers: delivery.headers, body: delivery.body })
  return { status: response.status, body: parse(await response.text()) }
}

/** Starts the app on a free loopback port. @returns its origin, such as `http://127.0.0.1:41234` */
export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return `http://127.0.0.1:${address.port}`
}

function parse (text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** A pino destination that keeps every line: pass `stream` to `Fastify({ logger: { level: 'trace', stream } })`. */
export function captureLogs (): { stream: { write: (line: string) => void }, text: () => string, lines: () => Array<Record<string, any>> } {
  const written: string[] = []
  return {
    stream: { write: (line: string) => { written.push(line) } },
    text: () => written.join(''),
    lines: () => written.map((line) => JSON.parse(line) as Record<string, any>)
  }
}

/**
 * A fresh app with the plugin's shorthand route at `/hook` (URL and KEY),
 * closed when the test ends; `options` adds handlers and route options.
 */
export async function hookApp (t: { teardown: (fn: () => unknown) => void }, options: Omit<WebhookRouteOptions, 'url' | 'key'> & Partial<WebhookRouteOptions>, fastifyOptions: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(fastifyOptions)
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, ...options })
  return app
}

/** A request the PHP sender made, captured by `node scripts/php-e2e.mjs --capture` (test/fixtures/php-sender-*.json). */
export interface CapturedRequest { as: 'json' | 'form', tamper: boolean, url: string, key: string, contentType: string, signature: string, body: string }

/** The captured requests of one fixture file. */
export function capturedRequests (file: string): CapturedRequest[] {
  return (JSON.parse(readFileSync(new globalThis.URL(`../fixtures/${file}`, import.meta.url), 'utf8')) as { requests: CapturedRequest[] }).requests
}

/** Posts a captured request, as PHP sent it, to `/webhooks/magnetis` at `address` over a real socket: its status and reply. */
export async function replayCaptured (address: string, request: CapturedRequest): Promise<{ status: number, reply: Record<string, unknown> }> {
  const response = await fetch(`${address}/webhooks/magnetis`, {
    method: 'POST',
    headers: { 'content-type': request.contentType, 'x-calltracking-signature': request.signature },
    body: request.body
  })
  return { status: response.status, reply: await response.json() as Record<string, unknown> }
}
