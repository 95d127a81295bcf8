/**
 * The inbox a `magnetis-webhooks inbox` command works on: `--file` (SQLite)
 * or `--database-url` (PostgreSQL). The command only ever opens an inbox
 * that exists: a mistyped path or database gets an error, not a new, empty
 * inbox that would hide the real one.
 */
import { statSync } from 'node:fs'
import { resolve } from 'node:path'
import { loadPeer } from '../inbox/peer.js'
import { postgresInbox, type PostgresPool } from '../inbox/postgres.js'
import { sqliteInbox } from '../inbox/sqlite.js'
import type { InboxStore } from '../inbox/store.js'
import { UsageError, type CliIo } from './common.js'

/** An open inbox and how to let go of it. */
export interface OpenedInbox {
  store: InboxStore
  /** the file, or the database URL without its password */
  where: string
  close: () => Promise<void>
}

/**
 * Opens the inbox named by `--file` / `--database-url`, else by
 * `MAGNETIS_INBOX_FILE` / `MAGNETIS_INBOX_DATABASE_URL`.
 * @throws {UsageError} when none or both are given, the file does not exist, or the URL is not a postgres:// URL
 * @throws {Error} when the file or database cannot be read, or holds no inbox table
 */
export async function openInbox (values: { file?: string | undefined, 'database-url'?: string | undefined }, io: CliIo): Promise<OpenedInbox> {
  const fromOptions = values.file !== undefined || values['database-url'] !== undefined
  const file = fromOptions ? values.file : io.env.MAGNETIS_INBOX_FILE || undefined
  const databaseUrl = fromOptions ? values['database-url'] : io.env.MAGNETIS_INBOX_DATABASE_URL || undefined
  if ((file === undefined) === (databaseUrl === undefined)) {
    throw new UsageError(file === undefined
      ? 'which inbox? pass --file FILE (SQLite) or --database-url URL (PostgreSQL), or set MAGNETIS_INBOX_FILE or MAGNETIS_INBOX_DATABASE_URL'
      : 'pass either --file or --database-url, not both')
  }
  return file === undefined ? await openPostgres(databaseUrl as string) : await openSqlite(file)
}

const TABLE = 'magnetis_inbox'

async function openSqlite (given: string): Promise<OpenedInbox> {
  const file = resolve(given)
  const stat = statSync(file, { throwIfNoEntry: false })
  if (stat === undefined) throw new UsageError(`no inbox at ${file}: the file does not exist (the app creates it when it starts)`)
  if (!stat.isFile()) throw new UsageError(`no inbox at ${file}: it is not a file`)
  const Database = await loadPeer<new (file: string) => { prepare: (sql: string) => { get: (parameters: unknown[]) => unknown }, close: () => void }>('libsql', 'inbox --file')
  let present: boolean
  const db = new Database(file)
  try {
    present = db.prepare('SELECT 1 FROM sqlite_master WHERE type = \'table\' AND name = ?').get([TABLE]) !== undefined
  } catch (error) {
    throw new Error(`cannot read ${file} as an SQLite database: ${(error as Error).message}`)
  } finally {
    db.close()
  }
  if (!present) throw new Error(`${file} holds no inbox (no ${TABLE} table): is it the file of the app's sqliteInbox?`)
  const store = sqliteInbox({ file })
  await store.open()
  return { store, where: file, close: () => store.close() }
}

async function openPostgres (databaseUrl: string): Promise<OpenedInbox> {
  let url: URL
  try {
    url = new URL(databaseUrl)
  } catch {
    throw new UsageError('--database-url must be a URL such as postgres://user@host:5432/database')
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new UsageError(`--database-url must be a postgres:// URL, not ${url.protocol}//…`)
  }
  url.password = ''
  const where = url.toString()
  const pg = await loadPeer<{ Pool: new (config: Record<string, unknown>) => PostgresPool & { on: (event: string, listener: () => void) => void } }>('pg', 'inbox --database-url')
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, connectionTimeoutMillis: 10_000 })
  // A connection the server drops while idle must not end the command with a stack trace.
  pool.on('error', () => {})
  try {
    const { rows } = await pool.query('SELECT to_regclass($1) IS NOT NULL AS present', [TABLE])
    if ((rows[0] as { present: boolean }).present !== true) throw new Error(`the database at ${where} holds no inbox (no ${TABLE} table): is it the app's database?`)
    const store = postgresInbox({ pool })
    await store.open()
    return { store, where, close: async () => { await store.close(); await pool.end() } }
  } catch (error) {
    await pool.end()
    const message = (error as Error).message
    throw new Error(message.startsWith('the database at') ? message : `cannot use the database at ${where}: ${message}`)
  }
}
