/**
 * The verifying preHandler of a webhook route: raw body → pairs → signature
 * check → event object → schema → handlers. Nothing is decoded or dispatched
 * before the signature matches; nothing signed is dropped without reaching
 * a handler or `onError`.
 */
import type { FastifyRequest } from 'fastify'
import { bodyEncodingOf } from './body/media-types.js'
import { parseJsonObject, readBody, type ReadBody } from './body/read.js'
import { unflattenPairs } from './signature/unflatten.js'
import { dispatchEvent, handlerCount, reportError } from './events/handlers.js'
import { NoSignatureKeyError } from './errors.js'
import { DEFAULT_DIAGNOSES_PER_MINUTE, DiagnosisBudget, diagnoseSignatureFailure } from './diagnosis/signature-failure.js'
import { readEvent, type EventReader } from './events/read.js'
import type { CheckedRouteOptions } from './options.js'
import { kRawBody } from './body/capture.js'
import { SIGNATURE_HEADER, verifySignature, type SignatureKeys } from './signature/sign.js'
import type { AnyWebhookEvent } from './events/types.js'

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
}

/** Creates the preHandler that verifies and dispatches for one route. */
export function receiveWebhook (route: WebhookRoute) {
  const { options } = route
  const sets = options.handlerSets
  const unhandledWarned = new Set<string>()
  const diagnoses = new DiagnosisBudget(options.diagnosisPerMinute ?? DEFAULT_DIAGNOSES_PER_MINUTE)

  return async function verifyMagnetisWebhook (request: FastifyRequest): Promise<void> {
    // Set by the capture hook, which runs before this one on every webhook route (or fails the request).
    const rawBody = request[kRawBody] as Buffer
    // Released as soon as it is read: nothing keeps raw bodies alive.
    request[kRawBody] = undefined
    const contentType = request.headers['content-type']
    const body = readSignedBody(rawBody, contentType, route)

    // Static values (the common case) cost no promise; resolvers may be async.
    const key = typeof options.key === 'function' ? await options.key(request) : options.key
    const url = typeof options.url === 'function' ? await options.url(request) : options.url
    if (!isUsableKey(key)) throw new NoSignatureKeyError()
    if (typeof url !== 'string' || url === '') {
      throw new TypeError('fastify-magnetis-webhooks: the "url" resolver must give the endpoint URL as a non-empty string')
    }
    const signature = request.headers[SIGNATURE_HEADER]
    // A JSON body whose integer literals may stand for PHP floats is also read so (docs/signature-rule.md, "Numbers").
    if (!verifySignature({ key, url, payload: body.pairs, signature }) &&
      !(body.alternatives ?? []).some((pairs) => verifySignature({ key, url, payload: pairs, signature }))) {
      const input = { url, receivedUrl: `${request.protocol}://${request.host}${request.url}`, signature: String(signature), contentType, rawBody, key }
      throw diagnoseSignatureFailure(request, input, diagnoses)
    }

    const payload = body.json ?? unflattenPairs(body.pairs, { maxDepth: route.maxDepth })
    const result = readEvent(payload, body.encoding, route)
    if (!result.ok) {
      request.log.warn({ event: result.event.name, errors: result.error.errors }, 'fastify-magnetis-webhooks: a signed event failed its schema')
      await reportError(sets, result.error, result.event, request)
      throw result.error
    }
    const event = result.event
    request.magnetisEvent = event

    const alsoAs = routedTestEvent(event, options.dispatchTestEvents === true)
    if (route.warnUnhandled && handlerCount(sets, event.name) + (alsoAs === undefined ? 0 : handlerCount(sets, alsoAs.name)) === 0 &&
      !unhandledWarned.has(event.name) && unhandledWarned.size < MAX_WARNED_NAMES) {
      unhandledWarned.add(event.name)
      request.log.warn({ event: event.name }, 'fastify-magnetis-webhooks: no handler for this event; it is acknowledged and dropped (warned once per event name)')
    }
    await dispatchEvent(sets, event, request, alsoAs)
    request.log.debug({ event: event.name, resource: event.resource }, 'fastify-magnetis-webhooks: webhook verified and dispatched')
  }
}

function readSignedBody (rawBody: Buffer, contentType: string | undefined, route: WebhookRoute): ReadBody {
  const custom = route.options.pairsFromBody
  if (custom === undefined) return readBody(rawBody, contentType, route.maxDepth)
  const pairs = Array.from(custom(rawBody, contentType))
  const encoding = bodyEncodingOf(contentType)
  // The user's pairs decide what is signed; the event is still decoded from the raw body as sent.
  if (encoding === 'json') return { encoding, pairs, json: parseJsonObject(rawBody.toString('utf8')) }
  return { encoding: 'form', pairs }
}

function routedTestEvent (event: AnyWebhookEvent, enabled: boolean): AnyWebhookEvent | undefined {
  if (!enabled || event.name !== 'test' || event.resource === undefined) return undefined
  return { ...event, name: TEST_EVENT_TARGETS[event.resource] } as AnyWebhookEvent
}

function isUsableKey (key: SignatureKeys | undefined): key is SignatureKeys {
  if (typeof key === 'string') return key.length > 0
  return Array.isArray(key) && key.length > 0 && key.every((candidate) => typeof candidate === 'string' && candidate.length > 0)
}
