/**
 * Registration: the request decoration, the hooks that make every route
 * carrying `config.magnetis` a webhook endpoint, and the shorthand `path`
 * route. Everything per request lives in raw-body.ts and receive.ts.
 *
 * The raw-body capture and the verification are instance hooks of the scope
 * the plugin is registered in (with fastify-plugin, usually the root), and
 * they act on routes whose config carries `magnetis`. Route-level hooks added
 * from an `onRoute` hook would miss every route declared before that hook
 * exists: with `app.register(plugin)` not awaited, or a route declared first,
 * the route would be served unverified. Instance hooks reach those routes
 * too; `onRoute` is kept for what must happen at start-up (the option
 * check, so that `ready()` rejects, and the warnings).
 */
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Readable } from 'node:stream'
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE } from './body/media-types.js'
import { ConfigurationError } from './errors.js'
import { DEFAULT_MAX_DEPTH } from './signature/flatten.js'
import { checkRouteOptions, hasStrayWhitespace, type MagnetisWebhooksOptions, type WebhookRouteOptions } from './options.js'
import { captureRawBody } from './body/capture.js'
import { receiveWebhook, type InboxReceipt, type WebhookRoute } from './receive.js'
import { createIntake } from './inbox/intake.js'
import { InboxWorker } from './inbox/worker.js'
import type { InboxStore } from './inbox/store.js'
import { createResourceValidator, inferTestResource, type ResourceValidator } from './events/validate.js'
import type { AnyWebhookEvent } from './events/types.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified event on a Magnétis webhook route (set before the route's handler runs); `null` elsewhere. */
    magnetisEvent: AnyWebhookEvent | null
  }
  interface FastifyContextConfig {
    /** Makes this route a Magnétis webhook endpoint: raw-body capture and signature verification before its handler. */
    magnetis?: WebhookRouteOptions
  }
}

/** Marks the shorthand route, whose scope reads any media type itself. */
const kShorthand = Symbol('fastify-magnetis-webhooks.shorthand')

function isShorthand (config: unknown): boolean {
  return (config as Record<symbol, unknown> | undefined)?.[kShorthand] === true
}


let builtInValidator: ResourceValidator | undefined

/** The validator of the built-in schemas, compiled once for every route that does not replace them (many tenants, many routes). */
function defaultValidator (): ResourceValidator {
  builtInValidator ??= createResourceValidator()
  return builtInValidator
}

/** One webhook route made ready to serve: its two hooks, and with an inbox the worker of its store. */
interface ServedRoute {
  capture: (request: FastifyRequest, reply: FastifyReply, payload: Readable) => Promise<Readable>
  verify: (request: FastifyRequest) => Promise<InboxReceipt | undefined>
  route: WebhookRoute
  worker: InboxWorker | undefined
}

/** The inbox workers of one plugin scope: one per store, started at `ready()`, stopped at `close()`. */
class InboxWorkers {
  readonly #workers = new Map<InboxStore, InboxWorker>()
  readonly #app: FastifyInstance
  #started = false

  constructor (app: FastifyInstance) {
    this.#app = app
  }

  /** @throws {ConfigurationError} for bad settings on the store */
  for (store: InboxStore): InboxWorker {
    let worker = this.#workers.get(store)
    if (worker === undefined) {
      worker = new InboxWorker(store, this.#app)
      this.#workers.set(store, worker)
    }
    return worker
  }

  async start (): Promise<void> {
    this.#started = true
    await Promise.all([...this.#workers.values()].map((worker) => worker.start()))
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    await Promise.all([...this.#workers.values()].map((worker) => worker.stop()))
  }
}

/**
 * The webhook routes of one plugin scope, prepared once per options object
 * (a `config.magnetis` shared by two routes is prepared once).
 */
class WebhookRoutes {
  readonly #prepared = new WeakMap<object, ServedRoute>()
  readonly #inboxes: InboxWorkers

  constructor (inboxes: InboxWorkers) {
    this.#inboxes = inboxes
  }

  /** @throws {ConfigurationError} when the options lack a URL or a key, or hold a wrong value */
  prepare (magnetis: WebhookRouteOptions, where: string, log: FastifyInstance['log'], shorthand: boolean): ServedRoute {
    const known = this.#prepared.get(magnetis)
    if (known !== undefined) return known
    const options = checkRouteOptions(magnetis, where)
    if (typeof options.key !== 'function' && hasStrayWhitespace(options.key)) {
      // Never the key itself: logs are read by more people than keys should be.
      log.warn(`fastify-magnetis-webhooks: ${where}: the signature key has leading or trailing white space; the vendor signs with the key as shown in its interface`)
    }
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH
    const route: WebhookRoute = {
      options,
      maxDepth,
      // A per-route handler reads request.magnetisEvent itself: nothing is dropped there.
      warnUnhandled: shorthand,
      unhandledWarned: new Set(),
      validator: options.schemas === undefined ? defaultValidator() : createResourceValidator(options.schemas),
      inferTestResource: options.inferTestResource ?? inferTestResource
    }
    const worker = options.inbox === undefined ? undefined : this.#inboxes.for(options.inbox)
    if (worker !== undefined) route.intake = createIntake(worker, maxDepth)
    const served: ServedRoute = {
      capture: captureRawBody({ bodyLimit: options.bodyLimit, anyMediaType: options.pairsFromBody !== undefined }),
      verify: receiveWebhook(route),
      route,
      worker
    }
    this.#prepared.set(magnetis, served)
    return served
  }

  /** The prepared route of a request, prepared now for a route declared before the plugin was registered. */
  forRequest (request: FastifyRequest, magnetis: WebhookRouteOptions): ServedRoute {
    const known = this.#prepared.get(magnetis)
    if (known !== undefined) return known
    const served = this.prepare(magnetis, `route ${String(request.routeOptions.method)} ${request.routeOptions.url}`, request.log, isShorthand(request.routeOptions.config))
    // A route declared before the plugin: its worker learns of it now (docs/readme/inbox.md).
    served.worker?.addRoute(`${request.method} ${request.routeOptions.url}`, served.route)
    return served
  }
}

/** Adds the decoration and the hooks to the scope the plugin is registered in (once per scope chain). */
function installWebhookHooks (fastify: FastifyInstance): void {
  const inboxes = new InboxWorkers(fastify)
  const routes = new WebhookRoutes(inboxes)
  const problems: Error[] = []
  const parserChecks: Array<{ scope: FastifyInstance, where: string }> = []

  fastify.decorateRequest('magnetisEvent', null)

  fastify.addHook('onRoute', function checkWebhookRoute (this: FastifyInstance, routeOptions: RouteOptions) {
    const magnetis = routeOptions.config?.magnetis
    if (magnetis === undefined) return
    const where = `route ${String(routeOptions.method)} ${routeOptions.url}`
    let served: ServedRoute
    try {
      served = routes.prepare(magnetis, where, this.log, isShorthand(routeOptions.config))
    } catch (error) {
      // Reported by ready() (onReady below), wherever the route was declared.
      problems.push(error as Error)
      return
    }
    for (const method of [routeOptions.method].flat()) served.worker?.addRoute(`${method} ${routeOptions.url}`, served.route)
    if (magnetis.bodyLimit !== undefined) routeOptions.bodyLimit = magnetis.bodyLimit
    if (!isShorthand(routeOptions.config)) parserChecks.push({ scope: this, where })
  })

  fastify.addHook('onReady', async function reportWebhookRoutes () {
    if (problems.length > 0) throw problems[0]
    await inboxes.start()
    for (const { scope, where } of parserChecks) {
      const missing = [FORM_MEDIA_TYPE, JSON_MEDIA_TYPE].filter((mediaType) => !scope.hasContentTypeParser(mediaType))
      if (missing.length > 0) {
        scope.log.warn(`fastify-magnetis-webhooks: ${where}: its scope has no body parser for ${missing.join(' or ')}, so Fastify replies 415 to such deliveries ` +
          'before they can be verified: register @fastify/formbody (forms) in that scope, or use the plugin\'s `path` option, which needs no parser')
      }
    }
  })

  // After the server stopped taking requests, so that every one in flight has stored its row.
  fastify.addHook('onClose', async function stopInboxWorkers () {
    await inboxes.stop()
  })

  // Callback hooks: on the app's other routes they cost one property lookup, no promise.
  fastify.addHook('preParsing', function captureWebhookBody (request, reply, payload, done: (error: Error | null, payload?: Readable) => void) {
    const magnetis = request.routeOptions.config.magnetis
    if (magnetis === undefined) {
      done(null, payload)
      return
    }
    let served: ServedRoute
    try {
      served = routes.forRequest(request, magnetis)
    } catch (error) {
      done(error as Error)
      return
    }
    served.capture(request, reply, payload).then((replay) => done(null, replay), done)
  })

  fastify.addHook('preHandler', function verifyWebhook (request, reply, done: HookHandlerDoneFunction) {
    const magnetis = request.routeOptions.config.magnetis
    if (magnetis === undefined) {
      done()
      return
    }
    // preParsing prepared it (or failed, and this hook does not run).
    routes.forRequest(request, magnetis).verify(request).then((receipt) => {
      // With an inbox the plugin answers, once the row is committed; the route's handler does not run.
      if (receipt === undefined) done()
      else reply.send(receipt)
    }, done)
  })
}

const magnetisWebhooks: FastifyPluginAsync<MagnetisWebhooksOptions> = async function magnetisWebhooks (fastify, options) {
  if (!fastify.hasRequestDecorator('magnetisEvent')) installWebhookHooks(fastify)
  // Fastify's own register options may ride along; they are not ours.
  const { path, prefix: _prefix, logLevel: _logLevel, logSerializers: _logSerializers, ...routeOptions } =
    options as MagnetisWebhooksOptions & Record<string, unknown>
  if (path === undefined) {
    // Route options without `path` would configure nothing: a silent no-op is a webhook never received.
    const given = Object.keys(routeOptions)
    if (given.length > 0) {
      throw new ConfigurationError(`route options (${given.join(', ')}) were given without "path": add path: '/webhooks/magnetis' to create the route, ` +
        'or put them in a route\'s config.magnetis')
    }
    return
  }
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new ConfigurationError(`"path" must be a route path starting with "/", such as '/webhooks/magnetis'; got ${JSON.stringify(path)}`)
  }
  // The shorthand route gets a scope of its own, where the raw body is all
  // that is needed: the app's parsers (formbody included) are not involved.
  await fastify.register(async function magnetisWebhookRoute (scope) {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', function rawBodyIsEnough (_request, _payload, done) {
      done(null, undefined)
    })
    // Checked like any config.magnetis (onRoute), so a missing url or key still fails ready().
    scope.post(path, { config: { magnetis: routeOptions as WebhookRouteOptions, [kShorthand]: true } }, async function acknowledgeWebhook (request) {
      const event = request.magnetisEvent as AnyWebhookEvent
      const id = (event.data as { id?: unknown }).id
      return { ok: true, event: event.name, id: typeof id === 'string' ? id : null }
    })
  })
}

/**
 * The Fastify plugin (Fastify 5). Register it once per app to wire every
 * route that carries `config: { magnetis: { url, key, … } }` in its scope,
 * and once per endpoint with `path` to create `POST path` (replies 200
 * `{ ok, event, id }`). See `MagnetisWebhooksOptions` and the README's reply
 * table.
 *
 * Routes are checked when declared; `ready()` rejects with the first
 * `ConfigurationError` (no URL, no key, an empty key or key list, a wrong
 * option). A route declared before the plugin was registered is still
 * verified, but checked at its first request (500 when misconfigured).
 */
export default fp(magnetisWebhooks, { fastify: '5.x', name: 'fastify-magnetis-webhooks' })
