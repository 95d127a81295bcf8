// The inbox's processing side, one worker per store per app: claims due rows under a lease, runs receive.ts's pipeline, settles each row (docs/inbox.md).
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify'
import { HandlerError, InboxLeaseExpiredError, InvalidEventError, MagnetisWebhookError } from '../errors.js'
import { reportError } from '../events/handlers.js'
import type { UnvalidatedEvent, WebhookContext } from '../events/types.js'
import { checkSignature, handleEvent, readSignedBody, type WebhookRoute } from '../receive.js'
import { SIGNATURE_HEADER } from '../signature/sign.js'
import { resolveSettings, type ResolvedSettings } from './settings.js'
import { routeKey, type InboxDelivery, type InboxError, type InboxRow, type InboxStore, type InsertResult } from './store.js'

// Long user error messages are cut: the row keeps a summary, the log the whole error.
const MAX_ERROR_LENGTH = 1000

/** Each store is opened once however many apps (or scopes) use it, and closed with the last. */
const openCounts = new WeakMap<InboxStore, { count: number, opened: Promise<void> }>()

function acquire (store: InboxStore): Promise<void> {
  const known = openCounts.get(store)
  if (known !== undefined) {
    known.count++
    return known.opened
  }
  const entry = { count: 1, opened: store.open() }
  openCounts.set(store, entry)
  // A store that failed to open is not counted as open.
  entry.opened.catch(() => openCounts.delete(store))
  return entry.opened
}

async function release (store: InboxStore): Promise<void> {
  const known = openCounts.get(store)
  if (known === undefined || --known.count > 0) return
  openCounts.delete(store)
  await store.close()
}

/** The delay before the attempt after `attempt` failed: `firstRetryDelay` doubled per attempt, at most `maxRetryDelay` (ms). */
export function retryDelay (attempt: number, settings: Pick<ResolvedSettings, 'firstRetryDelay' | 'maxRetryDelay'>): number {
  return Math.min(settings.firstRetryDelay * 2 ** (attempt - 1), settings.maxRetryDelay)
}

/** Processes one store's rows for the routes of one app. */
export class InboxWorker {
  readonly store: InboxStore
  readonly settings: ResolvedSettings
  readonly #app: FastifyInstance
  readonly #log: FastifyBaseLogger
  readonly #routes = new Map<string, WebhookRoute>()
  readonly #inFlight = new Map<string, Promise<void>>()
  readonly #workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`
  #claims = 0
  #state: 'idle' | 'running' | 'stopped' = 'idle'
  #opened: Promise<void> | undefined
  #claiming: Promise<void> | undefined
  #claimAgain = false
  #timer: NodeJS.Timeout | undefined
  #timerDue = Infinity
  #pruneTimer: NodeJS.Timeout | undefined

  /** @throws {ConfigurationError} for bad settings on the store */
  constructor (store: InboxStore, app: FastifyInstance) {
    this.store = store
    this.settings = resolveSettings(store.settings, `inbox (${store.kind})`)
    this.#app = app
    this.#log = app.log.child({ inbox: store.kind })
  }

  /** True once started (and until stopped). */
  get running (): boolean {
    return this.#state === 'running'
  }

  /** Serves a route's stored rows (`"POST /url"`); a route known only at its first request is added then. */
  addRoute (key: string, route: WebhookRoute): void {
    this.#routes.set(key, route)
  }

  /** Opens the store and starts claiming; once, at the app's `ready()` or at the first delivery. @throws the store's open error */
  async start (): Promise<void> {
    this.#state = 'running'
    this.#opened = acquire(this.store)
    await this.#opened
    // Both do nothing if stop() came meanwhile.
    this.#prune()
    this.#wakeAt(this.settings.clock.now())
  }

  /** Stores a delivery (opening the store first for a route that appeared after `ready()`) and wakes the worker for a new row. */
  async insert (delivery: InboxDelivery): Promise<InsertResult> {
    if (this.#state === 'idle') void this.start().catch(() => {})
    await this.#opened
    const result = await this.store.insert(delivery)
    if (!result.duplicate) this.#wakeAt(this.settings.clock.now())
    return result
  }

  /** Stops claiming, waits up to `closeTimeout` for rows in flight, then closes the store; rows still running keep their lease for the next start. */
  async stop (): Promise<void> {
    this.#state = 'stopped'
    clearTimeout(this.#timer)
    clearTimeout(this.#pruneTimer)
    await this.#opened?.catch(() => {})
    await this.#claiming
    if (this.#inFlight.size > 0) {
      let timeout: NodeJS.Timeout | undefined
      const waited = await Promise.race([
        Promise.allSettled(this.#inFlight.values()).then(() => true),
        new Promise<boolean>((resolve) => { timeout = setTimeout(resolve, this.settings.closeTimeout, false) })
      ])
      clearTimeout(timeout)
      if (!waited) {
        this.#log.warn({ deliveries: [...this.#inFlight.keys()] }, 'fastify-magnetis-webhooks: deliveries still running at close; they run again once their lease has run out')
      }
    }
    await release(this.store)
  }

  /** Claims as soon as `time` (ms) comes, unless a claim is already due earlier. */
  #wakeAt (time: number): void {
    if (this.#state !== 'running' || time >= this.#timerDue) return
    clearTimeout(this.#timer)
    this.#timerDue = time
    this.#timer = setTimeout(() => {
      this.#timerDue = Infinity
      this.#claim()
    }, Math.max(0, time - this.settings.clock.now()))
  }

  #claim (): void {
    if (this.#claiming !== undefined) {
      this.#claimAgain = true
      return
    }
    this.#claiming = this.#claimDue().finally(() => {
      this.#claiming = undefined
      if (this.#claimAgain) {
        this.#claimAgain = false
        this.#claim()
      }
    })
  }

  async #claimDue (): Promise<void> {
    const { concurrency, leaseDuration, pollInterval, clock } = this.settings
    const free = concurrency - this.#inFlight.size
    // Stopped, or full: the next row to finish claims again.
    if (this.#state !== 'running' || free <= 0) return
    const now = clock.now()
    const owner = `${this.#workerId}:${++this.#claims}`
    let rows: InboxRow[] = []
    try {
      rows = await this.store.claim({ routes: [...this.#routes.keys()], limit: free, owner, now, leaseUntil: now + leaseDuration })
    } catch (error) {
      this.#log.error({ err: error }, 'fastify-magnetis-webhooks: the inbox could not claim due deliveries; trying again later')
    }
    for (const row of rows) {
      const running = this.#process(row, owner).finally(() => {
        this.#inFlight.delete(row.id)
        this.#wakeAt(clock.now())
      })
      this.#inFlight.set(row.id, running)
    }
    // All slots taken: the next row to finish claims again. Else nothing more is due now.
    if (rows.length < free) this.#wakeAt(now + pollInterval)
  }

  async #process (row: InboxRow, owner: string): Promise<void> {
    const { settings, store } = this
    const { clock, maxAttempts } = settings
    const log = this.#log.child({ delivery: row.id, event: row.event })
    // claim() filters on these routes, and routes are never removed.
    const route = this.#routes.get(routeKey(row.route)) as WebhookRoute
    const request = standInRequest(row, log, this.#app)
    const context: WebhookContext = {
      deliveryId: row.id,
      attempt: row.attempts,
      lastAttempt: row.attempts >= maxAttempts,
      receivedAt: new Date(row.receivedAt),
      params: row.params,
      log
    }
    const renewal = setInterval(() => {
      store.renew(row.id, owner, clock.now() + settings.leaseDuration).then((held) => {
        if (!held) log.warn('fastify-magnetis-webhooks: the lease of a running delivery was lost; another worker may run it too')
      }, (error: unknown) => log.error({ err: error }, 'fastify-magnetis-webhooks: could not renew the lease of a running delivery'))
    }, settings.leaseDuration / 3)
    let outcome: 'done' | 'retry' | 'dead' | 'invalid' = 'done'
    let failure: unknown
    try {
      if (row.attempts > maxAttempts) throw new InboxLeaseExpiredError(maxAttempts)
      const body = readSignedBody(row.body, row.contentType ?? undefined, route)
      // Verified when received; a replayed row is checked again, against the keys configured now.
      if (row.replays > 0) await checkSignature(route, body, row.signature, request)
      await handleEvent(route, body, request, context)
    } catch (error) {
      failure = error
      const final = error instanceof MagnetisWebhookError && error.statusCode < 500
      outcome = final ? 'invalid' : context.lastAttempt || error instanceof InboxLeaseExpiredError ? 'dead' : 'retry'
      // Handler and schema failures reached onError inside handleEvent; the rest is told here.
      if (!(error instanceof HandlerError) && !(error instanceof InvalidEventError)) {
        await reportError(route.options.handlerSets, error as Error, unvalidatedEvent(row), request, { ...context, lastAttempt: outcome !== 'retry' })
      }
    } finally {
      clearInterval(renewal)
    }
    await this.#settle(row, owner, outcome, failure, log)
  }

  async #settle (row: InboxRow, owner: string, outcome: 'done' | 'retry' | 'dead' | 'invalid', failure: unknown, log: FastifyBaseLogger): Promise<void> {
    const { store, settings } = this
    const now = settings.clock.now()
    try {
      let held: boolean
      if (outcome === 'done') {
        held = await store.complete(row.id, owner, now)
        log.debug('fastify-magnetis-webhooks: delivery handled')
      } else {
        const error = inboxError(failure)
        if (outcome === 'retry') {
          const next = now + retryDelay(row.attempts, settings)
          held = await store.retry(row.id, owner, next, error, now)
          this.#wakeAt(next)
          log.warn({ err: failure, attempt: row.attempts }, `fastify-magnetis-webhooks: delivery failed (attempt ${row.attempts} of ${settings.maxAttempts}); retrying in ${next - now} ms`)
        } else {
          held = outcome === 'dead' ? await store.dead(row.id, owner, error, now) : await store.invalid(row.id, owner, error, now)
          log.error({ err: failure, attempt: row.attempts }, `fastify-magnetis-webhooks: delivery is ${outcome}; it stays in the inbox until replayed`)
        }
      }
      if (!held) log.warn('fastify-magnetis-webhooks: a delivery\'s lease ran out before it was settled; another worker took it')
    } catch (error) {
      log.error({ err: error }, 'fastify-magnetis-webhooks: could not record a delivery\'s outcome; it runs again once its lease has run out')
    }
  }

  #prune (): void {
    const { retention, pruneInterval, clock } = this.settings
    if (retention === Infinity || this.#state !== 'running') return
    this.store.prune({ receivedBefore: clock.now() - retention, status: 'done' }).then((count) => {
      if (count > 0) this.#log.info({ pruned: count }, 'fastify-magnetis-webhooks: pruned handled deliveries past their retention')
    }, (error: unknown) => this.#log.error({ err: error }, 'fastify-magnetis-webhooks: could not prune the inbox'))
    this.#pruneTimer = setTimeout(() => this.#prune(), Math.min(pruneInterval, 2 ** 31 - 1))
    this.#pruneTimer.unref()
  }
}

/** The `request` handlers and resolvers get for a row: only what the row holds (docs/never-lose-an-event.md, "The request in inbox mode"). */
function standInRequest (row: InboxRow, log: FastifyBaseLogger, server: FastifyInstance): FastifyRequest {
  return {
    id: `inbox-${row.id}`,
    method: row.route.method,
    params: row.params,
    headers: { 'content-type': row.contentType ?? undefined, [SIGNATURE_HEADER]: row.signature },
    routeOptions: { method: row.route.method, url: row.route.url },
    log,
    server,
    magnetisEvent: null
  } as unknown as FastifyRequest
}

/** The event `onError` gets for a row that never became one. */
function unvalidatedEvent (row: InboxRow): UnvalidatedEvent {
  return { name: row.event, payload: {}, test: row.event === 'test', resource: undefined, data: undefined }
}

/** A failure as a row keeps it: message and code, cut to a bounded length. For handler failures, each handler's message, and the first code among them. */
function inboxError (failure: unknown): InboxError {
  let { message, code } = describeError(failure)
  if (failure instanceof HandlerError) {
    const causes = failure.errors.map(describeError)
    message += ': ' + causes.map((cause) => cause.message).join('; ')
    code = causes.find((cause) => cause.code !== null)?.code ?? code
  }
  return { message: message.length > MAX_ERROR_LENGTH ? message.slice(0, MAX_ERROR_LENGTH - 1) + '…' : message, code }
}

function describeError (value: unknown): InboxError {
  if (!(value instanceof Error)) return { message: String(value), code: null }
  const code = (value as { code?: unknown }).code
  return { message: value.message, code: typeof code === 'string' ? code : null }
}
