// The inbox through the plugin, on a SQLite file: the 200 after the commit,
// handlers run from the row with their context, retries, dead and invalid
// rows, duplicates, test events, 503 when the store cannot commit, replays,
// and what stays exactly as without an inbox.
import t from 'tap'
import { join } from 'node:path'
import Fastify from 'fastify'
import Database from 'libsql'
import magnetisWebhooks, { MagnetisWebhooks, type AnyWebhookEvent, type WebhookContext } from '../../lib/index.js'
import { InboxUnavailableError, sqliteInbox } from '../../lib/inbox/index.js'
import { deliver, envelope, injectPost, KEY, seedSample, URL } from '../helpers/plugin-harness.js'
import { inboxApp, testInbox, waitFor, waitForStatus } from '../helpers/inbox-harness.js'

t.test('the 200 comes once the row is committed: raw bytes, headers, route and envelope stored; the handler then runs from it with its context', async t => {
  const inbox = testInbox(t)
  const seen: Array<{ event: AnyWebhookEvent, request: any, context: WebhookContext }> = []
  const app = await inboxApp(t, inbox, { onCallCompleted: (event, request, context) => { seen.push({ event, request, context }) } })
  const delivery = deliver(envelope('call:completed'), 'form')
  const before = Date.now()
  const answer = await injectPost(app, '/hook', delivery)
  t.equal(answer.status, 200)
  t.same(answer.body, { ok: true, event: 'call:completed', id: seedSample().data.id, delivery: answer.body.delivery, duplicate: false })
  const stored = await inbox.get(answer.body.delivery)
  t.ok(stored, 'the row exists when the 200 arrives')
  t.equal(stored?.body.toString('utf8'), delivery.body, 'the raw body, byte for byte')
  t.match(stored, {
    contentType: 'application/x-www-form-urlencoded',
    signature: delivery.headers['x-calltracking-signature'],
    route: { method: 'POST', url: '/hook' },
    params: {},
    event: 'call:completed',
    dataId: seedSample().data.id
  })
  t.ok((stored?.receivedAt ?? 0) >= before)
  const done = await waitForStatus(inbox, answer.body.delivery, 'done')
  t.equal(done.attempts, 1)
  t.equal(seen.length, 1)
  const [{ event, request, context }] = seen as [typeof seen[0]]
  t.equal(event.name, 'call:completed')
  t.equal((event.data as { duration?: unknown }).duration, 43, 'form text converted by the schema, as without an inbox')
  t.match(context, { deliveryId: answer.body.delivery, attempt: 1, lastAttempt: false, params: {} })
  t.equal(context.receivedAt.getTime(), stored?.receivedAt)
  t.type(context.log.info, 'function')
  t.equal(request.id, `inbox-${answer.body.delivery}`, 'the stand-in request')
  t.equal(request.server, app, 'reaches the app and its decorations')
  t.same(request.routeOptions, { method: 'POST', url: '/hook' })
  t.equal(request.headers['x-calltracking-signature'], delivery.headers['x-calltracking-signature'])
  t.equal(request.magnetisEvent, event)
})

t.test('a throwing handler is retried with backoff until it succeeds; onError hears each failure with the row id and attempt', async t => {
  const inbox = testInbox(t)
  const heard: Array<{ code: string, deliveryId: string | undefined, attempt: number, lastAttempt: boolean }> = []
  let calls = 0
  const app = await inboxApp(t, inbox, {
    onCallMissed: () => {
      calls++
      if (calls < 3) throw Object.assign(new Error(`CRM down (call ${calls})`), { code: 'ECONNREFUSED' })
    },
    onError: (error, _event, _request, context) => { heard.push({ code: (error as any).code, deliveryId: context.deliveryId, attempt: context.attempt, lastAttempt: context.lastAttempt }) }
  })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:missed')))
  t.equal(answer.status, 200, 'acknowledged before any handler ran')
  const row = await waitForStatus(inbox, answer.body.delivery, 'done')
  t.equal(calls, 3)
  t.equal(row.attempts, 3)
  t.match(row.lastError, { message: /1 handler failed.*: CRM down \(call 2\)/, code: 'ECONNREFUSED' }, 'the last failure is kept, message and code')
  const id = answer.body.delivery
  t.same(heard, [
    { code: 'FST_MAGNETIS_HANDLER_FAILED', deliveryId: id, attempt: 1, lastAttempt: false },
    { code: 'FST_MAGNETIS_HANDLER_FAILED', deliveryId: id, attempt: 2, lastAttempt: false }
  ])
})

t.test('after maxAttempts failures the row is dead with its error, and stays until replayed; the replay runs it again', async t => {
  const inbox = testInbox(t, { maxAttempts: 3 })
  const attempts: number[] = []
  let healthy = false
  const lastAttempts: boolean[] = []
  const app = await inboxApp(t, inbox, {
    onLeadCreated: (_event, _request, context) => {
      attempts.push(context.attempt)
      if (!healthy) throw new Error('always')
    },
    onError: (_error, _event, _request, context) => { lastAttempts.push(context.lastAttempt) }
  })
  const lead = { event: 'lead:created', data: { id: 'lead-1', account: { id: 'acc-1', name: 'A' }, date: '2024-01-01 10:00:00' } }
  const answer = await injectPost(app, '/hook', deliver(lead))
  t.equal(answer.status, 200)
  const dead = await waitForStatus(inbox, answer.body.delivery, 'dead')
  t.same(attempts, [1, 2, 3])
  t.same(lastAttempts, [false, false, true], 'onError can tell the final failure')
  t.match(dead, { attempts: 3, nextAttemptAt: null, lastError: { message: /handler failed.*: always/, code: 'FST_MAGNETIS_HANDLER_FAILED' } })
  t.notMatch(dead.lastError?.message, /lead-1|acc-1/, 'no payload in the error')
  healthy = true
  t.equal(await inbox.replay({ ids: [answer.body.delivery] }, Date.now()), 1)
  const done = await waitForStatus(inbox, answer.body.delivery, 'done')
  t.same(attempts, [1, 2, 3, 1], 'the replay starts counting again')
  t.equal(done.replays, 1)
})

t.test('the kept error: every handler\'s message, cut at 1000 characters, also for values thrown that are no Error', async t => {
  const inbox = testInbox(t, { maxAttempts: 1 })
  const app = await inboxApp(t, inbox, {
    onCallCompleted: () => { throw 'plain text' },  // eslint-disable-line no-throw-literal
    onAny: () => { throw new Error('x'.repeat(2000)) }
  })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  const row = await waitForStatus(inbox, answer.body.delivery, 'dead')
  t.equal(row.lastError?.message.length, 1000)
  t.match(row.lastError?.message, /^fastify-magnetis-webhooks: 2 handlers failed for the "call:completed" event: plain text; xxx.*…$/)
  t.equal(row.lastError?.code, 'FST_MAGNETIS_HANDLER_FAILED', 'no handler error had a code of its own')
})

t.test('a schema failure makes the row invalid at once: no retry, onError hears it; still answered 200', async t => {
  const inbox = testInbox(t)
  const errors: string[] = []
  let handled = 0
  const app = await inboxApp(t, inbox, { onCallCompleted: () => { handled++ }, onError: (error) => { errors.push((error as any).code) } })
  const bad = seedSample()
  bad.data.duration = 'long'
  const answer = await injectPost(app, '/hook', deliver({ event: 'call:completed', data: bad.data }))
  t.equal(answer.status, 200, 'stored: a signed event is kept, not refused')
  const row = await waitForStatus(inbox, answer.body.delivery, 'invalid')
  t.equal(row.attempts, 1)
  t.match(row.lastError, { code: 'FST_MAGNETIS_INVALID_EVENT', message: /\/duration/ })
  t.notMatch(row.lastError?.message, /0033/)
  t.same(errors, ['FST_MAGNETIS_INVALID_EVENT'])
  t.equal(handled, 0)
})

t.test('a duplicate delivery is answered 200 and not handled again; test events are handled each time', async t => {
  const inbox = testInbox(t)
  const handled: string[] = []
  const app = await inboxApp(t, inbox, { onAny: (event, _request, context) => { handled.push(`${event.name} ${String(context.deliveryId)}`) } })
  const delivery = deliver(envelope('call:ringing'))
  const first = await injectPost(app, '/hook', delivery)
  await waitForStatus(inbox, first.body.delivery, 'done')
  const second = await injectPost(app, '/hook', delivery)
  t.equal(second.status, 200)
  t.same(second.body, { ok: true, event: 'call:ringing', id: seedSample().data.id, delivery: first.body.delivery, duplicate: true })
  const sample = deliver(envelope('test'))
  const testA = await injectPost(app, '/hook', sample)
  const testB = await injectPost(app, '/hook', sample)
  t.equal(testB.body.duplicate, false, 'the vendor\'s test panel resends the same sample: each is a new delivery')
  t.not(testA.body.delivery, testB.body.delivery)
  await waitForStatus(inbox, testB.body.delivery, 'done')
  await waitForStatus(inbox, testA.body.delivery, 'done')
  t.same(handled.sort(), [`call:ringing ${first.body.delivery}`, `test ${testA.body.delivery}`, `test ${testB.body.delivery}`].sort())
})

t.test('503 when the store cannot commit (the file is locked by another writer); the next delivery after the lock is stored', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const inbox = sqliteInbox({ file, busyTimeout: 20, pollInterval: 20 })
  const lines: string[] = []
  const app = await inboxApp(t, inbox, {}, { logger: { level: 'error', stream: { write: (line: string) => { lines.push(line) } } } })
  const other = new Database(file)
  t.teardown(() => other.close())
  other.exec('BEGIN IMMEDIATE')
  const refused = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.equal(refused.status, 503)
  t.equal(refused.body.code, 'FST_MAGNETIS_INBOX_UNAVAILABLE')
  t.match(lines.join(''), /could not store a verified delivery; replied 503/)
  t.notMatch(lines.join(''), /0033/, 'no payload in the log')
  other.exec('ROLLBACK')
  t.same(await inbox.list(), [], 'nothing half-stored')
  const accepted = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.equal(accepted.status, 200, 'the sender\'s retry is stored')
})

t.test('401, 413, 415 and 400 are as without an inbox, and nothing is stored', async t => {
  const inbox = testInbox(t)
  const app = await inboxApp(t, inbox, { bodyLimit: 4096 })
  const good = deliver(envelope('call:completed'))
  const cases: Array<[string, Record<string, string>, string, number]> = [
    ['no signature', { 'content-type': 'application/json' }, good.body, 401],
    ['a wrong signature', { ...good.headers, 'x-calltracking-signature': 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }, good.body, 401],
    ['too large', good.headers, good.body + ' '.repeat(5000), 413],
    ['another media type', { ...good.headers, 'content-type': 'text/plain' }, good.body, 415]
  ]
  for (const [name, headers, body, status] of cases) {
    t.equal((await injectPost(app, '/hook', { headers, body })).status, status, name)
  }
  t.equal((await injectPost(app, '/hook', deliver({ data: { id: 'x' } }))).status, 400, 'signed, but no event name: not a webhook')
  t.same(await inbox.list(), [])
})

t.test('per route (config.magnetis): params and a per-tenant key are stored and used again; the plugin replies, the route handler does not run', async t => {
  const inbox = testInbox(t)
  const keys: Record<string, string> = { acme: KEY, other: 'other-key' }
  const seen: Array<{ params: unknown, requestParams: unknown }> = []
  let routeHandlerRan = false
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks)
  await app.register(async (scope) => {
    await scope.register((await import('@fastify/formbody')).default)
    scope.post('/t/:tenant', {
      config: {
        magnetis: {
          url: (request) => `${URL}/${(request.params as { tenant: string }).tenant}`,
          key: (request) => keys[(request.params as { tenant: string }).tenant],
          inbox,
          onCallCompleted: (_event, request, context) => { seen.push({ params: context.params, requestParams: request.params }) }
        }
      }
    }, async () => {
      routeHandlerRan = true
      return 'route handler'
    })
  }, { prefix: '/in' })
  await app.ready()
  const answer = await injectPost(app, '/in/t/other', deliver(envelope('call:completed'), 'form', { key: 'other-key', url: `${URL}/other` }))
  t.equal(answer.status, 200)
  t.equal(answer.body.ok, true)
  const row = await waitForStatus(inbox, answer.body.delivery, 'done')
  t.match(row, { route: { method: 'POST', url: '/in/t/:tenant' }, params: { tenant: 'other' } })
  t.same(seen, [{ params: { tenant: 'other' }, requestParams: { tenant: 'other' } }])
  t.equal(routeHandlerRan, false)
  // A replay verifies the stored bytes again, with the key the resolver gives for the stored params.
  t.equal(await inbox.replay({ ids: [row.id] }, Date.now()), 1)
  await waitForStatus(inbox, row.id, 'done')
  t.equal(seen.length, 2)
  keys.other = 'rotated-key'
  t.equal(await inbox.replay({ ids: [row.id] }, Date.now()), 1)
  const refused = await waitForStatus(inbox, row.id, 'invalid')
  t.match(refused.lastError, { code: 'FST_MAGNETIS_INVALID_SIGNATURE' })
  t.equal(seen.length, 2, 'a replay that no longer verifies runs no handler')
})

t.test('without an inbox nothing changes: handlers run in the request, get a context without a row, and the reply waits for them', async t => {
  const contexts: WebhookContext[] = []
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks, { path: '/hook', url: URL, key: KEY, onCallCompleted: (_event, _request, context) => { contexts.push(context) } })
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed')))
  t.same(answer.body, { ok: true, event: 'call:completed', id: seedSample().data.id })
  t.match(contexts, [{ deliveryId: undefined, attempt: 1, lastAttempt: true, params: {} }])
  t.ok(contexts[0]?.receivedAt instanceof Date)
})

t.test('a shared handler set (webhooks option) runs from the inbox too', async t => {
  const inbox = testInbox(t)
  const webhooks = new MagnetisWebhooks()
  const seen: string[] = []
  webhooks.on('email:received', (_event, _request, context) => { seen.push(String(context.deliveryId)) })
  const app = await inboxApp(t, inbox, { webhooks })
  const email = { event: 'email:received', data: { id: 'email-1', account: { id: 'acc-1', name: 'A' }, date: '2024-01-01 10:00:00' } }
  const answer = await injectPost(app, '/hook', deliver(email))
  await waitForStatus(inbox, answer.body.delivery, 'done')
  t.same(seen, [answer.body.delivery])
})

t.test('the stored data.id: a string as is, a number as text, else none (and then the body hash alone deduplicates)', async t => {
  const inbox = testInbox(t)
  const app = await inboxApp(t, inbox)
  const numbered = await injectPost(app, '/hook', deliver({ event: 'visit:started', data: { id: 42 } }))
  t.same([numbered.body.id, (await inbox.get(numbered.body.delivery))?.dataId], ['42', '42'])
  const without = await injectPost(app, '/hook', deliver({ event: 'visit:started', data: { id: { nested: true } } }))
  t.same([without.body.id, (await inbox.get(without.body.delivery))?.dataId], [null, null])
  t.equal((await injectPost(app, '/hook', deliver({ event: 'visit:started', data: { id: { nested: true } } }))).body.duplicate, true)
})

t.test('signed data that is no object is stored (no data.id) and becomes invalid, where it can be replayed', async t => {
  const inbox = testInbox(t)
  const app = await inboxApp(t, inbox)
  const answer = await injectPost(app, '/hook', deliver({ event: 'call:completed', data: 'not an object' }))
  t.equal(answer.status, 200)
  t.equal(answer.body.id, null)
  const row = await waitForStatus(inbox, answer.body.delivery, 'invalid')
  t.equal(row.dataId, null)
})

t.test('with pairsFromBody, a delivery without Content-Type is stored with none, and read the same way from the row', async t => {
  const inbox = testInbox(t)
  const seen: unknown[] = []
  const app = await inboxApp(t, inbox, {
    pairsFromBody: (rawBody) => Array.from(new URLSearchParams(rawBody.toString('latin1'))),
    onAny: (event) => { seen.push(event.data) }
  })
  const form = deliver({ event: 'visit:started', data: { id: 'v-1' } }, 'form')
  const response = await app.inject({ method: 'POST', url: '/hook', headers: { 'x-calltracking-signature': form.headers['x-calltracking-signature'] }, payload: form.body })
  t.equal(response.statusCode, 200)
  const row = await waitForStatus(inbox, response.json().delivery, 'done')
  t.equal(row.contentType, null)
  t.same(seen, [{ id: 'v-1' }])
})

t.test('InboxUnavailableError is exported with its 503', async t => {
  const error = new InboxUnavailableError('x')
  t.equal(error.statusCode, 503)
  t.equal(error.code, 'FST_MAGNETIS_INBOX_UNAVAILABLE')
  t.equal(await waitFor(() => 1, 'a value'), 1)
})
