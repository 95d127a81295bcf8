/**
 * The inbox store interface: what the plugin and its worker need from a
 * place that keeps signed deliveries. `sqliteInbox` and `postgresInbox`
 * implement it; docs/inbox.md says how to add another and what each method
 * must guarantee (the shared contract test, test/inbox/store-contract.ts,
 * holds a new store to it).
 *
 * Times are milliseconds since the epoch, always passed in by the caller
 * (the worker's clock), never read from the database, so tests and
 * several processes agree on one clock. Ids are opaque strings.
 */

/**
 * Where a row is in its life:
 * - `pending`: stored, waiting for its first or next attempt (`nextAttemptAt`);
 * - `processing`: claimed by a worker until `leaseUntil`; a row whose lease
 *   ran out (its process died) is due again;
 * - `done`: every handler succeeded;
 * - `dead`: handlers failed on the last allowed attempt;
 * - `invalid`: the stored delivery cannot become an event (schema failure,
 *   body no longer readable, or a replay whose signature no longer verifies);
 *   not retried until replayed.
 */
export type InboxStatus = 'pending' | 'processing' | 'done' | 'dead' | 'invalid'

/** Every status, in the order of a row's life. */
export const INBOX_STATUSES: readonly InboxStatus[] = ['pending', 'processing', 'done', 'dead', 'invalid']

/** The statuses a row ends in; only these are replayed or pruned. */
export const FINAL_STATUSES: readonly InboxStatus[] = ['done', 'dead', 'invalid']

/** One verified delivery, as the plugin stores it (before the 2xx). */
export interface InboxDelivery {
  /** the raw body, byte for byte as received: only these bytes re-verify */
  body: Buffer
  /** SHA-256 of `body`, lower-case hex */
  bodySha256: string
  /** the `Content-Type` header as received, or `null` */
  contentType: string | null
  /** the `X-CALLTRACKING-SIGNATURE` header as received */
  signature: string
  /** the route that received it: method and URL pattern (`POST`, `/webhooks/:tenant`) */
  route: { method: string, url: string }
  /** the route's params (`{ tenant: 'acme' }`), so a per-tenant route re-runs with the same key and handlers */
  params: Record<string, string>
  /** the `event` field, e.g. `call:completed` */
  event: string
  /** `data.id` when it is a string or number (as text), else `null` */
  dataId: string | null
  /** when the plugin received it (ms since the epoch) */
  receivedAt: number
}

/** The last failure of a row: message and code only, never the payload (it may hold phone numbers). */
export interface InboxError {
  message: string
  code: string | null
}

/** One stored delivery and its processing state. */
export interface InboxRow extends InboxDelivery {
  /** unique in its store and never reused (an idempotency key for handlers' own writes) */
  id: string
  status: InboxStatus
  /** attempts started so far; a claim counts one, even when its process dies */
  attempts: number
  /** when a `pending` row is due (ms); `null` once final */
  nextAttemptAt: number | null
  /** the lease token of the claim that holds a `processing` row, else `null` */
  leaseOwner: string | null
  /** when that lease runs out (ms), else `null` */
  leaseUntil: number | null
  lastError: InboxError | null
  /** how many times the row was set back to pending by `replay` */
  replays: number
  /** last change of status (ms) */
  updatedAt: number
}

/** The outcome of `insert`: the row's id, and whether an equal delivery was already stored (then nothing was added). */
export interface InsertResult {
  id: string
  duplicate: boolean
}

/** What `claim` takes. */
export interface ClaimRequest {
  /** the routes this worker serves, as `"METHOD /url/pattern"`; rows of other routes are left alone */
  routes: readonly string[]
  /** the most rows to claim */
  limit: number
  /** the lease token written on each claimed row; settling a row needs it */
  owner: string
  /** the current time (ms) */
  now: number
  /** the lease's end (ms): after it, the row is due again */
  leaseUntil: number
}

/** What `list` takes; every field narrows the result. */
export interface ListFilter {
  status?: InboxStatus | readonly InboxStatus[]
  event?: string
  /** at most this many rows (default 100), newest first */
  limit?: number
  /** only rows whose id sorts before this one (paging) */
  before?: string
}

/** Which rows `replay` sets back to pending: given ids, or every row of some final statuses. */
export type ReplaySelection = { ids: readonly string[] } | { status: InboxStatus | readonly InboxStatus[] }

/** What `prune` deletes: rows in a final status received before a time. */
export interface PruneRequest {
  /** rows received before this time (ms) */
  receivedBefore: number
  /** default `done`, `dead` and `invalid`; `pending` and `processing` rows are never pruned */
  status?: InboxStatus | readonly InboxStatus[]
}

/** The key a row's route is claimed by: `"POST /webhooks/:tenant"`. */
export function routeKey (route: { method: string, url: string }): string {
  return `${route.method} ${route.url}`
}

/**
 * The deduplication key of a delivery: event name, `data.id` and body
 * hash; `null` for `test` events, which are never deduplicated (the
 * vendor's test panel sends the same sample each time).
 */
export function dedupeKey (delivery: Pick<InboxDelivery, 'event' | 'dataId' | 'bodySha256'>): string | null {
  if (delivery.event === 'test') return null
  return JSON.stringify([delivery.event, delivery.dataId, delivery.bodySha256])
}

/**
 * A place that keeps signed deliveries until they are handled (docs/inbox.md).
 * Every method may reject with the store's own error; the plugin turns a
 * rejected `insert` into a 503. Methods that change a claimed row take the
 * lease token (`owner`) and do nothing (resolve `false`) when the row is no
 * longer held by it: its lease ran out and another worker took it.
 */
export interface InboxStore {
  /** a short name for logs and errors, e.g. `sqlite` */
  readonly kind: string
  /** worker settings given to the store's factory (see `InboxSettings`) */
  readonly settings?: InboxSettings
  /** Connects and creates the table if needed; called before any other method, at the app's `ready()`. Idempotent. */
  open (): Promise<void>
  /** Releases connections; the store may be opened again. */
  close (): Promise<void>
  /**
   * Stores a delivery durably, or finds an equal one: same `dedupeKey`
   * (event, data.id, body hash; never for `test`). Resolves only once the
   * row is committed (it survives a crash of the process).
   */
  insert (delivery: InboxDelivery): Promise<InsertResult>
  /**
   * Atomically takes up to `limit` due rows of `routes`, oldest due first:
   * `pending` rows with `nextAttemptAt <= now`, and `processing` rows whose
   * lease ended (`leaseUntil <= now`). Each becomes `processing` with
   * `leaseOwner = owner`, `leaseUntil`, and one more attempt. Two workers
   * never get the same row while its lease holds.
   */
  claim (request: ClaimRequest): Promise<InboxRow[]>
  /** Extends the lease of a row still held by `owner`. @returns false when the row is no longer held */
  renew (id: string, owner: string, leaseUntil: number): Promise<boolean>
  /** Marks a held row `done`. @returns false when the row is no longer held */
  complete (id: string, owner: string, now: number): Promise<boolean>
  /** Sets a held row back to `pending` until `nextAttemptAt`, with its error. @returns false when the row is no longer held */
  retry (id: string, owner: string, nextAttemptAt: number, error: InboxError, now: number): Promise<boolean>
  /** Marks a held row `dead` with its error. @returns false when the row is no longer held */
  dead (id: string, owner: string, error: InboxError, now: number): Promise<boolean>
  /** Marks a held row `invalid` with its error. @returns false when the row is no longer held */
  invalid (id: string, owner: string, error: InboxError, now: number): Promise<boolean>
  /** Rows matching `filter`, newest (highest id) first. */
  list (filter?: ListFilter): Promise<InboxRow[]>
  /** One row, or `undefined`. */
  get (id: string): Promise<InboxRow | undefined>
  /**
   * Sets rows in a final status (`done`, `dead`, `invalid`) back to
   * `pending`, due at `now`, with their attempts reset and `replays` + 1;
   * `pending` and `processing` rows are left as they are.
   * @returns the number of rows set back
   */
  replay (selection: ReplaySelection, now: number): Promise<number>
  /** Deletes rows in a final status received before a time. @returns the number deleted */
  prune (request: PruneRequest): Promise<number>
}

/** A clock in milliseconds since the epoch; injectable for tests. */
export interface InboxClock {
  now (): number
}

/**
 * How the worker processes a store's rows. Given to `sqliteInbox` /
 * `postgresInbox` beside their own options; every field is optional.
 * Durations are milliseconds.
 */
export interface InboxSettings {
  /** attempts before a row whose handlers keep failing becomes `dead`; default 10 */
  maxAttempts?: number
  /** delay before the first retry, doubled for each next one; default 1000 (1 s) */
  firstRetryDelay?: number
  /** the longest delay between two attempts; default 3_600_000 (1 h) */
  maxRetryDelay?: number
  /** how long a claim holds a row before another process may take it (renewed every third of it while handlers run); default 30_000 */
  leaseDuration?: number
  /** how often the worker looks for due rows when it has not been woken; default 1000 */
  pollInterval?: number
  /** rows handled at the same time; default 4 */
  concurrency?: number
  /** how long `done` rows are kept (and so deduplicate), by received time, pruned automatically; default 30 days; `Infinity` keeps them */
  retention?: number
  /** how often pruning runs; default 3_600_000 (1 h) */
  pruneInterval?: number
  /** how long `app.close()` waits for handlers in flight; default 10_000 */
  closeTimeout?: number
  /** the time source; default `Date` */
  clock?: InboxClock
}
