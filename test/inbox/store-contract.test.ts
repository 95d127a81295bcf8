// The store contract (lib/inbox/store.ts), run against each real store: a
// SQLite file on disk and a PostgreSQL database. A new store passes it by
// adding one entry to STORES.
import t, { type Test } from 'tap'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { sqliteInbox } from '../../lib/inbox/sqlite.js'
import { postgresInbox } from '../../lib/inbox/postgres.js'
import type { InboxDelivery, InboxStore } from '../../lib/inbox/store.js'
import { withDatabase } from '../helpers/postgres.js'

const STORES: Array<{ name: string, withStore: (t: Test, body: (store: InboxStore) => Promise<void>) => Promise<void> }> = [
  {
    name: 'sqlite',
    withStore: async (t, body) => {
      const store = sqliteInbox({ file: join(t.testdir(), 'inbox.db') })
      await store.open()
      try { await body(store) } finally { await store.close() }
    }
  },
  {
    name: 'postgres',
    withStore: (t, body) => withDatabase(t, async (connectionString) => {
      const store = postgresInbox({ connectionString })
      await store.open()
      try { await body(store) } finally { await store.close() }
    })
  }
]

const ROUTE = 'POST /hook'

function delivery (overrides: Partial<InboxDelivery> = {}): InboxDelivery {
  const body = overrides.body ?? Buffer.from(JSON.stringify({ event: overrides.event ?? 'call:completed', data: { id: overrides.dataId ?? 'call-1' } }))
  return {
    body,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    contentType: 'application/json',
    signature: 'c2lnbmF0dXJl',
    route: { method: 'POST', url: '/hook' },
    params: {},
    event: 'call:completed',
    dataId: 'call-1',
    receivedAt: 1_000,
    ...overrides
  }
}

const claimAt = (store: InboxStore, now: number, owner = 'worker-a', limit = 10, leaseUntil = now + 100) =>
  store.claim({ routes: [ROUTE], limit, owner, now, leaseUntil })

for (const { name, withStore } of STORES) {
  t.test(name, async t => {
    t.test('insert keeps every field, the raw bytes exactly, and starts pending and due at once', t => withStore(t, async store => {
      // Bytes that are not UTF-8, a NUL and a high byte: stored as given, not as text.
      const body = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x80, 0x7d])
      const given = delivery({ body, bodySha256: createHash('sha256').update(body).digest('hex'), params: { tenant: 'acme' }, contentType: null, route: { method: 'POST', url: '/t/:tenant' } })
      const { id, duplicate } = await store.insert(given)
      t.equal(duplicate, false)
      const row = await store.get(id)
      t.ok(row)
      t.ok(Buffer.isBuffer(row?.body))
      t.ok(row?.body.equals(body), 'the raw bytes, byte for byte')
      t.match(row, {
        id, bodySha256: given.bodySha256, contentType: null, signature: given.signature, route: { method: 'POST', url: '/t/:tenant' },
        params: { tenant: 'acme' }, event: 'call:completed', dataId: 'call-1', receivedAt: 1_000,
        status: 'pending', attempts: 0, nextAttemptAt: 1_000, leaseOwner: null, leaseUntil: null, lastError: null, replays: 0, updatedAt: 1_000
      })
      t.equal(await store.get('999999'), undefined, 'an unknown id')
      t.equal(await store.get('not-an-id'), undefined, 'text that is no id')
    }))

    t.test('dedupe: same event, data.id and body is a duplicate of the first row; any difference is new; test events never', t => withStore(t, async store => {
      const first = await store.insert(delivery())
      t.same(await store.insert(delivery()), { id: first.id, duplicate: true })
      const otherBody = delivery({ body: Buffer.from('{"event":"call:completed","data":{"id":"call-1","x":1}}') })
      t.equal((await store.insert({ ...otherBody, bodySha256: createHash('sha256').update(otherBody.body).digest('hex') })).duplicate, false, 'another body')
      t.equal((await store.insert(delivery({ event: 'call:missed' }))).duplicate, false, 'another event name')
      t.equal((await store.insert(delivery({ dataId: 'call-2' }))).duplicate, false, 'another data.id')
      const noId = await store.insert(delivery({ dataId: null }))
      t.same(await store.insert(delivery({ dataId: null })), { id: noId.id, duplicate: true }, 'no data.id: the body hash still deduplicates')
      const testA = await store.insert(delivery({ event: 'test' }))
      const testB = await store.insert(delivery({ event: 'test' }))
      t.equal(testB.duplicate, false, 'a test event is stored again')
      t.not(testA.id, testB.id)
      t.equal((await store.list()).length, 7)
    }))

    t.test('concurrent inserts, duplicates among them: one row per delivery, each caller told which', t => withStore(t, async store => {
      const results = await Promise.all([...Array(20).keys()].map((index) => store.insert(delivery({ dataId: `call-${index % 5}` }))))
      t.equal(results.filter((result) => !result.duplicate).length, 5)
      t.equal(new Set(results.map((result) => result.id)).size, 5)
      t.equal((await store.list()).length, 5)
    }))

    t.test('claim: due rows only, oldest due first, one attempt each, held under a lease', async t => withStore(t, async store => {
      const early = await store.insert(delivery({ dataId: 'a', receivedAt: 100 }))
      const late = await store.insert(delivery({ dataId: 'b', receivedAt: 300 }))
      await store.insert(delivery({ dataId: 'c', receivedAt: 200, route: { method: 'POST', url: '/other' } }))
      t.same(await claimAt(store, 50), [], 'nothing is due before it was received')
      const claimed = await claimAt(store, 1_000, 'worker-a', 1)
      t.same(claimed.map((row) => row.id), [early.id], 'the oldest due, within the limit')
      t.match(claimed[0], { status: 'processing', attempts: 1, leaseOwner: 'worker-a', leaseUntil: 1_100 })
      t.same((await claimAt(store, 1_000, 'worker-b')).map((row) => row.id), [late.id], 'a held row is not claimed again; another route\'s row is left')
      t.same(await claimAt(store, 1_050, 'worker-c'), [], 'nothing left while the leases hold')
      t.same(await store.claim({ routes: [], limit: 10, owner: 'x', now: 5_000, leaseUntil: 6_000 }), [], 'no routes, no rows')
    }))

    t.test('a lease that ran out (its process died) makes the row due again, one attempt more; the old holder can no longer settle it', t => withStore(t, async store => {
      const { id } = await store.insert(delivery())
      await claimAt(store, 1_000, 'dead-worker')
      const reclaimed = await claimAt(store, 1_100, 'new-worker')
      t.match(reclaimed, [{ id, attempts: 2, leaseOwner: 'new-worker', leaseUntil: 1_200 }])
      t.equal(await store.complete(id, 'dead-worker', 1_150), false, 'the stale holder')
      t.equal(await store.renew(id, 'dead-worker', 9_999), false)
      t.equal(await store.complete(id, 'new-worker', 1_150), true)
      t.match(await store.get(id), { status: 'done', leaseOwner: null, leaseUntil: null, nextAttemptAt: null, updatedAt: 1_150 })
      t.equal(await store.complete(id, 'new-worker', 1_160), false, 'a done row is no longer held')
    }))

    t.test('renew extends a held lease', t => withStore(t, async store => {
      const { id } = await store.insert(delivery())
      await claimAt(store, 1_000)
      t.equal(await store.renew(id, 'worker-a', 5_000), true)
      t.same(await claimAt(store, 4_000, 'worker-b'), [], 'still held')
      t.equal((await claimAt(store, 5_000, 'worker-b')).length, 1, 'due at the renewed end')
      t.equal(await store.renew('nope', 'worker-a', 1), false)
    }))

    t.test('retry: back to pending until its time, with the error; then due', t => withStore(t, async store => {
      const { id } = await store.insert(delivery())
      await claimAt(store, 1_000)
      t.equal(await store.retry(id, 'worker-a', 3_000, { message: 'CRM down', code: 'ECONNREFUSED' }, 1_010), true)
      t.match(await store.get(id), { status: 'pending', attempts: 1, nextAttemptAt: 3_000, leaseOwner: null, lastError: { message: 'CRM down', code: 'ECONNREFUSED' } })
      t.same(await claimAt(store, 2_999), [])
      t.match(await claimAt(store, 3_000), [{ id, attempts: 2 }])
      t.equal(await store.retry(id, 'someone-else', 9_000, { message: 'x', code: null }, 3_010), false)
      t.equal(await store.retry('0', 'worker-a', 9_000, { message: 'x', code: null }, 3_010), false)
    }))

    t.test('dead and invalid keep their error; complete keeps the last one; none is due again', t => withStore(t, async store => {
      const a = await store.insert(delivery({ dataId: 'a' }))
      const b = await store.insert(delivery({ dataId: 'b' }))
      const c = await store.insert(delivery({ dataId: 'c' }))
      await claimAt(store, 1_000)
      t.equal(await store.dead(a.id, 'worker-a', { message: 'gave up', code: 'FST_MAGNETIS_HANDLER_FAILED' }, 1_001), true)
      t.equal(await store.invalid(b.id, 'worker-a', { message: 'bad data', code: null }, 1_002), true)
      await store.retry(c.id, 'worker-a', 1_003, { message: 'first try failed', code: 'E1' }, 1_002)
      await claimAt(store, 1_003)
      t.equal(await store.complete(c.id, 'worker-a', 1_004), true)
      t.match(await store.get(a.id), { status: 'dead', lastError: { message: 'gave up', code: 'FST_MAGNETIS_HANDLER_FAILED' }, nextAttemptAt: null })
      t.match(await store.get(b.id), { status: 'invalid', lastError: { message: 'bad data', code: null } })
      t.match(await store.get(c.id), { status: 'done', attempts: 2, lastError: { message: 'first try failed', code: 'E1' } })
      t.same(await claimAt(store, 100_000), [])
      t.equal(await store.dead('x', 'worker-a', { message: '', code: null }, 1), false)
      t.equal(await store.invalid(a.id, 'worker-a', { message: '', code: null }, 1), false, 'no longer held')
    }))

    t.test('list: newest first, by status (one or several), event, limit and paging', t => withStore(t, async store => {
      const ids: string[] = []
      for (let index = 0; index < 5; index++) ids.push((await store.insert(delivery({ dataId: `d${index}`, event: index % 2 === 0 ? 'call:completed' : 'lead:created' }))).id)
      await claimAt(store, 1_000, 'w', 1)
      await store.dead(ids[0] as string, 'w', { message: 'x', code: null }, 1_001)
      t.same((await store.list()).map((row) => row.id), [...ids].reverse())
      t.same((await store.list({ status: 'dead' })).map((row) => row.id), [ids[0]])
      t.same((await store.list({ status: ['dead', 'pending'] })).length, 5)
      t.same((await store.list({ event: 'lead:created' })).map((row) => row.id), [ids[3], ids[1]])
      t.same((await store.list({ limit: 2 })).map((row) => row.id), [ids[4], ids[3]])
      t.same((await store.list({ before: ids[2] as string })).map((row) => row.id), [ids[1], ids[0]])
      t.same(await store.list({ before: 'zzz' }), [], 'paging from no id gives nothing')
      t.same(await store.list({ status: 'done', event: 'call:completed', limit: 1 }), [])
    }))

    t.test('replay: final rows back to pending, due now, attempts reset, counted; pending and processing rows untouched', t => withStore(t, async store => {
      const dead = await store.insert(delivery({ dataId: 'dead' }))
      const done = await store.insert(delivery({ dataId: 'done' }))
      const held = await store.insert(delivery({ dataId: 'held' }))
      const waiting = await store.insert(delivery({ dataId: 'waiting', receivedAt: 50_000 }))
      await claimAt(store, 1_000, 'worker-a', 10, 1_000_000)
      await store.dead(dead.id, 'worker-a', { message: 'no', code: null }, 1_001)
      await store.complete(done.id, 'worker-a', 1_001)
      t.equal(await store.replay({ ids: [dead.id, held.id, waiting.id, 'bogus'] }, 2_000), 1, 'only the dead row')
      t.match(await store.get(dead.id), { status: 'pending', attempts: 0, nextAttemptAt: 2_000, replays: 1, lastError: { message: 'no' } })
      t.match(await store.get(held.id), { status: 'processing', replays: 0 })
      t.equal(await store.replay({ status: ['done', 'processing', 'pending'] }, 3_000), 1, 'by status: only final ones')
      t.match(await store.get(done.id), { status: 'pending', replays: 1, nextAttemptAt: 3_000 })
      t.equal(await store.replay({ status: 'invalid' }, 3_000), 0)
      t.match(await claimAt(store, 3_000, 'worker-b'), [{ id: dead.id, attempts: 1 }, { id: done.id, attempts: 1 }])
    }))

    t.test('prune: final rows received before the time; never pending or processing ones; by status', t => withStore(t, async store => {
      const old = await store.insert(delivery({ dataId: 'old', receivedAt: 100 }))
      const oldDead = await store.insert(delivery({ dataId: 'old-dead', receivedAt: 100 }))
      const oldPending = await store.insert(delivery({ dataId: 'old-pending', receivedAt: 100, route: { method: 'POST', url: '/elsewhere' } }))
      const recent = await store.insert(delivery({ dataId: 'recent', receivedAt: 5_000 }))
      await claimAt(store, 6_000, 'w')
      await store.complete(old.id, 'w', 6_001)
      await store.dead(oldDead.id, 'w', { message: 'x', code: null }, 6_001)
      await store.complete(recent.id, 'w', 6_001)
      t.equal(await store.prune({ receivedBefore: 1_000, status: 'done' }), 1)
      t.equal(await store.get(old.id), undefined)
      t.ok(await store.get(oldDead.id), 'dead rows stay when only done ones are pruned')
      t.equal(await store.prune({ receivedBefore: 1_000 }), 1, 'default: every final status')
      t.equal(await store.get(oldDead.id), undefined)
      t.ok(await store.get(oldPending.id), 'a pending row is never pruned')
      t.equal(await store.prune({ receivedBefore: 1_000_000, status: ['pending', 'processing'] }), 0)
      t.ok(await store.get(recent.id))
      // A pruned row no longer deduplicates, and its id is not reused.
      const again = await store.insert(delivery({ dataId: 'old', receivedAt: 7_000 }))
      t.equal(again.duplicate, false)
      t.ok(Number(again.id) > Number(recent.id), 'ids only grow')
    }))

    t.test('methods of a closed store reject; it can be opened again', t => withStore(t, async store => {
      await store.insert(delivery())
      await store.close()
      await t.rejects(store.get('1'), /not open/)
      await t.rejects(store.insert(delivery({ dataId: 'closed' })), /not open/)
      await store.open()
      await store.open()
      t.equal((await store.list()).length, 1, 'what was committed is there')
    }))
  })
}
