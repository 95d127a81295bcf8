/**
 * The verifying preHandler of a webhook route: raw body → pairs → signature
 * check → event object → schema → handlers (or, with an inbox, → stored row;
 * the inbox worker runs the same stages from the row). Nothing is decoded or
 * dispatched before the signature matches; nothing signed is dropped without
 * reaching a handler, `onError` or the inbox.
 */
import type { FastifyRequest } from 'fastify'
import { bodyEncodingOf } from './body/media-types.js'
import { parseJsonObject, readBody, type ReadBody } from './body/read.js'
import { unflattenPairs } from './signature/unflatten.js'
import { dispatchEvent, handlerCount, reportError, requestContext } from './events/handlers.js'
import { InvalidSignatureError, NoSignatureKeyError } from './errors.js'
import { readEvent, type EventReader } from './events/read.js'
import type { CheckedRouteOptions } from './options.js'
import { kRawBody } from './body/capture.js'
import { SIGNATURE_HEADER, verifySignature, type SignatureKeys } from './signature/sign.js'
import type { AnyWebhookEvent, WebhookContext } from './events/types.js'

/** The production event a test sample of each resource stands for, with `dispatchTestEvents`. */
const TEST_EVENT_TARGETS = { call: 'call:completed', email: 'email:received', lead: 'lead:created' } as const

// Bounds the memory an endless stream of new event names could take.
const MAX_WARNED_NAMES = 1000

/** A route's options made ready to serve. */
export interface WebhookRoute extends EventReader {
  options: CheckedRouteOptions
  maxDepth: number
  /** log (once per name) an event that no handler takes: on the shorthand route it is acknowledged and dropped */
  warnUnhandled: boolean
  /** the event names already warned about */
  unhandledWarned: Set<string>
  /** with the `inbox` option: stores verified deliveries instead of dispatching them (lib/inbox/intake.ts) */
  intake?: InboxIntake
}

/** What stores a verified delivery and answers for it (lib/inbox/intake.ts). */
export interface InboxIntake {
  /** @returns the reply body, once the row is committed; @throws {InboxUnavailableError} (503) when it could not be */
  store (request: FastifyRequest, rawBody: Buffer, body: ReadBody): Promise<InboxReceipt>
}

/** The 200 reply of an inbox route: the row is committed (docs/readme/inbox.md, "What the 200 means"). */
export interface InboxReceipt {
  ok: true
  event: string
  /** `data.id`, or `null` */
  id: string | null
  /** the inbox row id */
  delivery: string
  /** `true` when an equal delivery was already stored: it is not handled again */
  duplicate: boolean
}

/**
 * Creates the preHandler that verifies one route's deliveries, then
 * dispatches them (resolving `undefined`: the route's handler replies) or,
 * with an inbox, stores them (resolving the receipt the plugin replies with).
 */
export function receiveWebhook (route: WebhookRoute) {
  return async function verifyMagnetisWebhook (request: FastifyRequest): Promise<InboxReceipt | undefined> {
    // Set by the capture hook, which runs before this one on every webhook route (or fails the request).
    const rawBody = request[kRawBody] as Buffer
    // Released as soon as it is read: nothing keeps raw bodies alive.
    request[kRawBody] = undefined
    const body = readSignedBody(rawBody, request.headers['content-type'], route)
    await checkSignature(route, body, request.headers[SIGNATURE_HEADER], request)
    if (route.intake !== undefined) return await route.intake.store(request, rawBody, body)
    await handleEvent(route, body, request, requestContext(request))
    request.log.debug({ event: request.magnetisEvent?.name, resource: request.magnetisEvent?.resource }, 'fastify-magnetis-webhooks: webhook verified and dispatched')
    return undefined
  }
}

/**
 * Raw body → pairs (step 2 of the signature rule), with the route's
 * `pairsFromBody` if it has one.
 * @throws {MalformedBodyError} (400) or {UnsupportedMediaTypeError} (415) from the reader
 */
export function readSignedBody (rawBody: Buffer, contentType: string | undefined, route: WebhookRoute): ReadBody {
  const custom = route.options.pairsFromBody
  if (custom === undefined) return readBody(rawBody, contentType, route.maxDepth)
  const pairs = Array.from(custom(rawBody, contentType))
  const encoding = bodyEncodingOf(contentType)
  // The user's pairs decide what is signed; the event is still decoded from the raw body as sent.
  if (encoding === 'json') return { encoding, pairs, json: parseJsonObject(rawBody.toString('utf8')) }
  return { encoding: 'form', pairs }
}

/**
 * The signature check with the route's key and URL (static, or resolved
 * from the request, or from the inbox's stand-in for it).
 * @throws {NoSignatureKeyError} / {InvalidSignatureError} (401); {TypeError} when the URL resolver gives no URL
 */
export async function checkSignature (route: WebhookRoute, body: ReadBody, signature: string | string[] | undefined, request: FastifyRequest): Promise<void> {
  const { options } = route
  // Static values (the common case) cost no promise; resolvers may be async.
  const key = typeof options.key === 'function' ? await options.key(request) : options.key
  const url = typeof options.url === 'function' ? await options.url(request) : options.url
  if (!isUsableKey(key)) throw new NoSignatureKeyError()
  if (typeof url !== 'string' || url === '') {
    throw new TypeError('fastify-magnetis-webhooks: the "url" resolver must give the endpoint URL as a non-empty string')
  }
  // A JSON body whose integer literals may stand for PHP floats is also read so (docs/signature-rule.md, "Numbers").
  if (!verifySignature({ key, url, payload: body.pairs, signature }) &&
    !(body.alternatives ?? []).some((pairs) => verifySignature({ key, url, payload: pairs, signature }))) {
    throw new InvalidSignatureError()
  }
}

/**
 * Decoded body → event → schema → handlers: the one pipeline of both the
 * request (no inbox) and the inbox worker. Sets `request.magnetisEvent`.
 * @throws {MalformedBodyError} (400) for a body that is no event envelope
 * @throws {InvalidEventError} (422) when the data fails its schema, after `onError` heard it
 * @throws {HandlerError} (500) when handlers failed, after `onError` heard it
 */
export async function handleEvent (route: WebhookRoute, body: ReadBody, request: FastifyRequest, context: WebhookContext): Promise<void> {
  const { options } = route
  const sets = options.handlerSets
  const payload = body.json ?? unflattenPairs(body.pairs, { maxDepth: route.maxDepth })
  const result = readEvent(payload, body.encoding, route)
  if (!result.ok) {
    context.log.warn({ event: result.event.name, errors: result.error.errors }, 'fastify-magnetis-webhooks: a signed event failed its schema')
    await reportError(sets, result.error, result.event, request, context)
    throw result.error
  }
  const event = result.event
  request.magnetisEvent = event

  const alsoAs = routedTestEvent(event, options.dispatchTestEvents === true)
  const warned = route.unhandledWarned
  if (route.warnUnhandled && handlerCount(sets, event.name) + (alsoAs === undefined ? 0 : handlerCount(sets, alsoAs.name)) === 0 &&
    !warned.has(event.name) && warned.size < MAX_WARNED_NAMES) {
    warned.add(event.name)
    context.log.warn({ event: event.name }, 'fastify-magnetis-webhooks: no handler for this event; it is acknowledged and dropped (warned once per event name)')
  }
  await dispatchEvent(sets, event, request, alsoAs, context)
}

function routedTestEvent (event: AnyWebhookEvent, enabled: boolean): AnyWebhookEvent | undefined {
  if (!enabled || event.name !== 'test' || event.resource === undefined) return undefined
  return { ...event, name: TEST_EVENT_TARGETS[event.resource] } as AnyWebhookEvent
}

function isUsableKey (key: SignatureKeys | undefined): key is SignatureKeys {
  if (typeof key === 'string') return key.length > 0
  return Array.isArray(key) && key.length > 0 && key.every((candidate) => typeof candidate === 'string' && candidate.length > 0)
}
