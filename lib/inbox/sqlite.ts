// The embedded inbox store on `libsql` (optional peer): WAL with synchronous = FULL, so a 2xx survives a power loss; one commit per event-loop turn (docs/inbox.md, "Group commit").
import { statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { ConfigurationError } from '../errors.js'
import { loadPeer } from './peer.js'
import { OpenOnce } from './open-once.js'
import { resolveSettings } from './settings.js'
import {
  dedupeKey, FINAL_STATUSES, type ClaimRequest, type InboxDelivery, type InboxError, type InboxRow, type InboxSettings,
  type InboxStatus, type InboxStore, type InsertResult, type ListFilter, type PruneRequest, type ReplaySelection
} from './store.js'

/** Options of `sqliteInbox`: the file, plus the worker's `InboxSettings`. */
export interface SqliteInboxOptions extends InboxSettings {
  /** the database file (created if missing; its directory must exist), e.g. `var/magnetis-inbox.db` */
  file: string
  /** milliseconds to wait for another process's write lock (the CLI, say) before failing; default 5000 */
  busyTimeout?: number
}

/** The part of libsql's better-sqlite3-style API used here. Parameters always go as one array or object: a lone Buffer aborts the process. */
interface Statement {
  run (parameters: unknown[] | Record<string, unknown>): unknown
  get (parameters: unknown[] | Record<string, unknown>): Record<string, unknown> | undefined
  all (parameters: unknown[] | Record<string, unknown>): Array<Record<string, unknown>>
}
interface Database {
  prepare (sql: string): Statement
  exec (sql: string): void
  close (): void
  readonly inTransaction: boolean
}
type DatabaseConstructor = new (file: string) => Database

const COLUMNS = 'id, body, body_sha256, content_type, signature, route_method, route_url, params, event, data_id, received_at, ' +
  'status, attempts, next_attempt_at, lease_owner, lease_until, last_error_message, last_error_code, replays, updated_at'

/** The table; docs/inbox.md shows it. AUTOINCREMENT: an id is never reused after a prune, so it stays an idempotency key. */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS magnetis_inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  body BLOB NOT NULL,
  body_sha256 TEXT NOT NULL,
  content_type TEXT,
  signature TEXT NOT NULL,
  route_method TEXT NOT NULL,
  route_url TEXT NOT NULL,
  params TEXT NOT NULL,
  event TEXT NOT NULL,
  data_id TEXT,
  dedupe_key TEXT UNIQUE,
  received_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  lease_owner TEXT,
  lease_until INTEGER,
  last_error_message TEXT,
  last_error_code TEXT,
  replays INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS magnetis_inbox_due ON magnetis_inbox (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS magnetis_inbox_received ON magnetis_inbox (received_at);
`

interface Statements {
  insert: Statement
  findDuplicate: Statement
  claim: Statement
  renew: Statement
  settle: Statement
  retry: Statement
  get: Statement
  replayIds: Statement
  replayStatus: Statement
  prune: Statement
}

/** A write waiting for the next group commit. */
interface Pending {
  write: (statements: Statements) => unknown
  resolve: (result: any) => void
  reject: (error: unknown) => void
}

/**
 * The SQLite inbox store, for the processes of one machine (several machines: `postgresInbox`), e.g. `sqliteInbox({ file: 'var/magnetis-inbox.db' })`.
 * @throws {ConfigurationError} at once for a missing or in-memory `file`; at `ready()` when the file's directory does not exist or `libsql` is not installed
 */
export function sqliteInbox (options: SqliteInboxOptions): InboxStore {
  if (options === null || typeof options !== 'object' || typeof options.file !== 'string' || options.file === '') {
    throw new ConfigurationError('sqliteInbox needs { file }: the database file, e.g. sqliteInbox({ file: \'var/magnetis-inbox.db\' })')
  }
  const { file: givenFile, busyTimeout = 5000, ...settings } = options
  if (givenFile === ':memory:' || givenFile.startsWith('file:')) {
    throw new ConfigurationError(`sqliteInbox needs a file path: ${JSON.stringify(givenFile)} is not a durable file, and events kept there would be lost with the process`)
  }
  resolveSettings(settings, 'sqliteInbox')
  return new SqliteInbox(resolve(givenFile), busyTimeout, settings)
}

class SqliteInbox implements InboxStore {
  readonly kind = 'sqlite'
  readonly settings: InboxSettings
  readonly #file: string
  readonly #busyTimeout: number
  #db: Database | undefined
  #statements: Statements | undefined
  #queue: Pending[] = []
  readonly #opening = new OpenOnce(() => this.#open())

  constructor (file: string, busyTimeout: number, settings: InboxSettings) {
    this.#file = file
    this.#busyTimeout = busyTimeout
    this.settings = settings
  }

  open (): Promise<void> {
    return this.#opening.run()
  }

  async #open (): Promise<void> {
    const directory = dirname(this.#file)
    if (!statSync(directory, { throwIfNoEntry: false })?.isDirectory()) {
      throw new ConfigurationError(`sqliteInbox: the directory of ${JSON.stringify(this.#file)} does not exist: create ${JSON.stringify(directory)} first (mkdir -p)`)
    }
    const Database = await loadPeer<DatabaseConstructor>('libsql', 'sqliteInbox')
    let db: Database
    try {
      db = new Database(this.#file)
    } catch (error) {
      throw new ConfigurationError(`sqliteInbox: cannot open ${JSON.stringify(this.#file)}: ${(error as Error).message}`)
    }
    try {
      db.exec(`PRAGMA busy_timeout = ${Math.trunc(this.#busyTimeout)}`)
      db.exec('PRAGMA journal_mode = WAL')
      db.exec('PRAGMA synchronous = FULL')
      db.exec(SCHEMA)
    } catch (error) {
      db.close()
      throw new ConfigurationError(`sqliteInbox: cannot use ${JSON.stringify(this.#file)} as an inbox: ${(error as Error).message}`)
    }
    this.#db = db
    this.#statements = prepareStatements(db)
  }

  async close (): Promise<void> {
    // Writes already queued still commit: their requests (or rows) are waiting for it.
    if (this.#queue.length > 0) this.#flush()
    this.#db?.close()
    this.#db = undefined
    this.#statements = undefined
    this.#opening.reset()
  }

  insert (delivery: InboxDelivery): Promise<InsertResult> {
    return this.#write((statements) => insertOne(statements, delivery))
  }

  /** Queues a write (insert, claim or settle) for this event-loop turn's one commit: a synchronous fsync holds the loop, and so the next 200s. */
  #write<T> (write: (statements: Statements) => T): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ write, resolve, reject })
      if (this.#queue.length === 1) setImmediate(() => this.#flush())
    })
  }

  #flush (): void {
    const batch = this.#queue
    this.#queue = []
    if (batch.length === 0) return
    const db = this.#db
    if (db === undefined) {
      for (const item of batch) item.reject(closedError())
      return
    }
    const statements = this.#statements as Statements
    let results: unknown[]
    try {
      db.exec('BEGIN IMMEDIATE')
      results = batch.map(({ write }) => write(statements))
      db.exec('COMMIT')
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK')
      for (const item of batch) item.reject(error)
      return
    }
    batch.forEach((item, index) => item.resolve(results[index]))
  }

  async claim (request: ClaimRequest): Promise<InboxRow[]> {
    const rows = await this.#write((statements) => statements.claim.all({
      owner: request.owner,
      now: request.now,
      leaseUntil: request.leaseUntil,
      routes: JSON.stringify(request.routes),
      limit: request.limit
    }))
    return rows.map(toRow).sort((a, b) => Number(a.nextAttemptAt) - Number(b.nextAttemptAt) || Number(a.id) - Number(b.id))
  }

  async renew (id: string, owner: string, leaseUntil: number): Promise<boolean> {
    return changed(await this.#write((statements) => statements.renew.run({ id: rowId(id), owner, leaseUntil })))
  }

  async complete (id: string, owner: string, now: number): Promise<boolean> {
    return this.#settle(id, owner, 'done', null, now)
  }

  async retry (id: string, owner: string, nextAttemptAt: number, error: InboxError, now: number): Promise<boolean> {
    return changed(await this.#write((statements) => statements.retry.run({ id: rowId(id), owner, nextAttemptAt, message: error.message, code: error.code, now })))
  }

  async dead (id: string, owner: string, error: InboxError, now: number): Promise<boolean> {
    return this.#settle(id, owner, 'dead', error, now)
  }

  async invalid (id: string, owner: string, error: InboxError, now: number): Promise<boolean> {
    return this.#settle(id, owner, 'invalid', error, now)
  }

  async #settle (id: string, owner: string, status: InboxStatus, error: InboxError | null, now: number): Promise<boolean> {
    return changed(await this.#write((statements) => statements.settle.run({ id: rowId(id), owner, status, message: error?.message ?? null, code: error?.code ?? null, now })))
  }

  async list (filter: ListFilter = {}): Promise<InboxRow[]> {
    const where: string[] = []
    const parameters: Record<string, unknown> = { limit: filter.limit ?? 100 }
    if (filter.status !== undefined) {
      where.push('status IN (SELECT value FROM json_each(:statuses))')
      parameters.statuses = JSON.stringify(asList(filter.status))
    }
    if (filter.event !== undefined) {
      where.push('event = :event')
      parameters.event = filter.event
    }
    if (filter.before !== undefined) {
      where.push('id < :before')
      parameters.before = rowId(filter.before)
    }
    const sql = `SELECT ${COLUMNS} FROM magnetis_inbox ${where.length === 0 ? '' : 'WHERE ' + where.join(' AND ')} ORDER BY id DESC LIMIT :limit`
    return this.#database().prepare(sql).all(parameters).map(toRow)
  }

  async get (id: string): Promise<InboxRow | undefined> {
    const row = this.#use().get.get({ id: rowId(id) })
    return row === undefined ? undefined : toRow(row)
  }

  async replay (selection: ReplaySelection, now: number): Promise<number> {
    const statements = this.#use()
    if ('ids' in selection) {
      return Number((statements.replayIds.run({ ids: JSON.stringify(selection.ids.map(rowId)), now }) as { changes: number }).changes)
    }
    const statuses = asList(selection.status).filter((status) => FINAL_STATUSES.includes(status))
    return Number((statements.replayStatus.run({ statuses: JSON.stringify(statuses), now }) as { changes: number }).changes)
  }

  async prune (request: PruneRequest): Promise<number> {
    const statuses = asList(request.status ?? FINAL_STATUSES).filter((status) => FINAL_STATUSES.includes(status))
    const result = this.#use().prune.run({ before: request.receivedBefore, statuses: JSON.stringify(statuses) }) as { changes: number }
    return Number(result.changes)
  }

  #database (): Database {
    if (this.#db === undefined) throw closedError()
    return this.#db
  }

  #use (): Statements {
    this.#database()
    return this.#statements as Statements
  }
}

function closedError (): Error {
  return new Error('fastify-magnetis-webhooks: the SQLite inbox is not open (call open(), or the app was closed)')
}

function prepareStatements (db: Database): Statements {
  const held = 'id = :id AND lease_owner = :owner AND status = \'processing\''
  return {
    insert: db.prepare(`INSERT INTO magnetis_inbox (body, body_sha256, content_type, signature, route_method, route_url, params, event, data_id,
      dedupe_key, received_at, status, next_attempt_at, updated_at)
      VALUES (:body, :bodySha256, :contentType, :signature, :method, :url, :params, :event, :dataId, :dedupeKey, :receivedAt, 'pending', :receivedAt, :receivedAt)
      ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`),
    findDuplicate: db.prepare('SELECT id FROM magnetis_inbox WHERE dedupe_key = :dedupeKey'),
    claim: db.prepare(`UPDATE magnetis_inbox SET status = 'processing', attempts = attempts + 1, lease_owner = :owner, lease_until = :leaseUntil, updated_at = :now
      WHERE id IN (SELECT id FROM magnetis_inbox
        WHERE route_method || ' ' || route_url IN (SELECT value FROM json_each(:routes))
          AND ((status = 'pending' AND next_attempt_at <= :now) OR (status = 'processing' AND lease_until <= :now))
        ORDER BY next_attempt_at, id LIMIT :limit)
      RETURNING ${COLUMNS}`),
    renew: db.prepare(`UPDATE magnetis_inbox SET lease_until = :leaseUntil WHERE ${held}`),
    settle: db.prepare(`UPDATE magnetis_inbox SET status = :status, next_attempt_at = NULL, lease_owner = NULL, lease_until = NULL,
      last_error_message = coalesce(:message, last_error_message), last_error_code = CASE WHEN :message IS NULL THEN last_error_code ELSE :code END,
      updated_at = :now WHERE ${held}`),
    retry: db.prepare(`UPDATE magnetis_inbox SET status = 'pending', next_attempt_at = :nextAttemptAt, lease_owner = NULL, lease_until = NULL,
      last_error_message = :message, last_error_code = :code, updated_at = :now WHERE ${held}`),
    get: db.prepare(`SELECT ${COLUMNS} FROM magnetis_inbox WHERE id = :id`),
    replayIds: db.prepare(`UPDATE magnetis_inbox SET status = 'pending', attempts = 0, next_attempt_at = :now, replays = replays + 1, updated_at = :now
      WHERE id IN (SELECT value FROM json_each(:ids)) AND status IN ('done', 'dead', 'invalid')`),
    replayStatus: db.prepare(`UPDATE magnetis_inbox SET status = 'pending', attempts = 0, next_attempt_at = :now, replays = replays + 1, updated_at = :now
      WHERE status IN (SELECT value FROM json_each(:statuses))`),
    prune: db.prepare('DELETE FROM magnetis_inbox WHERE received_at < :before AND status IN (SELECT value FROM json_each(:statuses))')
  }
}

function insertOne (statements: Statements, delivery: InboxDelivery): InsertResult {
  const key = dedupeKey(delivery)
  // all(), not get(): in libsql 0.5 a statement whose get() failed fails every later get() too.
  const inserted = statements.insert.all({
    body: delivery.body,
    bodySha256: delivery.bodySha256,
    contentType: delivery.contentType,
    signature: delivery.signature,
    method: delivery.route.method,
    url: delivery.route.url,
    params: JSON.stringify(delivery.params),
    event: delivery.event,
    dataId: delivery.dataId,
    dedupeKey: key,
    receivedAt: delivery.receivedAt
  })[0]
  if (inserted !== undefined) return { id: String(inserted.id), duplicate: false }
  // Only a dedupe key conflict inserts nothing, so the row is there, in this transaction.
  const existing = statements.findDuplicate.all({ dedupeKey: key })[0] as Record<string, unknown>
  return { id: String(existing.id), duplicate: true }
}

/** A row id as SQLite's integer key; -1 (no row has it) for text that is not one. */
function rowId (id: string): number {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : -1
}

function changed (result: unknown): boolean {
  return (result as { changes: number }).changes > 0
}

function asList (status: InboxStatus | readonly InboxStatus[]): readonly InboxStatus[] {
  return typeof status === 'string' ? [status] : status
}

function toRow (row: Record<string, unknown>): InboxRow {
  const message = row.last_error_message as string | null
  return {
    id: String(row.id),
    // libsql gives a Buffer from get() and an ArrayBuffer from all().
    body: Buffer.from(row.body as ArrayBuffer),
    bodySha256: row.body_sha256 as string,
    contentType: row.content_type as string | null,
    signature: row.signature as string,
    route: { method: row.route_method as string, url: row.route_url as string },
    params: JSON.parse(row.params as string) as Record<string, string>,
    event: row.event as string,
    dataId: row.data_id as string | null,
    receivedAt: row.received_at as number,
    status: row.status as InboxStatus,
    attempts: row.attempts as number,
    nextAttemptAt: row.next_attempt_at as number | null,
    leaseOwner: row.lease_owner as string | null,
    leaseUntil: row.lease_until as number | null,
    lastError: message === null ? null : { message, code: row.last_error_code as string | null },
    replays: row.replays as number,
    updatedAt: row.updated_at as number
  }
}
