import type { TSchema } from '@sinclair/typebox'
import type { FastifyRequest, RouteGenericInterface } from 'fastify'
import { MagnetisWebhooks } from './events/handlers.js'
import { ConfigurationError } from './errors.js'
import { HANDLER_OPTIONS, type ResourceName } from './events/names.js'
import type { Pair } from './signature/flatten.js'
import type { SignatureKeys } from './signature/sign.js'
import type { InboxStore } from './inbox/store.js'
import type { AnyWebhookHandler, WebhookErrorHandler, WebhookHandler } from './events/types.js'

/** A resolver's default route types: string path params; with a converting `params` schema, name yours (`WebhookRouteOptions<{ Params: { id: number } }>`). */
export interface WebhookRouteGeneric extends RouteGenericInterface {
  Params: Record<string, string>
}

/** A value, or a (sync or async) function of the request giving it, so one route serves many tenants; a method type so a resolver may name its own request type. */
export type Resolvable<T, RouteGeneric extends RouteGenericInterface = WebhookRouteGeneric> =
  T | { resolve (request: FastifyRequest<RouteGeneric>): T | Promise<T> }['resolve']

/** Options of one webhook route (the `path` shorthand or `config.magnetis`); `RouteGeneric` types the request the `url` and `key` resolvers get. */
export interface WebhookRouteOptions<RouteGeneric extends RouteGenericInterface = WebhookRouteGeneric> {
  /** Required. The endpoint URL exactly as typed at the vendor ("Webhook Configuration" > "Endpoint"), signed as is: never normalised nor rebuilt from the request. */
  url: Resolvable<string, RouteGeneric>
  /** Required. The signature key ("Getting Your Webhook Signature Key"), or a list during a reset (any may match); `undefined` from a function → 401; empty → start-up error. */
  key: Resolvable<SignatureKeys | undefined, RouteGeneric>
  /** Largest raw body in bytes, else 413; default the route's `bodyLimit`, else Fastify's (1 MiB); with `config.magnetis` it also sets the route's `bodyLimit`. */
  bodyLimit?: number
  /** A handler set shared with other routes, run after this route's own in each phase; read at each delivery, so later additions run too. */
  webhooks?: MagnetisWebhooks
  /** `call:completed`: "At the end of a call". */
  onCallCompleted?: WebhookHandler<'call:completed'>
  /** `call:missed`: "When a call is missed". */
  onCallMissed?: WebhookHandler<'call:missed'>
  /** `call:ringing`: "When a call is ringing". */
  onCallRinging?: WebhookHandler<'call:ringing'>
  /** `email:received`: "When an email is received". */
  onEmailReceived?: WebhookHandler<'email:received'>
  /** `lead:created`: "When a lead is created". */
  onLeadCreated?: WebhookHandler<'lead:created'>
  /** `test`: sent from the vendor's test panel with sample CALL, EMAIL or LEAD data. */
  onTest?: WebhookHandler<'test'>
  /** Runs for every verified event, after its own handlers. */
  onAny?: AnyWebhookHandler
  /** Receives handler failures (500) and schema failures (422) with the event; with an inbox, every failed attempt (its context says which). */
  onError?: WebhookErrorHandler
  /** Also run production handlers for `test` events (CALL → `call:completed`, EMAIL → `email:received`, LEAD → `lead:created`; `test: true` kept). Default `false`. */
  dispatchTestEvents?: boolean
  /** Replaces step 2 of the signature rule (raw body + `Content-Type` → POST variables); throw a `MagnetisWebhookError` to reply its status. Default `pairsFromBody`. */
  pairsFromBody?: (rawBody: Buffer, contentType: string | undefined) => Iterable<Pair>
  /** Replaces the TypeBox schema of a resource (`call`, `email`, `lead`); `ready()` rejects (TypeError) one with an object `default` or `absentAs` that `structuredClone` cannot copy (docs/validation.md, "Replacement schemas"). */
  schemas?: Partial<Record<ResourceName, TSchema>>
  /** Replaces the rule that names the resource of a `test` event from its data. */
  inferTestResource?: (data: Record<string, unknown>) => ResourceName | undefined
  /** How deep a body may nest (JSON objects, form brackets); deeper is 400. Default 32. */
  maxDepth?: number
  /** Signature failures per minute diagnosed (likeliest mistake logged at info; the rest counted). Default 10; 0 turns it off. */
  diagnosisPerMinute?: number
  /** Store each verified delivery before the 200 and run handlers from it with retries (`sqliteInbox`, `postgresInbox`; docs/never-lose-an-event.md); the plugin then replies itself (the route handler does not run), 503 if not committed. Default: none, handlers run in the request. */
  inbox?: InboxStore
}

/** Plugin options: with `path`, creates `POST path` with these route options; without, wires only routes with `config: { magnetis: WebhookRouteOptions }`. */
export type MagnetisWebhooksOptions = (WebhookRouteOptions & { path: string }) | { path?: undefined }

/** Every option of a webhook route (`path` is the plugin's own, checked apart). */
const ROUTE_OPTION_NAMES: ReadonlySet<string> = new Set([
  'url', 'key', 'bodyLimit', 'webhooks', ...Object.keys(HANDLER_OPTIONS), 'onAny', 'onError',
  'dispatchTestEvents', 'pairsFromBody', 'schemas', 'inferTestResource', 'maxDepth', 'diagnosisPerMinute', 'inbox'
])

/** What checkRouteOptions guarantees: a usable URL and key (or resolvers), and the handler sets to dispatch to; for any route's request type. */
export interface CheckedRouteOptions extends WebhookRouteOptions<any> {
  /** the route's own handlers (from its `on…` options), then the shared `webhooks` set if any; read live at each delivery */
  handlerSets: readonly MagnetisWebhooks[]
}

/** Checks one route's options (`where` names it in errors) and gathers its handlers. @throws {ConfigurationError} for a missing URL or key, an empty key or list, a bad limit or handler */
export function checkRouteOptions (options: WebhookRouteOptions, where: string): CheckedRouteOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(`${where}: the webhook options must be an object with "url" and "key"`)
  }
  // A misspelt handler (onCallComplete) would otherwise acknowledge and drop every such event.
  const unknown = Object.keys(options).filter((name) => !ROUTE_OPTION_NAMES.has(name))
  if (unknown.length > 0) {
    throw new ConfigurationError(`${where}: unknown option${unknown.length === 1 ? '' : 's'} ${unknown.map((name) => JSON.stringify(name)).join(', ')}; ` +
      `the options are ${[...ROUTE_OPTION_NAMES].join(', ')}`)
  }
  checkUrl(options.url, where)
  checkKey(options.key, where)
  if (options.bodyLimit !== undefined && !(Number.isSafeInteger(options.bodyLimit) && options.bodyLimit > 0)) {
    throw new ConfigurationError(`${where}: "bodyLimit" must be a positive whole number of bytes`)
  }
  if (options.maxDepth !== undefined && !(Number.isSafeInteger(options.maxDepth) && options.maxDepth > 0)) {
    throw new ConfigurationError(`${where}: "maxDepth" must be a positive whole number`)
  }
  if (options.diagnosisPerMinute !== undefined && !(Number.isSafeInteger(options.diagnosisPerMinute) && options.diagnosisPerMinute >= 0)) {
    throw new ConfigurationError(`${where}: "diagnosisPerMinute" must be a whole number, 0 or more`)
  }
  if (options.inbox !== undefined && !isInboxStore(options.inbox)) {
    throw new ConfigurationError(`${where}: "inbox" must be an inbox store such as sqliteInbox({ file: 'var/magnetis-inbox.db' }) or postgresInbox({ connectionString })`)
  }
  if (options.webhooks !== undefined && !(options.webhooks instanceof MagnetisWebhooks)) {
    throw new ConfigurationError(`${where}: "webhooks" must be a MagnetisWebhooks instance`)
  }

  const webhooks = new MagnetisWebhooks()
  try {
    for (const [option, eventName] of Object.entries(HANDLER_OPTIONS)) {
      const handler = options[option as keyof typeof HANDLER_OPTIONS]
      if (handler !== undefined) webhooks.on(eventName, handler as WebhookHandler<string>)
    }
    if (options.onAny !== undefined) webhooks.onAny(options.onAny)
    if (options.onError !== undefined) webhooks.onError(options.onError)
  } catch (error) {
    throw new ConfigurationError(`${where}: ${(error as Error).message.replace('fastify-magnetis-webhooks: ', '')}`)
  }
  // The shared set is kept by reference, not copied: handlers added to it after registration must run too.
  const handlerSets = options.webhooks === undefined ? [webhooks] : [webhooks, options.webhooks]
  return { ...options, handlerSets }
}

function checkUrl (url: unknown, where: string): void {
  if (typeof url === 'function') return
  if (typeof url !== 'string' || url.length === 0) {
    throw new ConfigurationError(`${where}: "url" is required: set it to the endpoint URL exactly as typed in the Magnétis interface (API & Connectors > Webhooks). ` +
      'It is signed as typed, so it is never rebuilt from the incoming request.')
  }
  // The vendor posts to what was typed, so it is absolute; a path alone (the route's own) never verifies.
  if (!URL.canParse(url)) {
    throw new ConfigurationError(`${where}: "url" must be the absolute endpoint URL exactly as typed in the Magnétis interface, such as ` +
      `https://shop.example/webhooks/magnetis, not ${JSON.stringify(url)}`)
  }
}

function checkKey (key: unknown, where: string): void {
  if (typeof key === 'function') return
  const keys = Array.isArray(key) ? key : [key]
  if (keys.some((candidate) => candidate !== undefined && typeof candidate !== 'string')) {
    throw new ConfigurationError(`${where}: "key" must be a string, a list of strings or a function of the request; got ${keys.map((candidate) => typeof candidate).join(', ')}`)
  }
  if (keys.length === 0 || keys.some((candidate) => typeof candidate !== 'string' || candidate.trim().length === 0)) {
    throw new ConfigurationError(`${where}: "key" is missing or empty: set it to the webhook's signature key ` +
      '(Magnétis: API & Connectors > Webhooks > your webhook), e.g. from process.env.MAGNETIS_KEY; a blank one is refused too. Requests are never accepted unverified.')
  }
}

const STORE_METHODS = ['open', 'close', 'insert', 'claim', 'renew', 'complete', 'retry', 'dead', 'invalid', 'list', 'get', 'replay', 'prune'] as const

function isInboxStore (value: unknown): value is InboxStore {
  return value !== null && typeof value === 'object' && STORE_METHODS.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
}

/** True when a key has leading or trailing white space, the commonest copy-paste mistake. */
export function hasStrayWhitespace (key: SignatureKeys | undefined): boolean {
  const keys = typeof key === 'string' ? [key] : key ?? []
  return keys.some((candidate) => candidate !== candidate.trim())
}
