/**
 * The event object handed to handlers, and the handler signatures. Every type
 * derives from `EVENT_RESOURCES` in events.ts, so adding an event there types
 * its handler everywhere.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify'
import type { EVENT_RESOURCES, ResourceName } from './names.js'
import type { Call, Email, Lead, ResourceData } from './schemas/index.js'

/** A documented production event name: `call:completed`, `call:missed`, `call:ringing`, `email:received`, `lead:created`. */
export type ProductionEventName = keyof typeof EVENT_RESOURCES

interface EventBase<Name extends string> {
  /** the `event` field of the payload, e.g. `call:completed` */
  name: Name
  /** the whole decoded body as signed: `{ event, data, …any extra fields }` */
  payload: Record<string, unknown>
  /** `true` when the vendor's test panel sent it (`event: "test"`), also when `dispatchTestEvents` routes it to a production handler */
  test: boolean
}

/** A verified production event: `data` has passed its resource's schema. */
export interface ProductionEvent<Name extends ProductionEventName = ProductionEventName> extends EventBase<Name> {
  resource: typeof EVENT_RESOURCES[Name]
  data: ResourceData[typeof EVENT_RESOURCES[Name]]
}

/**
 * A verified `test` event from the vendor's test panel. `resource` is inferred
 * from `data` (README: "Test events"); when no rule matches it is `undefined`
 * and `data` was not validated.
 */
export type TestEvent =
  | (EventBase<'test'> & { resource: 'call', data: Call })
  | (EventBase<'test'> & { resource: 'email', data: Email })
  | (EventBase<'test'> & { resource: 'lead', data: Lead })
  | (EventBase<'test'> & { resource: undefined, data: Record<string, unknown> })

/**
 * A verified event whose name the vendor page does not document (a future
 * event). Its `data` is the decoded object, checked only to be an object;
 * `resource` is the part of the name before `:` when it names a resource.
 */
export interface OtherEvent extends EventBase<string> {
  resource: ResourceName | undefined
  data: Record<string, unknown>
}

/** The event a handler of `Name` receives. */
export type WebhookEvent<Name extends string = string> =
  Name extends ProductionEventName ? ProductionEvent<Name>
    : Name extends 'test' ? TestEvent
      : OtherEvent

/**
 * Any verified event (`onAny`, `request.magnetisEvent`). Comparing `name`
 * does not narrow `data`: a future event (`OtherEvent`) may carry any name,
 * so after `event.name === 'call:completed'` the data is still
 * `Call | Record<string, unknown>`. For typed data, use the event's own
 * handler (`onCallCompleted`, `webhooks.on('call:completed', …)`).
 */
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

/**
 * An `onError` handler: receives a `HandlerError` (500: `errors` lists every
 * handler failure) with the event, or an `InvalidEventError` (422: the data
 * failed its schema) with the unvalidated event, so nothing signed is lost.
 * With an inbox it hears every failed attempt (`context.attempt`,
 * `context.lastAttempt`), and the inbox's own failures (`InboxDeliveryError`).
 * What it throws is logged, never replied.
 */
export type WebhookErrorHandler = (error: Error, event: UnvalidatedEvent | AnyWebhookEvent, request: FastifyRequest, context: WebhookContext) => unknown

/** A signed event whose data did not pass its schema: everything the vendor sent, unchecked. */
export interface UnvalidatedEvent extends EventBase<string> {
  resource: ResourceName | undefined
  data: unknown
}
