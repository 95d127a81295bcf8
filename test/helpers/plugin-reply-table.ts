/**
 * The README's reply table as data: one app holding both registration forms
 * (with a tenant route and a route-level body limit), and every row of the
 * table as a request and its expected reply. plugin-replies.test.ts sends the
 * rows through `inject`, plugin-listen.test.ts over a real socket.
 * Not a test file of its own.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import { deliver, deliverRaw, envelope, KEY, seedSample, URL, type Answer, type Delivery } from './plugin-harness.js'
import { referenceSign } from './reference-signer.js'

export const SHORTHAND = '/webhooks/magnetis'
/** A per-route webhook route with a route-level `bodyLimit` and no `bodyLimit` of its own. */
export const SMALL = '/hooks/small'
export const SMALL_URL = 'https://shop.example/hooks/small'
export const SMALL_LIMIT = 2048
/** The shorthand's `bodyLimit` option. */
export const OPTION_LIMIT = 4096

/** Tenants of the `/webhooks/tenant/:account` route: account → key. */
const TENANT_KEYS: Record<string, string> = { acme: 'acme-key-1' }
export const tenantUrl = (account: string): string => `https://shop.example/webhooks/tenant/${account}`

/** What the app's handlers saw, for the rows that check it. */
export interface Seen {
  handled: string[]
  errors: Array<{ error: any, event: any }>
}

/** The app behind the table; `logger` as for `Fastify()`. */
export async function buildReplyApp (logger: object | boolean = false): Promise<{ app: FastifyInstance, seen: Seen }> {
  const seen: Seen = { handled: [], errors: [] }
  const app = Fastify({ logger })
  await app.register(magnetisWebhooks, {
    path: SHORTHAND,
    url: URL,
    key: KEY,
    bodyLimit: OPTION_LIMIT,
    onCallCompleted: (event) => { seen.handled.push(`${event.name} ${event.data.id}`) },
    onCallRinging: () => { throw new Error('the CRM is down') },
    onError: (error, event) => { seen.errors.push({ error, event }) }
  })
  await app.register(magnetisWebhooks, {
    path: '/webhooks/tenant/:account',
    url: (request: FastifyRequest) => tenantUrl((request.params as { account: string }).account),
    key: async (request: FastifyRequest) => TENANT_KEYS[(request.params as { account: string }).account],
    onCallCompleted: (event, request) => { seen.handled.push(`tenant ${(request.params as { account: string }).account} ${event.data.id}`) }
  })
  app.post(SMALL, { bodyLimit: SMALL_LIMIT, config: { magnetis: { url: SMALL_URL, key: KEY } } }, async (request) => {
    seen.handled.push(`small ${request.magnetisEvent?.name}`)
    return { ok: true }
  })
  return { app, seen }
}

/** One row of the reply table. */
export interface ReplyRow {
  name: string
  path: string
  delivery: () => Delivery
  status: number
  /** the reply's `code`, for errors */
  code?: string
  /** further checks on the reply body and on what the handlers saw */
  check?: (answer: Answer, seen: Seen) => Array<[actual: unknown, expected: unknown, what: string]>
}

const CALL_ID = seedSample().data.id as string
const sampleCall = (): Record<string, unknown> => envelope('call:completed')

function withoutSignature (delivery: Delivery): Delivery {
  const headers = { ...delivery.headers }
  delete headers['x-calltracking-signature']
  return { headers, body: delivery.body }
}

/** A payload whose JSON is `size` bytes or more: the sample with a long extra field. */
function padded (size: number): Record<string, unknown> {
  const payload = sampleCall()
  payload.padding = 'x'.repeat(size)
  return payload
}

export const REPLY_ROWS: ReplyRow[] = [
  {
    name: '200 {ok, event, id} for a signed JSON event',
    path: SHORTHAND,
    delivery: () => deliver(sampleCall(), 'json'),
    status: 200,
    check: ({ body }, seen) => [[body, { ok: true, event: 'call:completed', id: CALL_ID }, 'reply body'], [seen.handled, [`call:completed ${CALL_ID}`], 'handler ran once']]
  },
  {
    name: '200 {ok, event, id} for a signed form event',
    path: SHORTHAND,
    delivery: () => deliver(sampleCall(), 'form'),
    status: 200,
    check: ({ body }, seen) => [[body, { ok: true, event: 'call:completed', id: CALL_ID }, 'reply body'], [seen.handled, [`call:completed ${CALL_ID}`], 'handler ran once']]
  },
  {
    name: '200 for an event name nobody handles, with id null when data has none',
    path: SHORTHAND,
    delivery: () => deliver(envelope('call:transferred', { to: 'desk-2' })),
    status: 200,
    check: ({ body }, seen) => [[body, { ok: true, event: 'call:transferred', id: null }, 'reply body'], [seen.handled, [], 'no handler ran']]
  },
  {
    name: '200 on a per-route route: its own handler replies',
    path: SMALL,
    delivery: () => deliver(sampleCall(), 'json', { url: SMALL_URL }),
    status: 200,
    check: ({ body }, seen) => [[body, { ok: true }, 'route handler reply'], [seen.handled, ['small call:completed'], 'route handler saw the event']]
  },
  {
    name: '200 on a tenant route with the tenant\'s key and URL',
    path: '/webhooks/tenant/acme',
    delivery: () => deliver(sampleCall(), 'form', { key: 'acme-key-1', url: tenantUrl('acme') }),
    status: 200,
    check: (_answer, seen) => [[seen.handled, [`tenant acme ${CALL_ID}`], 'tenant handler ran']]
  },
  {
    name: '401 FST_MAGNETIS_MISSING_SIGNATURE without the header',
    path: SHORTHAND,
    delivery: () => withoutSignature(deliver(sampleCall(), 'form')),
    status: 401,
    code: 'FST_MAGNETIS_MISSING_SIGNATURE'
  },
  {
    name: '401 FST_MAGNETIS_MISSING_SIGNATURE for an empty header',
    path: SHORTHAND,
    delivery: () => deliverRaw(JSON.stringify(sampleCall()), 'application/json', ''),
    status: 401,
    code: 'FST_MAGNETIS_MISSING_SIGNATURE'
  },
  {
    name: '401 FST_MAGNETIS_INVALID_SIGNATURE for a tampered body',
    path: SHORTHAND,
    delivery: () => {
      const delivery = deliver(sampleCall(), 'json')
      return { headers: delivery.headers, body: delivery.body.replace('"duration":43', '"duration":4300') }
    },
    status: 401,
    code: 'FST_MAGNETIS_INVALID_SIGNATURE',
    check: (_answer, seen) => [[seen.handled, [], 'no handler ran']]
  },
  {
    name: '401 FST_MAGNETIS_INVALID_SIGNATURE for another key',
    path: SHORTHAND,
    delivery: () => deliver(sampleCall(), 'form', { key: 'not-the-key' }),
    status: 401,
    code: 'FST_MAGNETIS_INVALID_SIGNATURE'
  },
  {
    name: '401 FST_MAGNETIS_INVALID_SIGNATURE for the URL rebuilt from the request (http, loopback) instead of as typed',
    path: SHORTHAND,
    delivery: () => deliver(sampleCall(), 'json', { url: 'http://127.0.0.1/webhooks/magnetis' }),
    status: 401,
    code: 'FST_MAGNETIS_INVALID_SIGNATURE'
  },
  {
    name: '401 FST_MAGNETIS_NO_SIGNATURE_KEY when the key resolver knows no such tenant',
    path: '/webhooks/tenant/nobody',
    delivery: () => deliver(sampleCall(), 'json', { key: 'acme-key-1', url: tenantUrl('nobody') }),
    status: 401,
    code: 'FST_MAGNETIS_NO_SIGNATURE_KEY'
  },
  {
    name: '415 for text/plain',
    path: SHORTHAND,
    delivery: () => deliverRaw(JSON.stringify(sampleCall()), 'text/plain', referenceSign(KEY, URL, sampleCall())),
    status: 415,
    code: 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE'
  },
  {
    name: '415 for multipart/form-data',
    path: SHORTHAND,
    delivery: () => deliverRaw('--x\r\n', 'multipart/form-data; boundary=x', 'c2lnbmF0dXJl'),
    status: 415,
    code: 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE'
  },
  {
    name: '415 for a body without Content-Type',
    path: SHORTHAND,
    delivery: () => ({ headers: { 'x-calltracking-signature': referenceSign(KEY, URL, sampleCall()) }, body: JSON.stringify(sampleCall()) }),
    status: 415,
    code: 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE'
  },
  {
    name: '415 for a Content-Encoding (the signature covers the bytes as sent)',
    path: SHORTHAND,
    delivery: () => {
      const delivery = deliver(sampleCall(), 'json')
      return { headers: { ...delivery.headers, 'content-encoding': 'gzip' }, body: delivery.body }
    },
    status: 415,
    code: 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE'
  },
  {
    name: '400 for malformed JSON',
    path: SHORTHAND,
    delivery: () => deliverRaw('{"event": "call:completed", "data": {', 'application/json', 'c2lnbmF0dXJl'),
    status: 400,
    code: 'FST_MAGNETIS_MALFORMED_BODY'
  },
  ...['[1, 2]', '"call:completed"', 'null', '42'].map((body): ReplyRow => ({
    name: `400 for the JSON value ${body}, not an object`,
    path: SHORTHAND,
    delivery: () => deliverRaw(body, 'application/json', 'c2lnbmF0dXJl'),
    status: 400,
    code: 'FST_MAGNETIS_MALFORMED_BODY'
  })),
  ...(['json', 'form'] as const).map((as): ReplyRow => ({
    name: `400 for a signed ${as} body without "event"`,
    path: SHORTHAND,
    delivery: () => deliver({ data: seedSample().data }, as),
    status: 400,
    code: 'FST_MAGNETIS_MALFORMED_BODY',
    check: (_answer, seen) => [[seen.handled, [], 'no handler ran']]
  })),
  {
    name: '400 for a signed body whose "event" is empty',
    path: SHORTHAND,
    delivery: () => deliver(envelope('')),
    status: 400,
    code: 'FST_MAGNETIS_MALFORMED_BODY'
  },
  {
    name: `413 past the bodyLimit option (${OPTION_LIMIT} bytes)`,
    path: SHORTHAND,
    delivery: () => deliver(padded(OPTION_LIMIT), 'json'),
    status: 413,
    code: 'FST_MAGNETIS_BODY_TOO_LARGE'
  },
  {
    name: `200 just under the bodyLimit option: the limit is the option, not lower`,
    path: SHORTHAND,
    delivery: () => {
      const base = JSON.stringify(padded(0)).length
      return deliver(padded(OPTION_LIMIT - base), 'json')
    },
    status: 200
  },
  {
    name: `413 past a route-level bodyLimit (${SMALL_LIMIT} bytes)`,
    path: SMALL,
    delivery: () => deliver(padded(SMALL_LIMIT), 'json', { url: SMALL_URL }),
    status: 413,
    code: 'FST_MAGNETIS_BODY_TOO_LARGE',
    check: (_answer, seen) => [[seen.handled, [], 'route handler did not run']]
  },
  {
    name: '422 FST_MAGNETIS_INVALID_EVENT for a signed event that fails its schema, and onError gets it whole',
    path: SHORTHAND,
    delivery: () => {
      const payload = sampleCall()
      ;(payload.data as Record<string, unknown>).duration = 'forty-three'
      return deliver(payload, 'json')
    },
    status: 422,
    code: 'FST_MAGNETIS_INVALID_EVENT',
    check: (_answer, seen) => [
      [seen.handled, [], 'no handler ran'],
      [seen.errors.length, 1, 'onError called once'],
      [seen.errors[0]?.error.code, 'FST_MAGNETIS_INVALID_EVENT', 'onError got the InvalidEventError'],
      [seen.errors[0]?.event.data.duration, 'forty-three', 'onError got the unvalidated data']
    ]
  },
  {
    name: '500 FST_MAGNETIS_HANDLER_FAILED when a handler throws, and onError gets it',
    path: SHORTHAND,
    delivery: () => deliver(envelope('call:ringing'), 'form'),
    status: 500,
    code: 'FST_MAGNETIS_HANDLER_FAILED',
    check: (_answer, seen) => [
      [seen.errors.length, 1, 'onError called once'],
      [seen.errors[0]?.error.errors.map((error: Error) => error.message), ['the CRM is down'], 'the handler error'],
      [seen.errors[0]?.event.name, 'call:ringing', 'with the event']
    ]
  }
]
