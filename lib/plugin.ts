/**
 * Registration: the request decoration, the onRoute hook that turns every
 * route carrying `config.magnetis` into a webhook endpoint, and the
 * shorthand `path` route. Everything per request lives in raw-body.ts and
 * receive.ts.
 */
import type { FastifyInstance, FastifyPluginAsync, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { DEFAULT_MAX_DEPTH } from './flatten.js'
import { checkRouteOptions, hasStrayWhitespace, type MagnetisWebhooksOptions, type WebhookRouteOptions } from './options.js'
import { captureRawBody } from './raw-body.js'
import { receiveWebhook } from './receive.js'
import { createResourceValidator, inferTestResource } from './resource.js'
import type { AnyWebhookEvent } from './types.js'

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

// Two registrations in one scope would otherwise wire a route twice.
const wiredRoutes = new WeakSet<RouteOptions>()

function wireWebhookRoute (this: FastifyInstance, routeOptions: RouteOptions): void {
  const magnetis = routeOptions.config?.magnetis
  if (magnetis === undefined || wiredRoutes.has(routeOptions)) return
  wiredRoutes.add(routeOptions)
  const where = `route ${String(routeOptions.method)} ${routeOptions.url}`
  const options = checkRouteOptions(magnetis, where)
  if (typeof options.key !== 'function' && hasStrayWhitespace(options.key)) {
    this.log.warn(`fastify-magnetis-webhooks: ${where}: the signature key has leading or trailing white space; the vendor signs with the key as shown in its interface`)
  }

  routeOptions.preParsing = [
    ...toArray(routeOptions.preParsing),
    captureRawBody({ bodyLimit: options.bodyLimit, anyMediaType: options.pairsFromBody !== undefined })
  ]
  // First among the route's own preHandlers, so none of them sees an unverified body.
  routeOptions.preHandler = [
    receiveWebhook({
      options,
      webhooks: options.webhooks,
      maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
      validator: createResourceValidator(options.schemas),
      inferTestResource: options.inferTestResource ?? inferTestResource
    }),
    ...toArray(routeOptions.preHandler)
  ]
}

function toArray<T> (value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

const magnetisWebhooks: FastifyPluginAsync<MagnetisWebhooksOptions> = async function magnetisWebhooks (fastify, options) {
  if (!fastify.hasRequestDecorator('magnetisEvent')) {
    fastify.decorateRequest('magnetisEvent', null)
    fastify.addHook('onRoute', wireWebhookRoute)
  }
  if (options.path === undefined) return

  const { path, ...routeOptions } = options
  // The shorthand route gets a scope of its own, where the raw body is all
  // that is needed: the app's parsers (formbody included) are not involved.
  await fastify.register(async function magnetisWebhookRoute (scope) {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', function rawBodyIsEnough (_request, _payload, done) {
      done(null, undefined)
    })
    scope.post(path, { config: { magnetis: routeOptions } }, async function acknowledgeWebhook (request) {
      const event = request.magnetisEvent as AnyWebhookEvent
      const id = (event.data as { id?: unknown }).id
      return { ok: true, event: event.name, id: typeof id === 'string' ? id : null }
    })
  })
}

/**
 * The Fastify plugin (Fastify 5). Register it once per app to wire every
 * route that carries `config: { magnetis: { url, key, … } }`, and once per
 * endpoint with `path` to create `POST path` (replies 200 `{ ok, event, id }`).
 * See `MagnetisWebhooksOptions` and the README's reply table.
 *
 * @throws {ConfigurationError} at `ready()` when a webhook route lacks a URL or a key, or has an empty one
 */
export default fp(magnetisWebhooks, { fastify: '5.x', name: 'fastify-magnetis-webhooks' })
