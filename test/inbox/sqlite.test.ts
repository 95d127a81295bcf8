// What only the SQLite store does (lib/inbox/sqlite.ts): the WAL journal,
// group commit (inserts of one turn of the event loop share a transaction,
// and fail together), and close() committing inserts already queued.
import t from 'tap'
import { join } from 'node:path'
import Database from 'libsql'
import { sqliteInbox } from '../../lib/inbox/sqlite.js'
import type { InboxDelivery } from '../../lib/inbox/store.js'

function delivery (dataId: string): InboxDelivery {
  return {
    body: Buffer.from(`{"event":"call:completed","data":{"id":"${dataId}"}}`),
    bodySha256: dataId.padEnd(64, '0'),
    contentType: 'application/json',
    signature: 's',
    route: { method: 'POST', url: '/hook' },
    params: {},
    event: 'call:completed',
    dataId,
    receivedAt: 1
  }
}

t.test('the file is in WAL mode, so readers (the CLI) never block the app\'s writes', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const store = sqliteInbox({ file })
  await store.open()
  t.teardown(() => store.close())
  const other = new Database(file)
  t.teardown(() => other.close())
  t.same((other.prepare('PRAGMA journal_mode').get([]) as { journal_mode?: string } | undefined)?.journal_mode, 'wal')
})

t.test('group commit: inserts of one turn share one transaction; when it fails, every one of them rejects and none is stored', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const store = sqliteInbox({ file })
  await store.open()
  t.teardown(() => store.close())
  const together = await Promise.all(['a', 'b', 'c'].map((id) => store.insert(delivery(id))))
  t.same(together.map((result) => result.duplicate), [false, false, false])
  // A row the table refuses (no signature) fails its whole batch: the others were answered 503 with it, never half-stored.
  const batch = [store.insert(delivery('d')), store.insert({ ...delivery('e'), signature: null as unknown as string }), store.insert(delivery('f'))]
  const outcomes = await Promise.allSettled(batch)
  t.same(outcomes.map((outcome) => outcome.status), ['rejected', 'rejected', 'rejected'])
  t.match((outcomes[1] as PromiseRejectedResult).reason.message, /NOT NULL/)
  t.same((await store.list()).map((row) => row.dataId).sort(), ['a', 'b', 'c'])
  t.equal((await store.insert(delivery('g'))).duplicate, false, 'the next batch commits')
})

t.test('close() commits the inserts already queued: their requests are waiting for it', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const store = sqliteInbox({ file })
  await store.open()
  const queued = store.insert(delivery('queued'))
  await store.close()
  t.equal((await queued).duplicate, false)
  await store.open()
  t.teardown(() => store.close())
  t.same((await store.list()).map((row) => row.dataId), ['queued'])
})
