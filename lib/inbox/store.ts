/** The inbox store interface (sqliteInbox, postgresInbox); its contract and how to add a store: docs/inbox.md. Times are the caller's ms since the epoch, never the database's. */

/** A row's state: `pending` (due at `nextAttemptAt`), `processing` (leased until `leaseUntil`), `done`, `dead` (last attempt failed), `invalid` (cannot become an event; waits for a replay). */
export type InboxStatus = 'pending' | 'processing' | 'done' | 'dead' | 'invalid'

/** Every status, in the order of a row's life. */
export const INBOX_STATUSES: readonly InboxStatus[] = ['pending', 'processing', 'done', 'dead', 'invalid']

/** The statuses a row ends in; only these are replayed or pruned. */
export const FINAL_STATUSES: readonly InboxStatus[] = ['done', 'dead', 'invalid']

/** One verified delivery as stored before the 2xx: the raw `body` byte for byte (only it re-verifies), its SHA-256 (hex), the `Content-Type` and signature headers, the route (method, URL pattern) and its params, the event name, `data.id` as text (or `null`), `receivedAt` (ms). */
export interface InboxDelivery {
  body: Buffer
  bodySha256: string
  contentType: string | null
  signature: string
  route: { method: string, url: string }
  params: Record<string, string>
  event: string
  dataId: string | null
  receivedAt: number
}

/** The last failure of a row: message and code only, never the payload (it may hold phone numbers). */
export interface InboxError {
  message: string
  code: string | null
}

/** A stored delivery and its state: `id` (never reused: an idempotency key), `attempts` started (a claim counts one), when a `pending` row is due, the lease holding a `processing` row, `replays` done; times in ms. */
export interface InboxRow extends InboxDelivery {
  id: string
  status: InboxStatus
  attempts: number
  nextAttemptAt: number | null
  leaseOwner: string | null
  leaseUntil: number | null
  lastError: InboxError | null
  replays: number
  updatedAt: number
}

/** The outcome of `insert`: the row's id, and whether an equal delivery was already stored (then nothing was added). */
export interface InsertResult {
  id: string
  duplicate: boolean
}

/** What `claim` takes: `routes` (`"METHOD /url/pattern"` keys; other routes' rows are left alone), at most `limit` rows, the lease token `owner` settles need, `now` and `leaseUntil` (ms, when the row is due again). */
export interface ClaimRequest {
  routes: readonly string[]
  limit: number
  owner: string
  now: number
  leaseUntil: number
}

/** What `list` takes; every field narrows: `limit` (default 100, newest first), `before` (ids sorting before it, for paging). */
export interface ListFilter {
  status?: InboxStatus | readonly InboxStatus[]
  event?: string
  limit?: number
  before?: string
}

/** Which rows `replay` sets back to pending: given ids, or every row of some final statuses. */
export type ReplaySelection = { ids: readonly string[] } | { status: InboxStatus | readonly InboxStatus[] }

/** What `prune` deletes: rows received before `receivedBefore` (ms) in `status` (default `done`, `dead`, `invalid`; `pending`/`processing` never). */
export interface PruneRequest {
  receivedBefore: number
  status?: InboxStatus | readonly InboxStatus[]
}

/** The key a row's route is claimed by: `"POST /webhooks/:tenant"`. */
export function routeKey (route: { method: string, url: string }): string {
  return `${route.method} ${route.url}`
}

/** A delivery's deduplication key (event, `data.id`, body hash); `null` for `test`, since the test panel resends one sample. */
export function dedupeKey (delivery: Pick<InboxDelivery, 'event' | 'dataId' | 'bodySha256'>): string | null {
  if (delivery.event === 'test') return null
  return JSON.stringify([delivery.event, delivery.dataId, delivery.bodySha256])
}

/** Keeps signed deliveries until handled (docs/inbox.md "Adding a store"); a rejected `insert` becomes a 503; settles take the lease token and resolve `false` once it is lost. */
export interface InboxStore {
  /** a short name for logs and errors, e.g. `sqlite` */
  readonly kind: string
  readonly settings?: InboxSettings
  /** Connects and creates the table if needed; called before any other method, at the app's `ready()`. Idempotent. */
  open (): Promise<void>
  close (): Promise<void>
  /** Stores a delivery, or finds one with the same `dedupeKey`; resolves only once committed (survives a crash). */
  insert (delivery: InboxDelivery): Promise<InsertResult>
  /** Atomically leases up to `limit` due rows of `routes` (pending and due, or lease ended), oldest due first, attempts + 1; one lease per row at a time. */
  claim (request: ClaimRequest): Promise<InboxRow[]>
  /** Extends the lease of a row still held by `owner`. @returns false when the row is no longer held */
  renew (id: string, owner: string, leaseUntil: number): Promise<boolean>
  // The four settles: a held row becomes done, pending again (due at nextAttemptAt), dead or invalid; false when no longer held.
  complete (id: string, owner: string, now: number): Promise<boolean>
  retry (id: string, owner: string, nextAttemptAt: number, error: InboxError, now: number): Promise<boolean>
  dead (id: string, owner: string, error: InboxError, now: number): Promise<boolean>
  invalid (id: string, owner: string, error: InboxError, now: number): Promise<boolean>
  /** Rows matching `filter`, newest (highest id) first. */
  list (filter?: ListFilter): Promise<InboxRow[]>
  get (id: string): Promise<InboxRow | undefined>
  /** Sets final rows back to `pending`, due at `now`, attempts 0, `replays` + 1; others untouched. @returns the number set back */
  replay (selection: ReplaySelection, now: number): Promise<number>
  /** Deletes rows in a final status received before a time. @returns the number deleted */
  prune (request: PruneRequest): Promise<number>
}

/** A clock in milliseconds since the epoch; injectable for tests. */
export interface InboxClock {
  now (): number
}

/**
 * Worker settings beside a store's own options, all optional, durations in ms (docs/never-lose-an-event.md, "Options"): attempts before `dead` (10),
 * first retry delay doubled per retry (1 s) up to 1 h, lease 30 s, poll 1 s, 4 rows at once, `done` rows kept 30 days, pruned hourly, close waits 10 s.
 */
export interface InboxSettings {
  maxAttempts?: number
  firstRetryDelay?: number
  maxRetryDelay?: number
  leaseDuration?: number
  pollInterval?: number
  concurrency?: number
  retention?: number
  pruneInterval?: number
  closeTimeout?: number
  clock?: InboxClock
}
