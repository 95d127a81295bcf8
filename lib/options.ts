/**
 * Route options: their types and their check at start-up. A route is
 * refused at registration (so `ready()` rejects) rather than served with a
 * missing key or URL: a webhook endpoint that verifies nothing is an open door.
 */
import type { TSchema } from '@sinclair/typebox'
import type { FastifyRequest, RouteGenericInterface } from 'fastify'
import { MagnetisWebhooks } from './events/handlers.js'
import { ConfigurationError } from './errors.js'
import { HANDLER_OPTIONS, type ResourceName } from './events/names.js'
import type { Pair } from './signature/flatten.js'
import type { SignatureKeys } from './signature/sign.js'
import type { InboxStore } from './inbox/store.js'
import type { AnyWebhookHandler, WebhookErrorHandler, WebhookHandler } from './events/types.js'

/**
 * What a resolver knows of its route unless told more: the path parameters,
 * as the router gives them (strings; a `params` schema may convert them: then
 * name the route's types, as in `WebhookRouteOptions<{ Params: { id: number } }>`).
 */
export interface WebhookRouteGeneric extends RouteGenericInterface {
  Params: Record<string, string>
}

/**
 * A value, or a function of the request that gives it (sync or async): one
 * route can serve many tenants. Declared as a method so that a resolver may
 * name its own request type (`FastifyRequest<{ Params: { account: string } }>`).
 */
export type Resolvable<T, RouteGeneric extends RouteGenericInterface = WebhookRouteGeneric> =
  T | { resolve (request: FastifyRequest<RouteGeneric>): T | Promise<T> }['resolve']

/**
 * Options of one webhook route: the shorthand route (`path`) and every route
 * with `config.magnetis`. `RouteGeneric` types the request the `url` and
 * `key` resolvers receive (default: string path parameters).
 */
export interface WebhookRouteOptions<RouteGeneric extends RouteGenericInterface = WebhookRouteGeneric> {
  /**
   * The endpoint URL exactly as typed in the vendor's interface ("Webhook
   * Configuration" > "Endpoint"): the first part of the signature base string,
   * never normalised nor rebuilt from the incoming request (behind a proxy,
   * scheme, host and port differ). Required.
   */
  url: Resolvable<string, RouteGeneric>
  /**
   * The webhook's signature key ("Getting Your Webhook Signature Key"), or a
   * list during a key reset (any one may match). A function may return
   * `undefined` for an unknown tenant: the request is then refused with 401.
   * Required; an empty key or list is refused at start-up.
   */
  key: Resolvable<SignatureKeys | undefined, RouteGeneric>
  /**
   * The largest raw body accepted, in bytes; larger ones get 413. Default:
   * the route's `bodyLimit`, else Fastify's (1 MiB). On a route with
   * `config.magnetis` it also becomes the route's own `bodyLimit`, so the
   * route's parser accepts the same bytes.
   */
  bodyLimit?: number
  /**
   * A handler set shared with other routes; its handlers run after this
   * route's own (`onCallCompleted`, …, `onAny`) in each phase. It is read at
   * each delivery, so handlers added to it after registration run too.
   */
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
  /** Receives handler failures (500) and schema failures (422) with the event. */
  onError?: WebhookErrorHandler
  /**
   * Also run the production handlers for `test` events: a test CALL goes to
   * `call:completed` handlers, EMAIL to `email:received`, LEAD to
   * `lead:created` (the event keeps `test: true`). Default `false`.
   */
  dispatchTestEvents?: boolean
  /**
   * Replaces step 2 of the signature rule: the POST variables read from the
   * raw body (`Buffer`) and `Content-Type`. Throw a `MagnetisWebhookError`
   * subclass to reply with its status. Default: `pairsFromBody`.
   */
  pairsFromBody?: (rawBody: Buffer, contentType: string | undefined) => Iterable<Pair>
  /** Replaces the TypeBox schema of a resource (`call`, `email`, `lead`). */
  schemas?: Partial<Record<ResourceName, TSchema>>
  /** Replaces the rule that names the resource of a `test` event from its data. */
  inferTestResource?: (data: Record<string, unknown>) => ResourceName | undefined
  /** How deep a body may nest (JSON objects, form brackets); deeper is 400. Default 32. */
  maxDepth?: number
  /**
   * Store each verified delivery before replying 200, and run the handlers
   * from the store, with retries (`sqliteInbox({ file })`,
   * `postgresInbox({ connectionString })`; docs/readme/inbox.md). The
   * plugin then replies itself (the route's own handler does not run);
   * 503 when the row cannot be committed. Default: none, the handlers run
   * in the request.
   */
  inbox?: InboxStore
}

/**
 * Plugin options. With `path`, the plugin creates `POST path` with these
 * route options. Without, it only wires the routes that carry
 * `config: { magnetis: WebhookRouteOptions }`.
 */
export type MagnetisWebhooksOptions = (WebhookRouteOptions & { path: string }) | { path?: undefined }

/** Every option of a webhook route (`path` is the plugin's own, checked apart). */
const ROUTE_OPTION_NAMES: ReadonlySet<string> = new Set([
  'url', 'key', 'bodyLimit', 'webhooks', ...Object.keys(HANDLER_OPTIONS), 'onAny', 'onError',
  'dispatchTestEvents', 'pairsFromBody', 'schemas', 'inferTestResource', 'maxDepth', 'inbox'
])

/** What checkRouteOptions guarantees: a usable URL and key (or resolvers), and the handler sets to dispatch to; for any route's request type. */
export interface CheckedRouteOptions extends WebhookRouteOptions<any> {
  /** the route's own handlers (from its `on…` options), then the shared `webhooks` set if any; read live at each delivery */
  handlerSets: readonly MagnetisWebhooks[]
}

/**
 * Checks one route's options and gathers its handlers.
 * @param where names the route in error messages
 * @throws {ConfigurationError} for a missing URL or key, an empty key or key list, a bad body limit or handler
 */
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
