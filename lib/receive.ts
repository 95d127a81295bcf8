// The route's verifying preHandler: raw body → pairs → signature → event → schema → handlers (or the inbox); nothing is decoded before the signature matches.
import type { FastifyRequest } from 'fastify'
import { bodyEncodingOf } from './body/media-types.js'
import { parseJsonObject, readBody, type ReadBody } from './body/read.js'
import { unflattenPairs } from './signature/unflatten.js'
import { dispatchEvent, handlerCount, reportError, requestContext } from './events/handlers.js'
import { InvalidSignatureError, NoSignatureKeyError } from './errors.js'
import { diagnoseSignatureFailure, type DiagnosisBudget } from './diagnosis/signature-failure.js'
import { readEvent, type EventReader, type ReadEventResult } from './events/read.js'
import type { CheckedRouteOptions } from './options.js'
import { kRawBody } from './body/capture.js'
import { SIGNATURE_HEADER, type SignatureKeys } from './signature/sign.js'
import { verifyReadBody } from './body/verify.js'
import type { AnyWebhookEvent, WebhookContext } from './events/types.js'

/** The production event a test sample of each resource stands for, with `dispatchTestEvents`. */
const TEST_EVENT_TARGETS = { call: 'call:completed', email: 'email:received', lead: 'lead:created' } as const

// Bounds the memory an endless stream of new event names could take.
const MAX_WARNED_NAMES = 1000

/** A route's options made ready to serve: `warnUnhandled` (shorthand route: log once per name an event no handler takes), names warned, 401 diagnosis budget, inbox `intake` (stores instead of dispatching). */
export interface WebhookRoute extends EventReader {
  options: CheckedRouteOptions
  maxDepth: number
  warnUnhandled: boolean
  unhandledWarned: Set<string>
  diagnoses: DiagnosisBudget
  intake?: InboxIntake
}

/** What stores a verified delivery and answers for it (lib/inbox/intake.ts). */
export interface InboxIntake {
  /** @returns the reply body, once the row is committed; @throws {InboxUnavailableError} (503) when it could not be */
  store (request: FastifyRequest, rawBody: Buffer, body: ReadBody): Promise<InboxReceipt>
}

/** The 200 reply of an inbox route once the row is committed: `id` is `data.id` or `null`, `delivery` the row id, `duplicate` when already stored (not handled again); docs/never-lose-an-event.md. */
export interface InboxReceipt {
  ok: true
  event: string
  id: string | null
  delivery: string
  duplicate: boolean
}

/** The preHandler of one route: verifies, then dispatches (resolves `undefined`; the route replies) or stores in the inbox (resolves the receipt to reply). */
export function receiveWebhook (route: WebhookRoute) {
  // Plain promises, not async functions: with a static key and URL the whole check is synchronous, and the request
  // waits on the handlers' promise alone.
  return function verifyMagnetisWebhook (request: FastifyRequest): Promise<InboxReceipt | undefined> {
    try {
      // Set by the capture hook, which runs before this one on every webhook route (or fails the request).
      const rawBody = request[kRawBody] as Buffer
      // Released as soon as it is read: nothing keeps raw bodies alive.
      request[kRawBody] = undefined
      const body = readSignedBody(rawBody, request.headers['content-type'], route)
      const resolving = checkSignature(route, body, request.headers[SIGNATURE_HEADER], request, rawBody)
      if (resolving !== undefined) return resolving.then(() => receiveVerified(route, request, rawBody, body))
      return receiveVerified(route, request, rawBody, body)
    } catch (error) {
      return Promise.reject(error)
    }
  }
}

function receiveVerified (route: WebhookRoute, request: FastifyRequest, rawBody: Buffer, body: ReadBody): Promise<InboxReceipt | undefined> {
  if (route.intake !== undefined) return route.intake.store(request, rawBody, body)
  return handleEvent(route, body, request, requestContext(request)) as Promise<undefined>
}

/** Raw body → pairs (signature rule step 2), via the route's `pairsFromBody` if set. @throws {MalformedBodyError} (400) or {UnsupportedMediaTypeError} (415) */
export function readSignedBody (rawBody: Buffer, contentType: string | undefined, route: WebhookRoute): ReadBody {
  const custom = route.options.pairsFromBody
  if (custom === undefined) return readBody(rawBody, contentType, route.maxDepth, true)
  const pairs = Array.from(custom(rawBody, contentType))
  const encoding = bodyEncodingOf(contentType)
  // The user's pairs decide what is signed; the event is still decoded from the raw body as sent.
  if (encoding === 'json') return { encoding, pairs, json: parseJsonObject(rawBody.toString('utf8')) }
  return { encoding: 'form', pairs }
}

/** Checks the signature with the route's (resolved) key and URL; given `rawBody`, a failure is diagnosed within budget. Synchronous (returns `undefined`) when key and URL are static, the common case: no promise per request. @throws {NoSignatureKeyError} / {InvalidSignatureError} (401); {TypeError} when the URL resolver gives no URL */
export function checkSignature (route: WebhookRoute, body: ReadBody, signature: string | string[] | undefined, request: FastifyRequest, rawBody?: Buffer): Promise<void> | undefined {
  const { key, url } = route.options
  if (typeof key === 'function' || typeof url === 'function') return checkWithResolvers(route, body, signature, request, rawBody)
  checkResolved(route, body, signature, request, rawBody, key, url)
  return undefined
}

async function checkWithResolvers (route: WebhookRoute, body: ReadBody, signature: string | string[] | undefined, request: FastifyRequest, rawBody: Buffer | undefined): Promise<void> {
  const { options } = route
  const key = typeof options.key === 'function' ? await options.key(request) : options.key
  const url = typeof options.url === 'function' ? await options.url(request) : options.url
  checkResolved(route, body, signature, request, rawBody, key, url)
}

function checkResolved (route: WebhookRoute, body: ReadBody, signature: string | string[] | undefined, request: FastifyRequest, rawBody: Buffer | undefined,
  key: SignatureKeys | undefined, url: unknown): void {
  if (!isUsableKey(key)) throw new NoSignatureKeyError()
  if (typeof url !== 'string' || url === '') {
    throw new TypeError('fastify-magnetis-webhooks: the "url" resolver must give the endpoint URL as a non-empty string')
  }
  if (!verifyReadBody(body, key, url, signature)) {
    if (rawBody === undefined) throw new InvalidSignatureError()
    const contentType = request.headers['content-type']
    const input = { url, receivedUrl: `${request.protocol}://${request.host}${request.url}`, signature: String(signature), contentType, rawBody, key }
    throw diagnoseSignatureFailure(request, input, route.diagnoses)
  }
}

/** Decoded body → event → schema → handlers, for requests and the inbox worker; sets `request.magnetisEvent`. Rejects with {MalformedBodyError} (400), {InvalidEventError} (422) or {HandlerError} (500), the last two after `onError` */
export function handleEvent (route: WebhookRoute, body: ReadBody, request: FastifyRequest, context: WebhookContext): Promise<void> {
  const { options } = route
  const sets = options.handlerSets
  let result: ReadEventResult
  try {
    const json = body.json
    const decodeForm = (): Record<string, unknown> => unflattenPairs(body.pairs, { maxDepth: route.maxDepth })
    // A form body is decoded for this delivery alone, so its event may be made from it in place.
    result = json === undefined
      ? readEvent(decodeForm(), 'form', route, { decodeAgain: decodeForm })
      : readEvent(json, body.encoding, route, { forbiddenKeys: body.forbiddenKeys !== false })
  } catch (error) {
    return Promise.reject(error)
  }
  if (!result.ok) return refuseEvent(sets, result, request, context)
  const event = result.event
  request.magnetisEvent = event

  const alsoAs = routedTestEvent(event, options.dispatchTestEvents === true)
  const warned = route.unhandledWarned
  if (route.warnUnhandled && !warned.has(event.name) && warned.size < MAX_WARNED_NAMES &&
    handlerCount(sets, event.name) + (alsoAs === undefined ? 0 : handlerCount(sets, alsoAs.name)) === 0) {
    warned.add(event.name)
    context.log.warn(eventField(context, event.name), 'fastify-magnetis-webhooks: no handler for this event; it is acknowledged and dropped (warned once per event name)')
  }
  return dispatchEvent(sets, event, request, alsoAs, context)
}

/** A signed event that failed its schema: logged, shown to `onError`, then the 422. */
async function refuseEvent (sets: CheckedRouteOptions['handlerSets'], result: Extract<ReadEventResult, { ok: false }>, request: FastifyRequest, context: WebhookContext): Promise<never> {
  context.log.warn({ ...eventField(context, result.event.name), errors: result.error.errors }, 'fastify-magnetis-webhooks: a signed event failed its schema')
  await reportError(sets, result.error, result.event, request, context)
  throw result.error
}

function routedTestEvent (event: AnyWebhookEvent, enabled: boolean): AnyWebhookEvent | undefined {
  if (!enabled || event.name !== 'test' || event.resource === undefined) return undefined
  return { ...event, name: TEST_EVENT_TARGETS[event.resource] } as AnyWebhookEvent
}

function isUsableKey (key: SignatureKeys | undefined): key is SignatureKeys {
  if (typeof key === 'string') return key.length > 0
  return Array.isArray(key) && key.length > 0 && key.every((candidate) => typeof candidate === 'string' && candidate.length > 0)
}

/** The event's name for a log line, unless the logger already carries it (the inbox worker's is bound to its row and event). */
function eventField (context: WebhookContext, name: string): { event?: string } {
  return context.deliveryId === undefined ? { event: name } : {}
}
