// The app-wide view of webhook routes: hooks go on the root and apps are watched from creation, since hooks are encapsulated (docs/registration.md).
import { channel } from 'node:diagnostics_channel'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import type { Readable } from 'node:stream'
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE } from './body/media-types.js'
import { captureRawBody, type CaptureDone } from './body/capture.js'
import { ConfigurationError } from './errors.js'
import { DEFAULT_MAX_DEPTH } from './signature/flatten.js'
import { checkRouteOptions, hasStrayWhitespace, type WebhookRouteOptions } from './options.js'
import { receiveWebhook, type InboxReceipt, type WebhookRoute } from './receive.js'
import { DEFAULT_DIAGNOSES_PER_MINUTE, DiagnosisBudget } from './diagnosis/signature-failure.js'
import { createIntake } from './inbox/intake.js'
import type { InboxStore } from './inbox/store.js'
import { InboxWorker } from './inbox/worker.js'
import { createResourceValidator, inferTestResource, type ResourceValidator } from './events/validate.js'

/** Marks the shorthand route, whose scope reads any media type itself (shared by the CommonJS and ESM builds). */
export const kShorthand = Symbol.for('fastify-magnetis-webhooks.shorthand')

function isShorthand (config: unknown): boolean {
  return (config as Record<symbol, unknown> | undefined)?.[kShorthand] === true
}

let builtInValidator: ResourceValidator | undefined

/** The validator of the built-in schemas, compiled once for every route that does not replace them (many tenants, many routes). */
function defaultValidator (): ResourceValidator {
  builtInValidator ??= createResourceValidator()
  return builtInValidator
}

/** One webhook route made ready to serve: `where` (its name in messages), whether it is the `shorthand` route, its two hooks (`verify` resolves the inbox receipt, else `undefined`), and its store's worker. */
export interface ServedRoute {
  where: string
  shorthand: boolean
  capture: (request: FastifyRequest, reply: FastifyReply, payload: Readable, routeBodyLimit: number | undefined, done: CaptureDone) => void
  verify: (request: FastifyRequest) => Promise<InboxReceipt | undefined>
  route: WebhookRoute
  worker: InboxWorker | undefined
}

/** The inbox workers of one app: one per store, started at `ready()`, stopped at `close()`. */
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
    // A worker never started (its route's first delivery was refused) has nothing to stop.
    await Promise.all([...this.#workers.values()].filter((worker) => worker.running).map((worker) => worker.stop()))
  }
}

/** The webhook routes of one app, prepared once per options object (a `config.magnetis` shared by two routes is prepared once). */
export class WebhookRoutes {
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
      diagnoses: new DiagnosisBudget(options.diagnosisPerMinute ?? DEFAULT_DIAGNOSES_PER_MINUTE),
      validator: options.schemas === undefined ? defaultValidator() : createResourceValidator(options.schemas),
      inferTestResource: options.inferTestResource ?? inferTestResource
    }
    const worker = options.inbox === undefined ? undefined : this.#inboxes.for(options.inbox)
    if (worker !== undefined) route.intake = createIntake(worker, maxDepth)
    const served: ServedRoute = {
      where,
      shorthand,
      capture: captureRawBody({ bodyLimit: options.bodyLimit, anyMediaType: options.pairsFromBody !== undefined }),
      verify: receiveWebhook(route),
      route,
      worker
    }
    this.#prepared.set(magnetis, served)
    return served
  }

  /** The prepared route of a request, prepared now for a route that start-up did not see (the package loaded after the app was created). */
  forRequest (request: FastifyRequest, magnetis: WebhookRouteOptions): ServedRoute {
    const known = this.#prepared.get(magnetis)
    if (known !== undefined) return known
    const served = this.prepare(magnetis, routeName(request.routeOptions), request.log, isShorthand(request.routeOptions.config))
    // Its worker learns of the route now, to process its rows (docs/never-lose-an-event.md).
    served.worker?.addRoute(`${request.method} ${String(request.routeOptions.url)}`, served.route)
    return served
  }
}

/** What the package knows of one app (its root): routes `declared` with their scopes, whether hooks are `served` on the root, and whether it was `watchedFromCreation` (no route escaped `onRoute`). */
export interface AppState {
  readonly routes: WebhookRoutes
  readonly inboxes: InboxWorkers
  readonly declared: Array<{ scope: FastifyInstance, where: string, shorthand: boolean }>
  readonly problems: Error[]
  served: boolean
  readonly watchedFromCreation: boolean
  readonly seen: WeakSet<object>
}

// Shared through the global symbol registry by the CommonJS and ESM builds, should one app load both.
const shared = globalThis as unknown as Record<symbol, WeakMap<FastifyInstance, AppState> | undefined>
const apps = shared[Symbol.for('fastify-magnetis-webhooks.apps')] ??= new WeakMap()

/** The app's root: the end of the prototype chain, since Fastify makes each scope with its parent as prototype. */
export function rootOf (instance: FastifyInstance): FastifyInstance {
  let root = instance
  for (let parent = Object.getPrototypeOf(root); typeof parent?.addHook === 'function'; parent = Object.getPrototypeOf(root)) root = parent
  return root
}

function routeName (routeOptions: { method: string | string[], url?: string | undefined }): string {
  return `route ${String(routeOptions.method)} ${String(routeOptions.url)}`
}

/** The state of an app, watched from now on (`ready()` then checks its webhook routes) if it was not already. */
export function appState (root: FastifyInstance, watchedFromCreation = false): AppState {
  const known = apps.get(root)
  if (known !== undefined) return known
  const inboxes = new InboxWorkers(root)
  const state: AppState = { routes: new WebhookRoutes(inboxes), inboxes, declared: [], problems: [], served: false, watchedFromCreation, seen: new WeakSet() }
  apps.set(root, state)
  watchScope(root, state)
  root.addHook('onReady', async function checkWebhookRoutes () {
    if (state.problems.length > 0) throw state.problems[0]
    const first = state.declared[0]
    if (!state.served && first !== undefined) {
      throw new ConfigurationError(`fastify-magnetis-webhooks: ${first.where} carries config.magnetis, but the plugin is not registered in this app, ` +
        'so the route would answer unverified: register it once, anywhere in the app (the root is clearest): await app.register(magnetisWebhooks)')
    }
    for (const { scope, where, shorthand } of state.declared) {
      const missing = shorthand ? [] : [FORM_MEDIA_TYPE, JSON_MEDIA_TYPE].filter((mediaType) => !scope.hasContentTypeParser(mediaType))
      if (missing.length > 0) {
        scope.log.warn(`fastify-magnetis-webhooks: ${where}: its scope has no body parser for ${missing.join(' or ')}, so Fastify replies 415 to such deliveries ` +
          'before they can be verified: register @fastify/formbody (forms) in that scope, or use the plugin\'s `path` option, which needs no parser')
      }
    }
    await inboxes.start()
  })
  // After the server stopped taking requests, so that every one in flight has stored its row.
  root.addHook('onClose', async function stopInboxWorkers () {
    await inboxes.stop()
  })
  return state
}

/** Checks each `config.magnetis` route declared in this scope or one inside it, so `ready()` rejects a wrong option; sets the route's `bodyLimit` to the webhook's. */
export function watchScope (scope: FastifyInstance, state: AppState): void {
  scope.addHook('onRoute', function checkWebhookRoute (this: FastifyInstance, routeOptions: RouteOptions) {
    const magnetis = routeOptions.config?.magnetis
    // A route seen by two watching scopes (the package loaded late) is checked once.
    if (magnetis === undefined || state.seen.has(routeOptions)) return
    state.seen.add(routeOptions)
    const where = routeName(routeOptions)
    const shorthand = isShorthand(routeOptions.config)
    state.declared.push({ scope: this, where, shorthand })
    let served: ServedRoute
    try {
      served = state.routes.prepare(magnetis, where, this.log, shorthand)
    } catch (error) {
      state.problems.push(error as Error)
      return
    }
    for (const method of [routeOptions.method].flat()) served.worker?.addRoute(`${method} ${routeOptions.url}`, served.route)
    if (magnetis.bodyLimit !== undefined) routeOptions.bodyLimit = magnetis.bodyLimit
  })
}

// Watch every app from its creation, so no route is declared before the watch; the module-level reference keeps the subscription alive.
const initialization = channel('fastify.initialization')
initialization.subscribe((message) => {
  appState((message as { fastify: FastifyInstance }).fastify, true)
})
