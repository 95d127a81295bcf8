// Bad inbox options get clear errors, at once or at ready(), never a stack
// trace from deep inside a driver: a missing directory, a file that is no
// database, an unreachable PostgreSQL, a missing driver package, settings
// of the wrong type.
import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Fastify from 'fastify'
import pg from 'pg'
import magnetisWebhooks from '../../lib/index.js'
import { postgresInbox, sqliteInbox } from '../../lib/inbox/index.js'
import { ConfigurationError, InboxUnavailableError } from '../../lib/errors.js'
import { loadPeer } from '../../lib/inbox/peer.js'
import { resolveSettings } from '../../lib/inbox/settings.js'
import type { PostgresPool } from '../../lib/inbox/postgres.js'
import type { InboxDelivery } from '../../lib/inbox/store.js'
import { deliver, envelope, injectPost, KEY, URL } from '../helpers/plugin-harness.js'
import { inboxApp, methodsOf, waitForStatus } from '../helpers/inbox-harness.js'
import { withDatabase } from '../helpers/postgres.js'

async function readyError (inbox: unknown): Promise<Error> {
  const app = Fastify()
  try {
    await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, inbox: inbox as any })
    await app.ready()
  } catch (error) {
    return error as Error
  } finally {
    await app.close()
  }
  throw new Error('ready() resolved')
}

t.test('sqliteInbox: a missing file option, an in-memory database and bad settings are refused at once', async t => {
  t.throws(() => sqliteInbox(undefined as any), { name: 'ConfigurationError', message: /needs \{ file \}/ })
  t.throws(() => sqliteInbox({ file: '' }), ConfigurationError)
  t.throws(() => sqliteInbox({ file: ':memory:' }), { message: /not a durable file/ })
  t.throws(() => sqliteInbox({ file: 'file:x.db?mode=memory' }), { message: /not a durable file/ })
  t.throws(() => sqliteInbox({ file: 'x.db', maxAttempts: 0 }), { message: /sqliteInbox: "maxAttempts" must be a positive whole number, got 0/ })
  t.throws(() => sqliteInbox({ file: 'x.db', concurrency: 1.5 }), { message: /"concurrency" must be a positive whole number/ })
  t.throws(() => sqliteInbox({ file: 'x.db', leaseDuration: -1 }), { message: /"leaseDuration" must be a positive number of milliseconds/ })
  t.throws(() => sqliteInbox({ file: 'x.db', pollInterval: Number.NaN }), { message: /"pollInterval"/ })
  t.throws(() => sqliteInbox({ file: 'x.db', clock: {} as any }), { message: /"clock" must have a now\(\) method/ })
  t.throws(() => sqliteInbox({ file: 'x.db', retries: 3 } as any), { message: /unknown option "retries"; the inbox options are maxAttempts, /, code: 'FST_MAGNETIS_CONFIGURATION' })
  t.same(resolveSettings({ maxAttempts: undefined, retention: Infinity }).retention, Infinity, 'undefined keeps the default; Infinity is a duration')
  t.equal(resolveSettings().maxAttempts, 10)
})

t.test('sqliteInbox: ready() rejects with a clear error for a missing directory, a path through a file, and a file that is no database', async t => {
  const dir = t.testdir({ 'not-a-database.db': 'plain text, not SQLite '.repeat(100), 'a-file': 'x' })
  const missing = await readyError(sqliteInbox({ file: join(dir, 'no', 'such', 'dir', 'inbox.db') }))
  t.type(missing, ConfigurationError)
  t.match(missing.message, /the directory of ".*inbox\.db" does not exist: create ".*no\/such\/dir" first \(mkdir -p\)/)
  t.match((await readyError(sqliteInbox({ file: join(dir, 'a-file', 'inbox.db') }))).message, /does not exist/)
  const notDb = await readyError(sqliteInbox({ file: join(dir, 'not-a-database.db') }))
  t.type(notDb, ConfigurationError)
  t.match(notDb.message, /cannot use ".*not-a-database\.db" as an inbox: .*not a database/)
  mkdirSync(join(dir, 'a-directory.db'))
  t.match((await readyError(sqliteInbox({ file: join(dir, 'a-directory.db') }))).message, /sqliteInbox: cannot (open|use) ".*a-directory\.db"/)
})

t.test('the inbox option must be a store; route settings errors fail ready()', async t => {
  t.match((await readyError({ insert () {} })).message, /"inbox" must be an inbox store such as sqliteInbox/)
  t.match((await readyError('var/inbox.db')).message, /"inbox" must be an inbox store/)
  const store = sqliteInbox({ file: join(t.testdir(), 'x.db') })
  // A store written by someone else may carry bad settings: the worker checks them too.
  const bad = { ...methodsOf(store), kind: 'custom', settings: { maxAttempts: -1 } }
  t.match((await readyError(bad)).message, /inbox \(custom\): "maxAttempts" must be a positive whole number/)
})

t.test('postgresInbox: exactly one of connectionString and pool, and a pool that can query', async t => {
  t.throws(() => postgresInbox({} as any), { message: /needs exactly one of \{ connectionString \}/ })
  t.throws(() => postgresInbox(undefined as any), ConfigurationError)
  t.throws(() => postgresInbox({ connectionString: '' }), ConfigurationError)
  t.throws(() => postgresInbox({ connectionString: 'postgres://x', pool: {} } as any), { message: /exactly one/ })
  t.throws(() => postgresInbox({ pool: {} as any }), { message: /"pool" must be a pg.Pool/ })
  t.throws(() => postgresInbox({ connectionString: 'postgres://x', firstRetryDelay: 0 }), { message: /postgresInbox: "firstRetryDelay"/ })
})

t.test('postgresInbox: an unreachable database fails ready() with its address, never its password', async t => {
  const error = await readyError(postgresInbox({ connectionString: 'postgres://app:s3cret@127.0.0.1:1/app', connectionTimeout: 5000 }))
  t.type(error, InboxUnavailableError)
  t.match(error.message, /postgresInbox: cannot use the database at postgres:\/\/app@127\.0\.0\.1:1\/app: .*ECONNREFUSED/)
  t.notMatch(error.message, /s3cret/)
  const garbled = await readyError(postgresInbox({ connectionString: 'not a url' }))
  t.match(garbled.message, /cannot use the database at the given connection string/)
})

t.test('postgresInbox with your own pool: used as given, never ended; a duplicate whose first row vanished in between is stored again', async t => {
  await withDatabase(t, async (connectionString) => {
    const pool = new pg.Pool({ connectionString })
    // As pg advises for any pool (and the store does for its own): an idle connection the server drops, here when
    // this test's database is dropped, must not surface as an uncaught error.
    pool.on('error', () => {})
    let dropNextLookup = false
    // The pool as given, except that one duplicate lookup finds nothing, as when a prune deletes the row in between.
    const racing: PostgresPool = {
      query: async (text: string, values?: unknown[]) => {
        const result = await pool.query(text, values)
        if (dropNextLookup && text.startsWith('SELECT id FROM magnetis_inbox WHERE dedupe_key')) {
          dropNextLookup = false
          return { rows: [], rowCount: 0 }
        }
        return result
      },
      end: async () => { throw new Error('the store must not end a pool it was given') }
    }
    const inbox = postgresInbox({ pool: racing })
    await inbox.open()
    const delivery: InboxDelivery = {
      body: Buffer.from('{}'), bodySha256: 'h', contentType: null, signature: 's', route: { method: 'POST', url: '/hook' }, params: {}, event: 'call:completed', dataId: '1', receivedAt: 1
    }
    const first = await inbox.insert(delivery)
    dropNextLookup = true
    t.same(await inbox.insert(delivery), { id: first.id, duplicate: true }, 'the second try finds it')
    t.equal(dropNextLookup, false)
    await inbox.close()
    t.equal((await pool.query('SELECT count(*)::int AS n FROM magnetis_inbox')).rows[0].n, 1, 'the pool still works')
    await pool.end()
  })
})

t.test('postgresInbox through the plugin: the 200 after the commit, the handler from the row', async t => {
  await withDatabase(t, async (connectionString) => {
    const inbox = postgresInbox({ connectionString, pollInterval: 20 })
    const seen: string[] = []
    const app = await inboxApp(t, inbox, { onAny: (_event, _request, context) => { seen.push(context.deliveryId as string) } })
    const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
    t.equal(answer.status, 200)
    await waitForStatus(inbox, answer.body.delivery, 'done')
    t.same(seen, [answer.body.delivery])
    await app.close()
  })
})

t.test('loadPeer: a missing package is a ConfigurationError that says how to install it; other load errors pass through', async t => {
  await t.rejects(loadPeer('magnetis-no-such-package', 'sqliteInbox'), {
    name: 'ConfigurationError',
    message: 'fastify-magnetis-webhooks: sqliteInbox needs the "magnetis-no-such-package" package, which is not installed: run npm install magnetis-no-such-package'
  })
  const broken = join(t.testdir(), 'broken.mjs')
  writeFileSync(broken, 'throw new Error("broken on load")\n')
  await t.rejects(loadPeer(broken, 'x'), { message: 'broken on load' })
  const noDefault = join(t.testdir(), 'named.mjs')
  writeFileSync(noDefault, 'export const Pool = 1\n')
  t.same(await loadPeer(noDefault, 'x'), { Pool: 1 }, 'an ESM package without a default export gives its namespace')
  const Database = await loadPeer<new (file: string) => { close (): void }>('libsql', 'sqliteInbox')
  t.type(Database, 'function', 'a CommonJS package gives its main export')
})
