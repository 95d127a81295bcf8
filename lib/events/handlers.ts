// Handler sets and dispatch; the order is part of the contract (docs/design.md, "Dispatch").
import type { FastifyRequest } from 'fastify'
import { HandlerError } from '../errors.js'
import type { EventName } from './names.js'
import type { AnyWebhookEvent, AnyWebhookHandler, UnvalidatedEvent, WebhookContext, WebhookErrorHandler, WebhookHandler } from './types.js'

interface Registry {
  readonly handlers: ReadonlyMap<string, ReadonlyArray<WebhookHandler<any>>>
  readonly anyHandlers: readonly AnyWebhookHandler[]
  readonly errorHandlers: readonly WebhookErrorHandler[]
}

// Set by MagnetisWebhooks' static block: dispatch across sets reads their private lists.
let registryOf: (set: MagnetisWebhooks) => Registry

/** A set of event handlers that any number of routes share (`webhooks` option); read at each delivery, so later additions count. */
export class MagnetisWebhooks {
  readonly #handlers = new Map<string, Array<WebhookHandler<any>>>()
  readonly #anyHandlers: AnyWebhookHandler[] = []
  readonly #errorHandlers: WebhookErrorHandler[] = []
  // Made once: dispatch reads it several times per delivery.
  readonly #registry: Registry = { handlers: this.#handlers, anyHandlers: this.#anyHandlers, errorHandlers: this.#errorHandlers }

  static {
    registryOf = (set) => set.#registry
  }

  /** Adds a handler for an event name (any string: a future event's data is `Record<string, unknown>`). @throws {TypeError} for a non-function */
  on<Name extends EventName> (name: Name, handler: WebhookHandler<Name>): this
  on (name: string, handler: WebhookHandler<string>): this
  on (name: string, handler: WebhookHandler<any>): this {
    assertFunction(handler, `the handler for "${name}"`)
    const list = this.#handlers.get(name)
    if (list === undefined) this.#handlers.set(name, [handler])
    else list.push(handler)
    return this
  }

  /** Adds a handler that runs for every verified event, after the event's own handlers. */
  onAny (handler: AnyWebhookHandler): this {
    assertFunction(handler, 'the onAny handler')
    this.#anyHandlers.push(handler)
    return this
  }

  /** Adds an error handler (see `WebhookErrorHandler`); errors it throws are logged, not replied. */
  onError (handler: WebhookErrorHandler): this {
    assertFunction(handler, 'the onError handler')
    this.#errorHandlers.push(handler)
    return this
  }
}

/** The number of handlers, `onAny` included, that an event of this name would run across `sets`. */
export function handlerCount (sets: readonly MagnetisWebhooks[], name: string): number {
  let count = 0
  for (const set of sets) {
    const registry = registryOf(set)
    count += (registry.handlers.get(name)?.length ?? 0) + registry.anyHandlers.length
  }
  return count
}

/** Runs `event.name`'s handlers, then `alsoAs.name`'s with `alsoAs`, then `onAny`, each phase across all `sets`. @throws {HandlerError} (500) */
export function dispatchEvent (sets: readonly MagnetisWebhooks[], event: AnyWebhookEvent, request: FastifyRequest, alsoAs?: AnyWebhookEvent,
  context: WebhookContext = requestContext(request)): Promise<void> {
  // One handler in all (the common case): its own promise is the dispatch's, with no async frame of ours around it.
  const only = alsoAs === undefined ? onlyHandler(sets, event.name) : undefined
  if (only === undefined) return dispatchInTurn(sets, event, request, alsoAs, context)
  const failed = (error: unknown): Promise<never> => handlersFailed(sets, event, request, context, [error])
  let settled: unknown
  try {
    settled = only(event, request, context)
  } catch (error) {
    return failed(error)
  }
  return Promise.resolve(settled).then(ignore, failed)
}

/** The one handler, `onAny` included, that an event of this name runs across `sets`; `undefined` when there are none or several. */
function onlyHandler (sets: readonly MagnetisWebhooks[], name: string): AnyWebhookHandler | undefined {
  let only: AnyWebhookHandler | undefined
  for (const set of sets) {
    const registry = registryOf(set)
    const named = registry.handlers.get(name)
    const count = (named?.length ?? 0) + registry.anyHandlers.length
    if (count === 0) continue
    if (count > 1 || only !== undefined) return undefined
    only = (named?.[0] ?? registry.anyHandlers[0]) as AnyWebhookHandler
  }
  return only
}

async function dispatchInTurn (sets: readonly MagnetisWebhooks[], event: AnyWebhookEvent, request: FastifyRequest, alsoAs: AnyWebhookEvent | undefined,
  context: WebhookContext): Promise<void> {
  const errors: unknown[] = []
  // Each handler awaited here, not through a helper of its own: one promise less per handler and request.
  for (const set of sets) {
    for (const handler of registryOf(set).handlers.get(event.name) ?? []) {
      try { await handler(event, request, context) } catch (error) { errors.push(error) }
    }
  }
  if (alsoAs !== undefined) {
    for (const set of sets) {
      for (const handler of registryOf(set).handlers.get(alsoAs.name) ?? []) {
        try { await handler(alsoAs, request, context) } catch (error) { errors.push(error) }
      }
    }
  }
  for (const set of sets) {
    for (const handler of registryOf(set).anyHandlers) {
      try { await handler(event, request, context) } catch (error) { errors.push(error) }
    }
  }
  if (errors.length > 0) await handlersFailed(sets, event, request, context, errors)
}

/** Reports the handlers' `errors` as one {HandlerError} to `onError`, then rejects with it. */
async function handlersFailed (sets: readonly MagnetisWebhooks[], event: AnyWebhookEvent, request: FastifyRequest, context: WebhookContext, errors: unknown[]): Promise<never> {
  const error = new HandlerError(event.name, errors)
  await reportError(sets, error, event, request, context)
  throw error
}

function ignore (): void {}

/** Calls every `onError` handler of `sets`, in order; their own failures are logged at error level and swallowed. */
export async function reportError (sets: readonly MagnetisWebhooks[], error: Error, event: UnvalidatedEvent | AnyWebhookEvent, request: FastifyRequest,
  context: WebhookContext = requestContext(request)): Promise<void> {
  for (const set of sets) {
    for (const handler of registryOf(set).errorHandlers) {
      try {
        await handler(error, event, request, context)
      } catch (handlerError) {
        context.log.error({ err: handlerError, event: event.name }, 'fastify-magnetis-webhooks: an onError handler threw')
      }
    }
  }
}

/** The context of a delivery handled in the request: no inbox row, one attempt, received now. */
export function requestContext (request: FastifyRequest): WebhookContext {
  return { deliveryId: undefined, attempt: 1, lastAttempt: true, receivedAt: new Date(), params: request.params as Record<string, string>, log: request.log }
}

function assertFunction (value: unknown, what: string): void {
  if (typeof value !== 'function') {
    throw new TypeError(`fastify-magnetis-webhooks: ${what} must be a function, got ${typeof value}`)
  }
}
