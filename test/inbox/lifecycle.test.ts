// The worker's life (lib/inbox/worker.ts) on SQLite files: close() waits
// for handlers in flight (bounded) and leaves the rest for the next start;
// leases are renewed while handlers run and exhausted attempts end dead;
// retention pruning; store failures are logged, never thrown at the app.
import t from 'tap'
import { join } from 'node:path'
import Fastify from 'fastify'
import Database from 'libsql'
import magnetisWebhooks from '../../lib/index.js'
import { retryDelay } from '../../lib/inbox/worker.js'
import { deliver, envelope, injectPost, KEY, URL } from '../helpers/plugin-harness.js'
import { inboxApp, methodsOf, testInbox, waitFor, waitForStatus } from '../helpers/inbox-harness.js'
import type { InboxDelivery, InboxStore } from '../../lib/inbox/store.js'

/** A gate a handler waits on until the test opens it. */
function gate (): { wait: () => Promise<void>, open: () => void } {
  let open!: () => void
  const opened = new Promise<void>((resolve) => { open = resolve })
  return { wait: () => opened, open }
}

function captured (): { stream: { write: (line: string) => void }, text: () => string } {
  const lines: string[] = []
  return { stream: { write: (line: string) => { lines.push(line) } }, text: () => lines.join('') }
}

const DELIVERY: InboxDelivery = {
  body: Buffer.from(JSON.stringify(envelope('call:completed'))),
  bodySha256: 'x'.repeat(64),
  contentType: 'application/json',
  signature: 'sig',
  route: { method: 'POST', url: '/hook' },
  params: {},
  event: 'call:completed',
  dataId: 'call-1',
  receivedAt: 0
}

t.test('retry delays double from firstRetryDelay up to maxRetryDelay', async t => {
  const settings = { firstRetryDelay: 1000, maxRetryDelay: 3_600_000 }
  t.same([1, 2, 3, 10, 13, 40].map((attempt) => retryDelay(attempt, settings)), [1000, 2000, 4000, 512_000, 3_600_000, 3_600_000])
})

t.test('close() waits for a handler in flight, which then completes its row', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const started = gate()
  const release = gate()
  const app = await inboxApp(t, testInbox(t, {}, file), { onCallCompleted: async () => { started.open(); await release.wait() } })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  await started.wait()
  const closing = app.close()
  setTimeout(release.open, 20)
  await closing
  const reader = testInbox(t, {}, file)
  await reader.open()
  t.teardown(() => reader.close())
  t.match(await reader.get(answer.body.delivery), { status: 'done', attempts: 1 })
})

t.test('close() waits at most closeTimeout; the unfinished row keeps its lease and the next start runs it; nothing else was claimed', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const logs = captured()
  const started = gate()
  const release = gate()
  t.teardown(release.open)
  const firstCalls: string[] = []
  const first = await inboxApp(t, testInbox(t, { closeTimeout: 30, leaseDuration: 150, concurrency: 1 }, file), {
    onAny: async (event) => { firstCalls.push(event.data.id as string); started.open(); await release.wait() }
  }, { logger: { level: 'warn', stream: logs.stream } })
  const hung = await injectPost(first, '/hook', deliver({ event: 'call:completed', data: { ...envelope('x').data as object, id: 'call-hung' } }))
  const queued = await injectPost(first, '/hook', deliver({ event: 'call:completed', data: { ...envelope('x').data as object, id: 'call-queued' } }))
  await started.wait()
  await first.close()
  t.match(logs.text(), /deliveries still running at close/)
  const reader = testInbox(t, {}, file)
  await reader.open()
  t.teardown(() => reader.close())
  t.match(await reader.get(hung.body.delivery), { status: 'processing', attempts: 1 }, 'left as it was, under its lease')
  t.match(await reader.get(queued.body.delivery), { status: 'pending', attempts: 0 }, 'not claimed: concurrency 1, and claiming stopped')

  const secondCalls: Array<[string, number]> = []
  await inboxApp(t, testInbox(t, { leaseDuration: 150 }, file), { onAny: (event, _request, context) => { secondCalls.push([event.data.id as string, context.attempt]) } })
  await waitForStatus(reader, hung.body.delivery, 'done')
  await waitForStatus(reader, queued.body.delivery, 'done')
  t.same(secondCalls.sort(), [['call-hung', 2], ['call-queued', 1]])
  t.same(firstCalls, ['call-hung'], 'the closed app claimed nothing more')
})

t.test('a lease is renewed while a handler outruns it: another worker on the same file does not take the row', async t => {
  // Counted renewals, not a sleep: the handler runs past its lease by work the worker must do (renew), and the
  // lease (3 s, renewed every 1 s) leaves the renewal timer 2 s of slack on a loaded machine.
  const file = join(t.testdir(), 'inbox.db')
  const leaseDuration = 3000
  let renewals = 0
  let renewed: () => void = () => {}
  // Either worker may claim the row: both stores count their renewals.
  const counting = (store: InboxStore): InboxStore => {
    const renew = store.renew.bind(store)
    store.renew = async (...args) => {
      const held = await renew(...args)
      if (held && ++renewals >= 4) renewed()
      return held
    }
    return store
  }
  let calls = 0
  const handler = async (): Promise<void> => {
    calls++
    await new Promise<void>((resolve) => { renewed = resolve })
  }
  const a = await inboxApp(t, counting(testInbox(t, { leaseDuration }, file)), { onAny: handler })
  await inboxApp(t, counting(testInbox(t, { leaseDuration }, file)), { onAny: handler })
  const answer = await injectPost(a, '/hook', deliver(envelope('call:completed')))
  const reader = testInbox(t, {}, file)
  await reader.open()
  t.teardown(() => reader.close())
  const row = await waitForStatus(reader, answer.body.delivery, 'done')
  t.equal(calls, 1, 'handled once, though it ran longer than its lease (four renewals)')
  t.ok(renewals >= 4)
  t.equal(row.attempts, 1)
})

t.test('a lease lost while the handler runs is logged, and the stale worker does not settle the row', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const logs = captured()
  const started = gate()
  const release = gate()
  const inbox = testInbox(t, { leaseDuration: 60 }, file)
  const app = await inboxApp(t, inbox, { onAny: async () => { started.open(); await release.wait() } }, { logger: { level: 'warn', stream: logs.stream } })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  await started.wait()
  const other = new Database(file)
  t.teardown(() => other.close())
  // Another worker holds it now, for an hour.
  other.prepare('UPDATE magnetis_inbox SET lease_owner = ?, lease_until = ? WHERE id = ?').run(['another-worker', Date.now() + 3_600_000, Number(answer.body.delivery)])
  await waitFor(() => /lease of a running delivery was lost/.test(logs.text()), 'the renewal to notice')
  release.open()
  await waitFor(() => /lease ran out before it was settled/.test(logs.text()), 'the settle to notice')
  t.match(await inbox.get(answer.body.delivery), { status: 'processing', leaseOwner: 'another-worker' }, 'left to its new holder')
})

t.test('a row whose every attempt ended without a result (its process died) is dead; onError hears InboxLeaseExpiredError; no handler runs', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const crashed = testInbox(t, {}, file)
  await crashed.open()
  const { id } = await crashed.insert({ ...DELIVERY, receivedAt: Date.now() })
  // Two claims whose process never came back (leases already over).
  await crashed.claim({ routes: ['POST /hook'], limit: 1, owner: 'gone-1', now: Date.now(), leaseUntil: 0 })
  await crashed.claim({ routes: ['POST /hook'], limit: 1, owner: 'gone-2', now: Date.now(), leaseUntil: 0 })
  await crashed.close()
  const heard: Array<[string, number, boolean, string]> = []
  let handled = 0
  const inbox = testInbox(t, { maxAttempts: 2 }, file)
  await inboxApp(t, inbox, {
    onAny: () => { handled++ },
    onError: (error, event, _request, context) => { heard.push([(error as any).code, context.attempt, context.lastAttempt, event.name]) }
  })
  const row = await waitForStatus(inbox, id, 'dead')
  t.match(row, { attempts: 3, lastError: { code: 'FST_MAGNETIS_INBOX_LEASE_EXPIRED', message: /all 2 attempts/ } })
  t.same(heard, [['FST_MAGNETIS_INBOX_LEASE_EXPIRED', 3, true, 'call:completed']])
  t.equal(handled, 0)
})

t.test('a stored body that no longer reads (route options changed since) is invalid, and onError hears why', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const seed = testInbox(t, {}, file)
  await seed.open()
  const { id } = await seed.insert({ ...DELIVERY, body: Buffer.from('{"event":'), receivedAt: Date.now() })
  await seed.close()
  const heard: string[] = []
  const inbox = testInbox(t, {}, file)
  await inboxApp(t, inbox, { onError: (error, event) => { heard.push(`${(error as any).code} ${event.name}`) } })
  const row = await waitForStatus(inbox, id, 'invalid')
  t.match(row.lastError, { code: 'FST_MAGNETIS_MALFORMED_BODY' })
  t.same(heard, ['FST_MAGNETIS_MALFORMED_BODY call:completed'])
})

t.test('an unexpected failure before the handlers (a key resolver that throws on replay) is retried, then dead', async t => {
  const inbox = testInbox(t, { maxAttempts: 2 })
  let resolverCalls = 0
  const heard: boolean[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, {
    path: '/hook',
    url: URL,
    key: () => {
      if (++resolverCalls > 1) throw new Error('vault unreachable')
      return KEY
    },
    inbox,
    onError: (_error, _event, _request, context) => { heard.push(context.lastAttempt) }
  })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  await waitForStatus(inbox, answer.body.delivery, 'done')
  t.equal(await inbox.replay({ ids: [answer.body.delivery] }, Date.now()), 1)
  const row = await waitForStatus(inbox, answer.body.delivery, 'dead')
  t.match(row, { attempts: 2, lastError: { message: 'vault unreachable', code: null } })
  t.same(heard, [false, true])
})

t.test('retention: handled rows received before it are pruned at start and then every pruneInterval; dead and pending rows stay', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const now = Date.now()
  const day = 24 * 60 * 60 * 1000
  const seed = testInbox(t, {}, file)
  await seed.open()
  const old = await seed.insert({ ...DELIVERY, dataId: 'old', receivedAt: now - 31 * day })
  const oldDead = await seed.insert({ ...DELIVERY, dataId: 'old-dead', receivedAt: now - 31 * day })
  const oldElsewhere = await seed.insert({ ...DELIVERY, dataId: 'pending', receivedAt: now - 31 * day, route: { method: 'POST', url: '/elsewhere' } })
  const recent = await seed.insert({ ...DELIVERY, dataId: 'recent', receivedAt: now - 29 * day })
  await seed.claim({ routes: ['POST /hook'], limit: 10, owner: 'w', now, leaseUntil: now + 60_000 })
  await seed.complete(old.id, 'w', now)
  await seed.dead(oldDead.id, 'w', { message: 'x', code: null }, now)
  await seed.complete(recent.id, 'w', now)
  await seed.close()
  // A clock a day ahead: the "recent" row passes its 30 days while the app runs, and the next prune removes it.
  let clockNow = now
  const inbox = testInbox(t, { pruneInterval: 20, clock: { now: () => clockNow } }, file)
  await inboxApp(t, inbox)
  await waitFor(async () => (await inbox.get(old.id)) === undefined, 'the old handled row to be pruned')
  t.ok(await inbox.get(recent.id), 'within its retention')
  clockNow = now + 2 * day
  await waitFor(async () => (await inbox.get(recent.id)) === undefined, 'the next prune')
  t.ok(await inbox.get(oldDead.id), 'a dead row stays until replayed or pruned by hand')
  t.ok(await inbox.get(oldElsewhere.id), 'a pending row is never pruned')
})

t.test('retention Infinity prunes nothing', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const seed = testInbox(t, {}, file)
  await seed.open()
  const old = await seed.insert({ ...DELIVERY, receivedAt: 1 })
  await seed.claim({ routes: ['POST /hook'], limit: 1, owner: 'w', now: 2, leaseUntil: 3 })
  await seed.complete(old.id, 'w', 2)
  await seed.close()
  const inbox = testInbox(t, { retention: Infinity }, file)
  const app = await inboxApp(t, inbox)
  // A delivery handled after start proves the worker ran (a prune would have come first).
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  await waitForStatus(inbox, answer.body.delivery, 'done')
  t.ok(await inbox.get(old.id))
})

t.test('a store that fails under the worker: claims, settles, renewals and prunes are logged; the app goes on', async t => {
  const logs = captured()
  const started = gate()
  const release = gate()
  t.teardown(release.open)
  const inbox = testInbox(t, { leaseDuration: 60, pruneInterval: 20 })
  const app = await inboxApp(t, inbox, { onAny: async () => { started.open(); await release.wait() } }, { logger: { level: 'warn', stream: logs.stream } })
  await injectPost(app, '/hook', deliver(envelope('call:completed')))
  await started.wait()
  // The store closes under the running app (a disk gone, say).
  await inbox.close()
  await waitFor(() => /could not renew the lease/.test(logs.text()), 'a renewal to fail')
  release.open()
  await waitFor(() => /could not record a delivery's outcome/.test(logs.text()), 'the settle to fail')
  await waitFor(() => /could not claim due deliveries/.test(logs.text()), 'a claim to fail')
  await waitFor(() => /could not prune the inbox/.test(logs.text()), 'a prune to fail')
  const refused = await injectPost(app, '/hook', deliver(envelope('call:missed')))
  t.equal(refused.status, 503, 'and deliveries are refused with 503 while it is down')
})

/** The real store, whose first claim answers only once `firstClaim` opens; `claimStarted` opens when it began; `claims()` counts them. */
function holdFirstClaim (store: InboxStore): { slow: InboxStore, claimStarted: ReturnType<typeof gate>, firstClaim: ReturnType<typeof gate>, claims: () => number } {
  const firstClaim = gate()
  const claimStarted = gate()
  let claims = 0
  const slow = {
    ...methodsOf(store),
    kind: store.kind,
    settings: store.settings,
    claim: async (request: Parameters<typeof store.claim>[0]) => {
      const rows = await store.claim(request)
      if (++claims === 1) {
        claimStarted.open()
        await firstClaim.wait()
      }
      return rows
    }
  }
  return { slow: slow as InboxStore, claimStarted, firstClaim, claims: () => claims }
}

t.test('a delivery stored while a claim is running is claimed right after it, not at the next poll', async t => {
  const store = testInbox(t, { pollInterval: 60_000 })
  const { slow, claimStarted, firstClaim } = holdFirstClaim(store)
  const seen: string[] = []
  const app = await inboxApp(t, slow, { onAny: (event) => { seen.push(event.name) } })
  await claimStarted.wait()
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  // The insert's wake-up timer (due now) fires before this later one: it finds the claim still running.
  await new Promise((resolve) => setTimeout(resolve, 5))
  firstClaim.open()
  await waitForStatus(store, answer.body.delivery, 'done')
  t.same(seen, ['call:completed'])
})

t.test('close() during a claim: the claim finishes, and the delivery stored meanwhile is left pending for the next start', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const store = testInbox(t, { pollInterval: 60_000 }, file)
  const { slow, claimStarted, firstClaim, claims } = holdFirstClaim(store)
  let handled = 0
  const app = Fastify()
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, inbox: slow, onAny: () => { handled++ } })
  // Fastify runs onClose hooks last-added first: this one, then the plugin's, which stops the worker at once and waits for the claim.
  app.addHook('onClose', async () => { setImmediate(firstClaim.open) })
  await app.ready()
  await claimStarted.wait()
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  await new Promise((resolve) => setTimeout(resolve, 5))
  await app.close()
  t.equal(claims(), 1, 'no claim after close()')
  t.equal(handled, 0)
  const reader = testInbox(t, {}, file)
  await reader.open()
  t.teardown(() => reader.close())
  t.match(await reader.get(answer.body.delivery), { status: 'pending', attempts: 0 })
})

t.test('one store on several routes and apps is opened once and closed with its last user', async t => {
  const inbox = testInbox(t)
  const seen: string[] = []
  const first = Fastify()
  await first.register(magnetisWebhooks, { path: '/a', url: URL, key: KEY, inbox, onAny: () => { seen.push('a') } })
  await first.register(magnetisWebhooks, { path: '/b', url: URL, key: KEY, inbox, onAny: () => { seen.push('b') } })
  const second = await inboxApp(t, inbox, { onAny: () => { seen.push('second') } })
  await first.ready()
  const a = await injectPost(first, '/a', deliver(envelope('call:completed')))
  const b = await injectPost(first, '/b', deliver(envelope('call:missed')))
  await waitForStatus(inbox, a.body.delivery, 'done')
  await waitForStatus(inbox, b.body.delivery, 'done')
  await first.close()
  const afterwards = await injectPost(second, '/hook', deliver(envelope('call:ringing')))
  t.equal(afterwards.status, 200, 'still open for the other app')
  await waitForStatus(inbox, afterwards.body.delivery, 'done')
  t.same(seen.sort(), ['a', 'b', 'second'])
})

t.test('a route declared before the plugin is registered still stores and handles (its worker starts at the first delivery)', async t => {
  const inbox = testInbox(t)
  const seen: string[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register((await import('@fastify/formbody')).default)
  app.post('/early', { config: { magnetis: { url: URL, key: KEY, inbox, onAny: (event) => { seen.push(event.name) } } } }, async () => 'unused')
  await app.register(magnetisWebhooks)
  await app.ready()
  const answer = await injectPost(app, '/early', deliver(envelope('call:completed')))
  t.equal(answer.status, 200)
  await waitForStatus(inbox, answer.body.delivery, 'done')
  t.same(seen, ['call:completed'])
})

t.test('closing an app whose inbox never started (closed before ready(), or a route declared early that got no delivery) is quiet', async t => {
  const inbox = testInbox(t)
  const early = Fastify()
  early.post('/early', { config: { magnetis: { url: URL, key: KEY, inbox } } }, async () => 'unused')
  await early.register(magnetisWebhooks)
  await early.ready()
  // Its first request prepares the route (and its worker) but is refused before anything is stored.
  t.equal((await early.inject({ method: 'POST', url: '/early', headers: { 'content-type': 'application/json', 'x-calltracking-signature': 'AAAA' }, payload: '{}' })).statusCode, 401)
  await early.close()
  const notReady = Fastify()
  await notReady.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, inbox })
  await notReady.close()
  await inbox.open()
  t.teardown(() => inbox.close())
  t.same(await inbox.list(), [], 'the store still opens: nothing held it')
})
