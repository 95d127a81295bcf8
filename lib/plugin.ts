// Registration: the request decoration and two request hooks on the app's root (reaching every scope), and the shorthand `path` route.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import type { Readable } from 'node:stream'
import { ConfigurationError } from './errors.js'
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE } from './body/media-types.js'
import { declareCaptureSlots, replayOf, stopWatchingRawReaders, watchLateReaders } from './body/capture.js'
import type { MagnetisWebhooksOptions, WebhookRouteOptions } from './options.js'
import { appState, kShorthand, rootOf, watchScope, type AppState, type ServedRoute } from './app.js'
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

const kEvent = Symbol('fastify-magnetis-webhooks.event')
/** The prepared webhook route of a request, from its preParsing hook to its preHandler. */
const kServed = Symbol('fastify-magnetis-webhooks.served')

declare module 'fastify' {
  interface FastifyRequest {
    [kServed]?: ServedRoute | undefined
  }
}

/** The prepared webhook route of a request (`undefined` on any other route); prepares one that start-up did not see. @throws {ConfigurationError} for wrong options */
function servedRouteOf (routes: AppState['routes'], request: FastifyRequest, config = request.routeOptions.config): ServedRoute | undefined {
  const magnetis = config.magnetis
  return magnetis === undefined ? undefined : routes.forRequest(request, magnetis)
}

/** Adds the decoration and the hooks to the app's root (once per app). */
function installWebhookHooks (root: FastifyInstance, state: AppState): void {
  state.served = true
  const routes = state.routes
  // Accessors live on the request prototype, which scopes created before this one inherit too (a plain value would not reach them).
  root.decorateRequest('magnetisEvent', {
    getter (this: FastifyRequest & { [kEvent]?: AnyWebhookEvent | null }) { return this[kEvent] ?? null },
    setter (this: FastifyRequest & { [kEvent]?: AnyWebhookEvent | null }, event: AnyWebhookEvent | null) { this[kEvent] = event }
  })
  // Slots set in the request's constructor keep every request's shape the same (docs/performance.md).
  root.decorateRequest(kEvent)
  root.decorateRequest(kServed)
  declareCaptureSlots(root)

  // Callback hooks: on the app's other routes they cost a look at the route's config, no promise.
  root.addHook('preParsing', function captureWebhookBody (request, reply, payload, done: (error: Error | null, payload?: Readable) => void) {
    // Built by Fastify on each read: read once here, and the preHandler takes the route from the request.
    const routeOptions = request.routeOptions
    let served: ServedRoute | undefined
    try {
      served = servedRouteOf(routes, request, routeOptions.config)
    } catch (error) {
      done(error as Error)
      return
    }
    if (served === undefined) {
      done(null, payload)
      return
    }
    request[kServed] = served
    served.capture(request, reply, payload, routeOptions.bodyLimit, (error, rawBody) => {
      if (error !== null) {
        done(error)
        return
      }
      // The shorthand route's own parser reads nothing: no replay to build, no reader to watch for.
      if (served.shorthand) {
        done(null, payload)
        return
      }
      watchLateReaders(request, reply, served.where)
      done(null, replayOf(rawBody as Buffer))
    })
  })

  root.addHook('preHandler', function verifyWebhook (request, reply, done: HookHandlerDoneFunction) {
    // Set by preParsing on a webhook route (which otherwise failed, and this hook does not run); looked up again when
    // absent, so that a webhook route is verified whatever ran before.
    const served = request[kServed] ?? servedRouteOf(routes, request)
    if (served === undefined) {
      done()
      return
    }
    stopWatchingRawReaders(request)
    served.verify(request).then((receipt) => {
      // With an inbox the plugin answers, once the row is committed; the route's handler does not run.
      if (receipt !== undefined) {
        reply.send(receipt)
        return
      }
      request.log.debug({ event: request.magnetisEvent?.name, resource: request.magnetisEvent?.resource }, 'fastify-magnetis-webhooks: webhook verified and dispatched')
      done()
    }, done)
  })
}

// The shorthand route's 200 body, in-request (`{ ok, event, id }`) or from the inbox (`InboxReceipt`, with `delivery` and
// `duplicate`): a compiled serializer writes it faster than JSON.stringify.
const ACKNOWLEDGEMENT = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    event: { type: 'string' },
    id: { type: ['string', 'null'] },
    delivery: { type: 'string' },
    duplicate: { type: 'boolean' }
  }
} as const

const magnetisWebhooks: FastifyPluginAsync<MagnetisWebhooksOptions> = async function magnetisWebhooks (fastify, options) {
  const root = rootOf(fastify)
  const state = appState(root)
  // Loaded after the app was created: routes of scopes created before now are checked at their first request instead.
  if (!state.watchedFromCreation && fastify !== root) watchScope(fastify, state)
  if (!state.served) installWebhookHooks(root, state)
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
  // Its own scope: the raw body is all it needs, so the app's parsers (formbody included) stay out.
  await fastify.register(async function magnetisWebhookRoute (scope) {
    scope.removeAllContentTypeParsers()
    const rawBodyIsEnough = (_request: FastifyRequest, _payload: Readable, done: (error: Error | null, body?: unknown) => void): void => {
      done(null, undefined)
    }
    // By name too: Fastify caches the parser it finds for a media type, never the catch-all, which would cost a Content-Type parse per request.
    scope.addContentTypeParser([JSON_MEDIA_TYPE, FORM_MEDIA_TYPE], rawBodyIsEnough)
    scope.addContentTypeParser('*', rawBodyIsEnough)
    // Checked like any config.magnetis (onRoute), so a missing url or key still fails ready().
    scope.post(path, { config: { magnetis: routeOptions as WebhookRouteOptions, [kShorthand]: true }, schema: { response: { 200: ACKNOWLEDGEMENT } } }, function acknowledgeWebhook (request) {
      // Not async: Fastify sends what a handler returns, and the reply needs no promise of its own.
      const event = request.magnetisEvent as AnyWebhookEvent
      const id = (event.data as { id?: unknown }).id
      return { ok: true, event: event.name, id: typeof id === 'string' ? id : null }
    })
  })
}

/** The Fastify 5 plugin: register once, anywhere, to verify every `config.magnetis` route; `path` adds `POST path` (200 `{ ok, event, id }`); `ready()` rejects with `ConfigurationError` for a wrong option or an unregistered app (docs/registration.md). */
export default fp(magnetisWebhooks, { fastify: '5.x', name: 'fastify-magnetis-webhooks' })
