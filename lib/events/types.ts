// Event and handler types, derived from `EVENT_RESOURCES` (names.ts): adding an event there types its handler everywhere.
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { EVENT_RESOURCES, ResourceName } from './names.js'
import type { Call, Email, Lead, ResourceData } from './schemas/index.js'

/** A documented production event name: `call:completed`, `call:missed`, `call:ringing`, `email:received`, `lead:created`. */
export type ProductionEventName = keyof typeof EVENT_RESOURCES

// `payload` is the whole decoded body as signed; `test` is true for the vendor's test panel, also when routed to production handlers.
interface EventBase<Name extends string> {
  name: Name
  payload: Record<string, unknown>
  test: boolean
}

/** A verified production event: `data` has passed its resource's schema. */
export interface ProductionEvent<Name extends ProductionEventName = ProductionEventName> extends EventBase<Name> {
  resource: typeof EVENT_RESOURCES[Name]
  data: ResourceData[typeof EVENT_RESOURCES[Name]]
}

/** A `test` event: `resource` is inferred from `data` (README, "Test events"); `undefined` when no rule matches, and then `data` is unchecked. */
export type TestEvent =
  | (EventBase<'test'> & { resource: 'call', data: Call })
  | (EventBase<'test'> & { resource: 'email', data: Email })
  | (EventBase<'test'> & { resource: 'lead', data: Lead })
  | (EventBase<'test'> & { resource: undefined, data: Record<string, unknown> })

/** An event the vendor page does not document (a future one): `data` is only checked to be an object. */
export interface OtherEvent extends EventBase<string> {
  resource: ResourceName | undefined
  data: Record<string, unknown>
}

/** The event a handler of `Name` receives. */
export type WebhookEvent<Name extends string = string> =
  Name extends ProductionEventName ? ProductionEvent<Name>
    : Name extends 'test' ? TestEvent
      : OtherEvent

/** Any verified event (`onAny`, `request.magnetisEvent`); narrow it with `isWebhookEvent`, since a future event may carry any name. */
export type AnyWebhookEvent = { [Name in ProductionEventName]: ProductionEvent<Name> }[ProductionEventName] | TestEvent | OtherEvent

/**
 * What a handler knows of the delivery beyond the event: its third argument
 * (and `onError`'s fourth). With an inbox (docs/readme/inbox.md) it names the
 * stored row and the attempt; without one, the delivery is the request.
 */
export interface WebhookContext {
  /** the inbox row id: the same on every retry and replay of one delivery, an idempotency key for your own writes; `undefined` without an inbox */
  deliveryId: string | undefined
  /** this attempt's number, from 1; always 1 without an inbox */
  attempt: number
  /** `true` when a failure now is final: the last allowed attempt, or no inbox (nothing retries) */
  lastAttempt: boolean
  /** when the plugin received the delivery */
  receivedAt: Date
  /** the route's params (`{ tenant: 'acme' }` on `/webhooks/:tenant`), as received */
  params: Record<string, string>
  /** the request's logger, or with an inbox the app's, bound to the row id and event name */
  log: FastifyBaseLogger
}

/**
 * A handler: runs after the signature is verified and the data validated.
 * Its return value is ignored; a throw or rejection makes the reply 500
 * (with an inbox: a retry) and reaches `onError`. With an inbox, `request`
 * is a stand-in built from the stored row (docs/readme/inbox.md).
 */
export type WebhookHandler<Name extends string = string> =
  (event: WebhookEvent<Name>, request: FastifyRequest, context: WebhookContext) => unknown

/** An `onAny` handler: runs after the event's own handlers, for every verified event. */
export type AnyWebhookHandler = (event: AnyWebhookEvent, request: FastifyRequest, context: WebhookContext) => unknown

/** Receives a `HandlerError` (500; with an inbox, each failed attempt) or an `InvalidEventError` (422) with the unvalidated event; what it throws is logged. */
export type WebhookErrorHandler = (error: Error, event: UnvalidatedEvent | AnyWebhookEvent, request: FastifyRequest, context: WebhookContext) => unknown

/** A signed event whose data did not pass its schema: everything the vendor sent, unchecked. */
export interface UnvalidatedEvent extends EventBase<string> {
  resource: ResourceName | undefined
  data: unknown
}
