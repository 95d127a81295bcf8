// The shared inbox store on `pg` (optional peer): ON CONFLICT DO NOTHING deduplicates across instances, SKIP LOCKED gives each row one worker (docs/inbox.md).
import { ConfigurationError, InboxUnavailableError } from '../errors.js'
import { loadPeer } from './peer.js'
import { OpenOnce } from './open-once.js'
import { resolveSettings } from './settings.js'
import {
  dedupeKey, FINAL_STATUSES, type ClaimRequest, type InboxDelivery, type InboxError, type InboxRow, type InboxSettings,
  type InboxStatus, type InboxStore, type InsertResult, type ListFilter, type PruneRequest, type ReplaySelection
} from './store.js'

/** The part of a `pg.Pool` used here (a pool you pass in must offer it). */
export interface PostgresPool {
  query (text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>>, rowCount: number | null }>
  end (): Promise<void>
}

/** Options of `postgresInbox`: a connection string or your own `pg.Pool`, plus the worker's `InboxSettings`. */
export type PostgresInboxOptions = InboxSettings & (
  | {
    /** e.g. `postgres://app@db.internal:5432/app`; the store makes a pool of its own and ends it on close */
    connectionString: string
    /** the most connections of that pool; default 5 */
    maxConnections?: number
    /** milliseconds to wait for a connection before failing; default 10_000 */
    connectionTimeout?: number
  }
  | {
    /** your `pg.Pool`; the store never ends it */
    pool: PostgresPool
  })

/** The table and its indexes; idempotent, run at open under an advisory lock so two instances starting together do not race. */
export const POSTGRES_SCHEMA = `
CREATE TABLE IF NOT EXISTS magnetis_inbox (
  id bigserial PRIMARY KEY,
  body bytea NOT NULL,
  body_sha256 text NOT NULL,
  content_type text,
  signature text NOT NULL,
  route_method text NOT NULL,
  route_url text NOT NULL,
  params jsonb NOT NULL,
  event text NOT NULL,
  data_id text,
  dedupe_key text UNIQUE,
  received_at bigint NOT NULL,
  status text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at bigint,
  lease_owner text,
  lease_until bigint,
  last_error_message text,
  last_error_code text,
  replays integer NOT NULL DEFAULT 0,
  updated_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS magnetis_inbox_due ON magnetis_inbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS magnetis_inbox_received ON magnetis_inbox (received_at);
`

const COLUMNS = 'id, body, body_sha256, content_type, signature, route_method, route_url, params, event, data_id, received_at, ' +
  'status, attempts, next_attempt_at, lease_owner, lease_until, last_error_message, last_error_code, replays, updated_at'
const HELD = 'id = $1 AND lease_owner = $2 AND status = \'processing\''

/**
 * The PostgreSQL inbox store, shared by any number of app instances, e.g. `postgresInbox({ connectionString: process.env.DATABASE_URL })`.
 * @throws {ConfigurationError} at once without a connection string or pool; at `ready()` when `pg` is not installed
 * @throws {InboxUnavailableError} at `ready()` when the database cannot be reached or the table cannot be created
 */
export function postgresInbox (options: PostgresInboxOptions): InboxStore {
  const given = (options ?? {}) as Partial<{ connectionString: unknown, pool: unknown }>
  const hasPool = given.pool !== undefined && given.pool !== null
  if (hasPool === (typeof given.connectionString === 'string' && given.connectionString !== '')) {
    throw new ConfigurationError('postgresInbox needs exactly one of { connectionString } (e.g. process.env.DATABASE_URL) or { pool } (a pg.Pool)')
  }
  if (hasPool && typeof (given.pool as PostgresPool).query !== 'function') {
    throw new ConfigurationError('postgresInbox: "pool" must be a pg.Pool (an object with query())')
  }
  return new PostgresInbox(options)
}

class PostgresInbox implements InboxStore {
  readonly kind = 'postgres'
  readonly settings: InboxSettings
  readonly #options: PostgresInboxOptions
  #pool: PostgresPool | undefined
  readonly #opening = new OpenOnce(() => this.#open())

  constructor (options: PostgresInboxOptions) {
    const { connectionString: _c, maxConnections: _m, connectionTimeout: _t, pool: _p, ...settings } = options as unknown as Record<string, unknown>
    this.settings = settings as InboxSettings
    resolveSettings(this.settings, 'postgresInbox')
    this.#options = options
  }

  open (): Promise<void> {
    return this.#opening.run()
  }

  async #open (): Promise<void> {
    let pool: PostgresPool
    let where = 'the given pool'
    if ('pool' in this.#options) {
      pool = this.#options.pool
    } else {
      const pg = await loadPeer<{ Pool: new (config: Record<string, unknown>) => PostgresPool & { on (event: string, listener: (error: Error) => void): void } }>('pg', 'postgresInbox')
      where = describeUrl(this.#options.connectionString)
      const owned = new pg.Pool({
        connectionString: this.#options.connectionString,
        max: this.#options.maxConnections ?? 5,
        connectionTimeoutMillis: this.#options.connectionTimeout ?? 10_000
      })
      // An idle connection dropped by the server must not crash the process; the next query reconnects.
      owned.on('error', () => {})
      pool = owned
    }
    try {
      // One simple query is one transaction: the advisory lock holds until the table and indexes exist.
      await pool.query(`SELECT pg_advisory_xact_lock(hashtext('magnetis_inbox'));${POSTGRES_SCHEMA}`)
    } catch (error) {
      if (!('pool' in this.#options)) await pool.end().catch(() => {})
      throw new InboxUnavailableError(`postgresInbox: cannot use the database at ${where}: ${(error as Error).message}`, { cause: error })
    }
    this.#pool = pool
  }

  async close (): Promise<void> {
    const pool = this.#pool
    this.#pool = undefined
    this.#opening.reset()
    if (pool !== undefined && !('pool' in this.#options)) await pool.end()
  }

  async insert (delivery: InboxDelivery): Promise<InsertResult> {
    const key = dedupeKey(delivery)
    const pool = this.#use()
    for (;;) {
      const inserted = await pool.query(`INSERT INTO magnetis_inbox (body, body_sha256, content_type, signature, route_method, route_url, params, event,
        data_id, dedupe_key, received_at, status, next_attempt_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $11, $11) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [delivery.body, delivery.bodySha256, delivery.contentType, delivery.signature, delivery.route.method, delivery.route.url,
        JSON.stringify(delivery.params), delivery.event, delivery.dataId, key, delivery.receivedAt])
      const row = inserted.rows[0]
      if (row !== undefined) return { id: String(row.id), duplicate: false }
      const existing = await pool.query('SELECT id FROM magnetis_inbox WHERE dedupe_key = $1', [key])
      const found = existing.rows[0]
      // Else the conflicting row was pruned in between: insert again.
      if (found !== undefined) return { id: String(found.id), duplicate: true }
    }
  }

  async claim (request: ClaimRequest): Promise<InboxRow[]> {
    const result = await this.#use().query(`UPDATE magnetis_inbox SET status = 'processing', attempts = attempts + 1, lease_owner = $1, lease_until = $2, updated_at = $3
      WHERE id IN (SELECT id FROM magnetis_inbox
        WHERE route_method || ' ' || route_url = ANY($4::text[])
          AND ((status = 'pending' AND next_attempt_at <= $3) OR (status = 'processing' AND lease_until <= $3))
        ORDER BY next_attempt_at, id LIMIT $5 FOR UPDATE SKIP LOCKED)
      RETURNING ${COLUMNS}`, [request.owner, request.leaseUntil, request.now, request.routes, request.limit])
    return result.rows.map(toRow).sort((a, b) => Number(a.nextAttemptAt) - Number(b.nextAttemptAt) || Number(a.id) - Number(b.id))
  }

  async renew (id: string, owner: string, leaseUntil: number): Promise<boolean> {
    if (!isRowId(id)) return false
    return changed(await this.#use().query(`UPDATE magnetis_inbox SET lease_until = $3 WHERE ${HELD}`, [id, owner, leaseUntil]))
  }

  async complete (id: string, owner: string, now: number): Promise<boolean> {
    return this.#settle(id, owner, 'done', null, now)
  }

  async retry (id: string, owner: string, nextAttemptAt: number, error: InboxError, now: number): Promise<boolean> {
    if (!isRowId(id)) return false
    return changed(await this.#use().query(`UPDATE magnetis_inbox SET status = 'pending', next_attempt_at = $3, lease_owner = NULL, lease_until = NULL,
      last_error_message = $4, last_error_code = $5, updated_at = $6 WHERE ${HELD}`, [id, owner, nextAttemptAt, error.message, error.code, now]))
  }

  async dead (id: string, owner: string, error: InboxError, now: number): Promise<boolean> {
    return this.#settle(id, owner, 'dead', error, now)
  }

  async invalid (id: string, owner: string, error: InboxError, now: number): Promise<boolean> {
    return this.#settle(id, owner, 'invalid', error, now)
  }

  async #settle (id: string, owner: string, status: InboxStatus, error: InboxError | null, now: number): Promise<boolean> {
    if (!isRowId(id)) return false
    return changed(await this.#use().query(`UPDATE magnetis_inbox SET status = $3, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL,
      last_error_message = CASE WHEN $4::text IS NULL THEN last_error_message ELSE $4 END,
      last_error_code = CASE WHEN $4::text IS NULL THEN last_error_code ELSE $5 END,
      updated_at = $6 WHERE ${HELD}`, [id, owner, status, error?.message ?? null, error?.code ?? null, now]))
  }

  async list (filter: ListFilter = {}): Promise<InboxRow[]> {
    const where: string[] = []
    const values: unknown[] = []
    if (filter.status !== undefined) {
      values.push(asList(filter.status))
      where.push(`status = ANY($${values.length}::text[])`)
    }
    if (filter.event !== undefined) {
      values.push(filter.event)
      where.push(`event = $${values.length}`)
    }
    if (filter.before !== undefined) {
      values.push(isRowId(filter.before) ? filter.before : '0')
      where.push(`id < $${values.length}`)
    }
    values.push(filter.limit ?? 100)
    const result = await this.#use().query(`SELECT ${COLUMNS} FROM magnetis_inbox ${where.length === 0 ? '' : 'WHERE ' + where.join(' AND ')} ` +
      `ORDER BY id DESC LIMIT $${values.length}`, values)
    return result.rows.map(toRow)
  }

  async get (id: string): Promise<InboxRow | undefined> {
    if (!isRowId(id)) return undefined
    const row = (await this.#use().query(`SELECT ${COLUMNS} FROM magnetis_inbox WHERE id = $1`, [id])).rows[0]
    return row === undefined ? undefined : toRow(row)
  }

  async replay (selection: ReplaySelection, now: number): Promise<number> {
    const set = 'SET status = \'pending\', attempts = 0, next_attempt_at = $2, replays = replays + 1, updated_at = $2'
    const final = FINAL_STATUSES as InboxStatus[]
    const result = 'ids' in selection
      ? await this.#use().query(`UPDATE magnetis_inbox ${set} WHERE id = ANY($1::bigint[]) AND status = ANY($3::text[])`, [selection.ids.filter(isRowId), now, final])
      : await this.#use().query(`UPDATE magnetis_inbox ${set} WHERE status = ANY($1::text[]) AND status = ANY($3::text[])`, [asList(selection.status), now, final])
    return Number(result.rowCount)
  }

  async prune (request: PruneRequest): Promise<number> {
    const result = await this.#use().query('DELETE FROM magnetis_inbox WHERE received_at < $1 AND status = ANY($2::text[]) AND status = ANY($3::text[])',
      [request.receivedBefore, asList(request.status ?? FINAL_STATUSES), FINAL_STATUSES])
    return Number(result.rowCount)
  }

  #use (): PostgresPool {
    if (this.#pool === undefined) throw new Error('fastify-magnetis-webhooks: the PostgreSQL inbox is not open (call open(), or the app was closed)')
    return this.#pool
  }
}

/** The connection string without its password, for error messages. */
function describeUrl (connectionString: string): string {
  try {
    const url = new URL(connectionString)
    url.password = ''
    return url.toString()
  } catch {
    return 'the given connection string'
  }
}

function isRowId (id: string): boolean {
  return /^[1-9]\d{0,17}$/.test(id)
}

function changed (result: { rowCount: number | null }): boolean {
  return Number(result.rowCount) > 0
}

function asList (status: InboxStatus | readonly InboxStatus[]): readonly InboxStatus[] {
  return typeof status === 'string' ? [status] : status
}

function toNumber (value: unknown): number | null {
  return value === null ? null : Number(value)
}

function toRow (row: Record<string, unknown>): InboxRow {
  const message = row.last_error_message as string | null
  return {
    id: String(row.id),
    body: row.body as Buffer,
    bodySha256: row.body_sha256 as string,
    contentType: row.content_type as string | null,
    signature: row.signature as string,
    route: { method: row.route_method as string, url: row.route_url as string },
    params: row.params as Record<string, string>,
    event: row.event as string,
    dataId: row.data_id as string | null,
    receivedAt: Number(row.received_at),
    status: row.status as InboxStatus,
    attempts: row.attempts as number,
    nextAttemptAt: toNumber(row.next_attempt_at),
    leaseOwner: row.lease_owner as string | null,
    leaseUntil: toNumber(row.lease_until),
    lastError: message === null ? null : { message, code: row.last_error_code as string | null },
    replays: row.replays as number,
    updatedAt: Number(row.updated_at)
  }
}
