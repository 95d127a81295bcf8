// Decoded body → one verified event: the envelope `{ "event", "data" }` (vendor page, sample), the event's resource, its schema.
import type { BodyEncoding } from '../body/media-types.js'
import { dropForbiddenKeys } from '../signature/unflatten.js'
import { InvalidEventError, MalformedBodyError } from '../errors.js'
import { EVENT_RESOURCES, resourceOfEvent, type EventName, type ResourceName } from './names.js'
import { shapeBySchema, type ResourceValidator } from './validate.js'
import { WebhookEnvelope } from './schemas/envelope.js'
import type { AnyWebhookEvent, UnvalidatedEvent } from './types.js'

/** How one route turns a decoded body into an event. */
export interface EventReader {
  validator: ResourceValidator
  inferTestResource: (data: Record<string, unknown>) => ResourceName | undefined
}

/** The outcome of readEvent: a valid event, or a signed one that failed its schema (422), kept whole for `onError`. */
export type ReadEventResult =
  | { ok: true, event: AnyWebhookEvent }
  | { ok: false, error: InvalidEventError, event: UnvalidatedEvent }

/** How `readEvent` may treat a decoded body: `forbiddenKeys: false` when it is known to hold none of FORBIDDEN_KEYS (JSON is walked otherwise); `decodeAgain` for a body it may change, which gives the same body anew for a 422. */
export interface ReadEventOptions {
  forbiddenKeys?: boolean
  decodeAgain?: () => Record<string, unknown>
}

/**
 * Builds the event from a decoded body (JSON, or `unflattenPairs`' output), dropping prototype keys from JSON as forms do (docs/design.md, "Form bodies"); `data` that is no object fails like a schema (422).
 * @throws {MalformedBodyError} (400) when `event` is missing, empty or not a string: not a webhook
 */
export function readEvent (payload: Record<string, unknown>, encoding: BodyEncoding, reader: EventReader, options: ReadEventOptions = {}): ReadEventResult {
  if (options.forbiddenKeys ?? encoding === 'json') dropForbiddenKeys(payload)
  const { name, data } = readEnvelope(payload, encoding)
  const test = name === 'test'
  if (typeof data !== 'object' || data === null) {
    const errors = [{ path: '', message: 'data must be an object' }]
    return { ok: false, error: new InvalidEventError(name, payload, errors), event: { name, payload, test, resource: resourceOfEvent(name), data } }
  }
  const resource = test ? reader.inferTestResource(data as Record<string, unknown>) : resourceOfEvent(name)
  // Only documented events and test samples have a schema we can hold the vendor to; a future event passes as it came.
  if (resource === undefined || !(test || Object.hasOwn(EVENT_RESOURCES, name))) {
    return { ok: true, event: { name, payload, test, resource, data } as AnyWebhookEvent }
  }
  const { decodeAgain } = options
  const prepared = reader.validator.prepare(resource, data, encoding, decodeAgain !== undefined)
  if (!prepared.ok) {
    // A body changed in place is decoded anew, so onError sees it as it came (as a copy would have kept it).
    const original = decodeAgain === undefined ? payload : decodeAgain()
    const originalData = decodeAgain === undefined ? data : readEnvelope(original, encoding).data
    return { ok: false, error: new InvalidEventError(name, original, prepared.errors), event: { name, payload: original, test, resource, data: originalData } }
  }
  payload.data = prepared.data
  return { ok: true, event: { name, payload, test, resource, data: prepared.data } as AnyWebhookEvent }
}

/**
 * The envelope of a decoded body: its event name, and `data` (`{}` when absent; a PHP `[]` read as `{}`), not yet checked to be an object.
 * @throws {MalformedBodyError} (400) when `event` is missing, empty or not a string: not a webhook
 */
export function readEnvelope (payload: Record<string, unknown>, encoding: BodyEncoding): { name: string, data: unknown } {
  const name = payload.event
  if (typeof name !== 'string' || name === '') {
    throw new MalformedBodyError('the body has no "event" name: expected {"event": "call:completed", "data": {…}}')
  }
  // PHP's json_encode writes an empty map as []: `data: []` is `{}`.
  shapeBySchema(WebhookEnvelope, payload, encoding === 'form')
  return { name, data: payload.data ?? {} }
}

/** Narrows an event (e.g. `request.magnetisEvent`) to the documented event `name`, whose data passed that name's schema; `event.name === …` cannot, as a future event may carry any name. */
export function isWebhookEvent<Name extends EventName> (event: AnyWebhookEvent | null | undefined, name: Name): event is Extract<AnyWebhookEvent, { name: Name }> {
  return event != null && event.name === name
}
