/**
 * `magnetis-webhooks inbox` (issue 10): list, show (phone numbers masked),
 * replay (re-verified, then handled again by the running app's worker) and
 * prune, on a real SQLite file and a real PostgreSQL; bad input gets a clear
 * error and an exit code, never a stack trace, and changes nothing stored.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'libsql'
import pg from 'pg'
import t, { type Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { postgresInbox } from '../../lib/inbox/postgres.js'
import { sqliteInbox } from '../../lib/inbox/sqlite.js'
import type { InboxDelivery, InboxStore } from '../../lib/inbox/store.js'
import { duration } from '../../lib/cli/inbox.js'
import { abbreviateSignature, maskPayload, maskPhoneNumbers } from '../../lib/cli/mask.js'
import { ensureBuilt, runBin, runInProcess, type Run } from '../fixtures/cli.js'
import { FAST, inboxApp, waitFor, waitForStatus } from '../helpers/inbox-harness.js'
import { deliver, envelope, injectPost, KEY, PHONE_NUMBERS, seedSample, URL } from '../helpers/plugin-harness.js'
import { withDatabase } from '../helpers/postgres.js'
import { sign } from '../../lib/signature/sign.js'

const FIXTURE = fileURLToPath(new globalThis.URL('../fixtures/inbox-app.mjs', import.meta.url))
// A build and a child app start slowly on a busy machine; 10x what they need.
t.setTimeout(180_000)

/** No stack trace: no "    at file:line" frames, no "Error:" dump. */
function assertClean (t: Test, run: Run): void {
  t.notMatch(run.stderr + run.stdout, /\n\s+at .+:\d+/, 'no stack trace')
}

/** Options naming a store, for each kind. */
type Where = string[]

/** A delivery stored directly (no app), for states an app would take long to reach. */
function storedDelivery (payload: Record<string, unknown>, options: { url?: string, route?: string, params?: Record<string, string>, contentType?: string | null, key?: string } = {}): InboxDelivery {
  const body = Buffer.from(JSON.stringify(payload))
  const url = options.url ?? URL
  return {
    body,
    bodySha256: createHash('sha256').update(body).digest('hex'),
    contentType: options.contentType === undefined ? 'application/json' : options.contentType,
    signature: sign(options.key ?? KEY, url, payload),
    route: { method: 'POST', url: options.route ?? '/hook' },
    params: options.params ?? {},
    event: String(payload.event),
    dataId: (payload.data as { id?: string }).id ?? null,
    receivedAt: Date.now()
  }
}

/** Inserts a delivery and makes it `dead` through the store's own claim, as a worker would. */
async function deadRow (store: InboxStore, delivery: InboxDelivery, message = 'CRM down, call 0033612345678 back'): Promise<string> {
  const { id } = await store.insert(delivery)
  const now = Date.now()
  const claimed = await store.claim({ routes: [`POST ${delivery.route.url}`], limit: 100, owner: 'test', now, leaseUntil: now + 60_000 })
  if (!claimed.some((row) => row.id === id)) throw new Error(`row ${id} was not claimed`)
  await store.dead(id, 'test', { message, code: 'ECONNREFUSED' }, now)
  return id
}

/**
 * The same story on each store: an app whose handler fails makes a row
 * dead; list and show it; replay it from the CLI once the handler is fixed,
 * and the running app's worker handles it again; prune.
 */
async function storeStory (t: Test, store: InboxStore, where: Where): Promise<void> {
  let failing = true
  const handled: string[] = []
  const app: FastifyInstance = await inboxApp(t, store, {
    onCallCompleted: (event, _request, context) => {
      if (failing) throw Object.assign(new Error('CRM down'), { code: 'ECONNREFUSED' })
      handled.push(`${context.deliveryId}:${event.data.id}`)
    },
    onTest: () => {}
  })
  const env = { MAGNETIS_KEY: KEY }
  const failed = await injectPost(app, '/hook', deliver(envelope('call:completed'), 'form'))
  const bad = seedSample()
  bad.data.duration = 'long'
  const invalid = await injectPost(app, '/hook', deliver({ event: 'call:completed', data: { ...bad.data, id: 'call-invalid' } }))
  const test = await injectPost(app, '/hook', deliver(seedSample()))
  await waitForStatus(store, failed.body.delivery, 'dead')
  await waitForStatus(store, invalid.body.delivery, 'invalid')
  await waitForStatus(store, test.body.delivery, 'done')

  await t.test('list: newest first, filtered by status and event, as text and JSON', async t => {
    const all = await runInProcess(['inbox', 'list', ...where], env)
    t.equal(all.code, 0)
    const lines = all.stdout.trim().split('\n')
    t.match(lines[0], /^id\s+status\s+event\s+data\.id\s+received\s+attempts\s+last error$/)
    t.match(lines[1], new RegExp(`^${test.body.delivery}\\s+done\\s+test`))
    t.match(lines[2], new RegExp(`^${invalid.body.delivery}\\s+invalid\\s+call:completed\\s+call-invalid`))
    t.match(lines[3], new RegExp(`^${failed.body.delivery}\\s+dead\\s+call:completed\\s+${seedSample().data.id}.*CRM down`))
    const dead = await runInProcess(['inbox', 'list', ...where, '--status', 'dead,invalid', '--event', 'call:completed', '--json'], env)
    t.equal(dead.code, 0)
    const rows = JSON.parse(dead.stdout)
    t.same(rows.map((row: any) => [row.id, row.status]), [[invalid.body.delivery, 'invalid'], [failed.body.delivery, 'dead']])
    t.match(rows[1], { event: 'call:completed', route: 'POST /hook', params: {}, attempts: 1, replays: 0, lastError: { message: /CRM down/, code: 'ECONNREFUSED' } })
    t.notOk('body' in rows[1] || 'signature' in rows[1], 'neither the body nor the signature')
    const none = await runInProcess(['inbox', 'list', ...where, '--event', 'lead:created'], env)
    t.match(none, { code: 0, stdout: /^no deliveries match in / })
    const paged = await runInProcess(['inbox', 'list', ...where, '--limit', '1'], env)
    t.match(paged.stdout, new RegExp(`older ones: --before ${test.body.delivery}`))
    const next = await runInProcess(['inbox', 'list', ...where, '--limit', '1', '--before', test.body.delivery, '--json'], env)
    t.same(JSON.parse(next.stdout).map((row: any) => row.id), [invalid.body.delivery])
  })

  await t.test('show: the decoded payload with phone numbers masked, unless --reveal; the signature never whole', async t => {
    const signature = (await store.get(failed.body.delivery))!.signature
    const shown = await runInProcess(['inbox', 'show', failed.body.delivery, ...where], env)
    t.equal(shown.code, 0)
    t.match(shown.stdout, `delivery ${failed.body.delivery}: dead, 1 attempt(s), replayed 0 time(s)`)
    t.match(shown.stdout, 'route        POST /hook')
    t.match(shown.stdout, /last error {3}.*CRM down \(ECONNREFUSED\)/)
    t.match(shown.stdout, 'application/x-www-form-urlencoded')
    t.match(shown.stdout, '"calling_number": "0033*******78"')
    t.match(shown.stdout, '"duration": "43"', 'a form body decodes to text, as the plugin reads it')
    for (const number of PHONE_NUMBERS) t.notMatch(shown.stdout, number)
    t.notMatch(shown.stdout, signature)
    t.match(shown.stdout, abbreviateSignature(signature))
    const revealed = await runInProcess(['inbox', 'show', failed.body.delivery, ...where, '--reveal', '--json'], env)
    const json = JSON.parse(revealed.stdout)
    t.equal(json.payload.data.calling_number, '0033612345678')
    t.equal(json.signature, abbreviateSignature(signature), 'not even with --reveal')
    t.notMatch(revealed.stdout, signature)
    const masked = JSON.parse((await runInProcess(['inbox', 'show', failed.body.delivery, ...where, '--json'], env)).stdout)
    t.equal(masked.payload.data.recipient_number, '0033*******21')
    t.equal(masked.payload.data.events[1].value, '0033*******21')
    t.equal(masked.payload.data.date, '2023-08-30 13:57:30', 'dates are not phone numbers')
    const unknown = await runInProcess(['inbox', 'show', '999999', ...where], env)
    t.match(unknown, { code: 1, stdout: '', stderr: /^magnetis-webhooks inbox show: no delivery "999999" in / })
    assertClean(t, unknown)
    const unknownJson = await runInProcess(['inbox', 'show', '999999', ...where, '--json'], env)
    t.match(unknownJson, { code: 1, stderr: '' })
    t.match(JSON.parse(unknownJson.stdout), { ok: false, exitCode: 1, error: /^no delivery "999999" in / }, 'with --json, the failure as JSON on stdout')
  })

  await t.test('replay: re-verified with the key and URL, set back to pending, and handled again by the running app', async t => {
    const wrongKey = await runInProcess(['inbox', 'replay', failed.body.delivery, ...where, '--key', 'not-the-key', '--url', URL], env)
    t.match(wrongKey, { code: 1, stdout: new RegExp(`not replayed: ${failed.body.delivery}: its signature does not verify with this key and the URL ${URL}`) })
    const wrongUrl = await runInProcess(['inbox', 'replay', failed.body.delivery, ...where, '--url', 'https://elsewhere.example/hook'], env)
    t.equal(wrongUrl.code, 1)
    t.equal((await store.get(failed.body.delivery))?.status, 'dead', 'a row that does not verify stays as it was')
    t.same(handled, [])

    failing = false
    const replayed = await runInProcess(['inbox', 'replay', failed.body.delivery, ...where, '--url', URL], env)
    t.match(replayed, { code: 0, stdout: `set 1 delivery back to pending (${failed.body.delivery}): the running app handles it again\n`, stderr: '' })
    const done = await waitForStatus(store, failed.body.delivery, 'done')
    t.match(done, { attempts: 1, replays: 1 })
    t.same(handled, [`${failed.body.delivery}:${seedSample().data.id}`], 'the worker handled the replayed row, once')

    const again = await runInProcess(['inbox', 'replay', failed.body.delivery, test.body.delivery, '424242', ...where, '--url', URL, '--json'], env)
    t.equal(again.code, 1, 'one id is unknown')
    const result = JSON.parse(again.stdout)
    t.same(result.replayed.sort(), [failed.body.delivery, test.body.delivery].sort(), 'done rows may be replayed by id')
    t.equal(result.count, 2)
    t.match(result.skipped, [{ id: '424242', reason: /^no such delivery in / }])
    await waitFor(async () => (await store.get(failed.body.delivery))?.replays === 2 && (await store.get(failed.body.delivery))?.status === 'done', 'the second replay to be handled')
    t.equal(handled.length, 2)

    const byStatus = await runInProcess(['inbox', 'replay', ...where, '--status', 'invalid', '--url', URL], env)
    t.match(byStatus, { code: 0, stdout: `set 1 delivery back to pending (${invalid.body.delivery}): the running app handles it again\n` })
    const stillInvalid = await waitFor(async () => {
      const row = await store.get(invalid.body.delivery)
      return row?.status === 'invalid' && row.replays === 1 ? row : undefined
    }, 'the replayed invalid row to be checked again')
    t.match(stillInvalid.lastError, { code: 'FST_MAGNETIS_INVALID_EVENT' }, 'its schema still fails')
    const noneLeft = await runInProcess(['inbox', 'replay', ...where, '--status', 'dead', '--url', URL], env)
    t.match(noneLeft, { code: 0, stdout: /^no dead deliveries in / })
  })

  await t.test('prune: done deliveries older than the age by default; dead and invalid only when asked', async t => {
    const young = await runInProcess(['inbox', 'prune', ...where, '--older-than', '1h', '--json'], env)
    t.equal(young.code, 0)
    t.match(JSON.parse(young.stdout), { pruned: 0, status: ['done'] })
    const done = await runInProcess(['inbox', 'prune', ...where, '--older-than', '0s'], env)
    t.match(done, { code: 0, stdout: /^deleted 2 done deliveries received before \d{4}-/ })
    t.same((await store.list()).map((row) => row.status), ['invalid'])
    const invalidToo = await runInProcess(['inbox', 'prune', ...where, '--older-than', '0s', '--status', 'dead,invalid'], env)
    t.match(invalidToo, { code: 0, stdout: /^deleted 1 dead or invalid delivery / })
    t.same(await store.list(), [])
  })
  await app.close()
}

t.test('on a SQLite file', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const store = sqliteInbox({ file, ...FAST, maxAttempts: 1 })
  await storeStory(t, store, ['--file', file])
})

t.test('on PostgreSQL', async t => {
  await withDatabase(t, async (connectionString) => {
    const store = postgresInbox({ connectionString, ...FAST, maxAttempts: 1 })
    await storeStory(t, store, ['--database-url', connectionString])
  })
})

t.test('replay from the CLI (the built command) makes a running app process handle a dead row', async t => {
  await ensureBuilt()
  const file = join(t.testdir(), 'inbox.db')
  const store = sqliteInbox({ file })
  await store.open()
  const id = await deadRow(store, storedDelivery({ event: 'call:missed', data: { ...seedSample().data, id: 'call-replayed' } }))
  await store.close()
  const child = spawn(process.execPath, [FIXTURE], {
    env: { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COVERAGE_: '0', INBOX_KEY: KEY, INBOX_URL: URL, INBOX_FILE: file },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  await waitFor(() => output.includes('"listening"'), 'the app to listen', 60_000)
  t.notMatch(output, '"handled"', 'a dead row is not taken by the worker')
  const replayed = await runBin(['inbox', 'replay', id, '--file', file], { MAGNETIS_KEY: KEY, MAGNETIS_URL: URL })
  t.match(replayed, { code: 0, stdout: /set 1 delivery back to pending/ })
  await waitFor(() => output.includes(`"handled":"${id}"`), 'the app to handle the replayed row', 60_000)
  t.match(output, `"handled":"${id}","id":"call-replayed","attempt":1`)
  child.kill('SIGTERM')
  t.equal(await exited, 0)
  const check = sqliteInbox({ file })
  await check.open()
  t.match(await check.get(id), { status: 'done', replays: 1 })
  await check.close()
})

t.test('replay re-verification: routes with params, --origin, altered and unreadable rows, rows still pending', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const store = sqliteInbox({ file })
  await store.open()
  t.teardown(() => store.close())
  const tenantUrl = 'https://shop.example/tenants/acme%20co/hook'
  const tenant = await deadRow(store, storedDelivery({ event: 'call:missed', data: { id: 'c1' } }, { url: tenantUrl, route: '/tenants/:tenant/hook', params: { tenant: 'acme co' } }))
  const altered = await deadRow(store, storedDelivery({ event: 'call:missed', data: { id: 'c2' } }))
  const unreadable = await deadRow(store, storedDelivery({ event: 'call:missed', data: {} }, { contentType: null }),
    'a long error message from a handler that goes on and on about the CRM, its timeouts, its retries and 0033612345678')
  const pending = (await store.insert(storedDelivery({ event: 'call:missed', data: { id: 'c4' } }))).id
  const db = new Database(file)
  db.prepare('UPDATE magnetis_inbox SET body = ? WHERE id = ?').run([Buffer.from('{"event":"call:missed","data":{"id":"c9"}}'), Number(altered)])
  db.close()
  const env = { MAGNETIS_KEY: KEY }
  const ids = [tenant, altered, unreadable, pending]

  const byUrl = await runInProcess(['inbox', 'replay', ...ids, '--file', file, '--url', 'https://shop.example/tenants/:tenant/hook', '--json'], env)
  t.equal(byUrl.code, 1)
  const result = JSON.parse(byUrl.stdout)
  t.same(result.replayed, [tenant], ':tenant filled from the row\'s params')
  t.match(result.skipped, [
    { id: altered, reason: 'its body no longer matches its stored SHA-256: the row was altered' },
    { id: unreadable, reason: 'the URL has :tenant but the delivery\'s route has no such param' },
    { id: pending, reason: 'it is pending: only done, dead and invalid deliveries are replayed' }
  ])
  t.equal((await store.get(altered))?.status, 'dead')
  t.equal((await store.get(unreadable))?.status, 'dead')

  await store.dead((await store.claim({ routes: ['POST /tenants/:tenant/hook'], limit: 1, owner: 'again', now: Date.now(), leaseUntil: Date.now() + 60_000 }))[0]!.id, 'again', { message: 'down', code: null }, Date.now())
  const byOrigin = await runInProcess(['inbox', 'replay', tenant, '--file', file, '--origin', 'https://shop.example/'], env)
  t.match(byOrigin, { code: 0, stdout: `set 1 delivery back to pending (${tenant}): the running app handles it again\n` })
  const noParam = await runInProcess(['inbox', 'replay', altered, unreadable, '--file', file, '--url', 'https://shop.example/x/:missing'], env)
  t.match(noParam.stdout, 'the URL has :missing but the delivery\'s route has no such param')
  const noPath = await runInProcess(['inbox', 'replay', unreadable, '--file', file, '--url', 'https://shop.example'], env)
  t.match(noPath.stdout, /media type/i)

  const shown = await runInProcess(['inbox', 'show', pending, '--file', file], env)
  t.match(shown.stdout, /next attempt \d{4}-/)
  t.notMatch(shown.stdout, 'last error')
  const tenantShown = await runInProcess(['inbox', 'show', tenant, '--file', file], env)
  t.match(tenantShown.stdout, 'route        POST /tenants/:tenant/hook {"tenant":"acme co"}')
  const unreadableShown = await runInProcess(['inbox', 'show', unreadable, '--file', file, '--reveal'], env)
  t.match(unreadableShown.stdout, /payload {6}cannot be decoded: .*media type/i)
  t.match(unreadableShown.stdout, 'event        call:missed\n', 'no data.id')
  t.match(unreadableShown.stdout, 'no content type')
  t.match(unreadableShown.stdout, 'retries and 0033612345678', '--reveal shows the error whole')
  const unreadableJson = JSON.parse((await runInProcess(['inbox', 'show', unreadable, '--file', file, '--json'], env)).stdout)
  t.match(unreadableJson, { payloadError: /media type/i, lastError: { message: /retries and 0033\*{7}78$/ } })
  t.notOk('payload' in unreadableJson)
  const revealed = await runInProcess(['inbox', 'show', altered, '--file', file, '--reveal'], env)
  t.match(revealed.stdout, 'payload:\n{\n  "event": "call:missed"')
  const listed = await runInProcess(['inbox', 'list', '--file', file, '--status', 'dead'], env)
  const line = listed.stdout.split('\n').find((text) => text.startsWith(unreadable + ' '))
  t.match(line, /^\d+\s+dead\s+call:missed\s+–\s+\S+\s+1\s+a long error message .{50,}…$/, 'no data.id; a long error cut, masked')
  t.notMatch(listed.stdout, '0033612345678')

})

t.test('replay --status covers every matching row, page after page', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const store = sqliteInbox({ file })
  await store.open()
  t.teardown(() => store.close())
  await deadRow(store, storedDelivery({ event: 'call:missed', data: { id: 'many' } }))
  // 600 more dead copies (no dedupe key, like test events), more than one page of 500.
  const db = new Database(file)
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
    INSERT INTO magnetis_inbox (body, body_sha256, content_type, signature, route_method, route_url, params, event, data_id, dedupe_key,
      received_at, status, attempts, next_attempt_at, last_error_message, last_error_code, replays, updated_at)
    SELECT body, body_sha256, content_type, signature, route_method, route_url, params, event, data_id, NULL,
      received_at, status, attempts, next_attempt_at, last_error_message, last_error_code, replays, updated_at FROM magnetis_inbox, n`)
  db.close()
  const result = await runInProcess(['inbox', 'replay', '--status', 'dead', '--file', file, '--url', URL], { MAGNETIS_KEY: KEY })
  t.match(result, { code: 0, stdout: /^set 601 deliveries back to pending \(601, 600, .* 1\): the running app handles them again\n$/ })
  t.equal((await store.list({ status: 'pending', limit: 1000 })).length, 601)
})

t.test('a verified row the store does not set back (its status changed meanwhile) is reported, exit 1', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const store = sqliteInbox({ file })
  await store.open()
  const id = await deadRow(store, storedDelivery({ event: 'call:missed', data: { id: 'r1' } }))
  await store.close()
  // Stands for another process changing the row between the command's check and its update: SQLite skips the update.
  const db = new Database(file)
  db.exec('CREATE TRIGGER keep_dead BEFORE UPDATE OF status ON magnetis_inbox BEGIN SELECT RAISE(IGNORE); END')
  db.close()
  const result = await runInProcess(['inbox', 'replay', id, '--file', file, '--url', URL], { MAGNETIS_KEY: KEY })
  t.equal(result.code, 1)
  t.match(result.stdout, /^not replayed: \*: 1 of the verified deliveries changed status meanwhile and were left as they are\n$/)
})

t.test('bad input: a clear error and exit code, no stack trace, nothing created or changed', async t => {
  const dir = t.testdir({ 'notes.txt': 'not a database\n' })
  const env = { MAGNETIS_KEY: KEY, MAGNETIS_URL: URL }
  const file = join(dir, 'inbox.db')
  const store = sqliteInbox({ file })
  await store.open()
  const id = await deadRow(store, storedDelivery({ event: 'call:missed', data: { id: 'b1' } }))
  await store.close()
  const before = readFileSync(file)

  const usage: Array<[string[], RegExp]> = [
    [['inbox'], /which command\? list, show, replay or prune/],
    [['inbox', 'purge'], /unknown command "purge"/],
    [['inbox', 'list'], /which inbox\? pass --file FILE/],
    [['inbox', 'list', '--file', file, '--database-url', 'postgres://x@127.0.0.1/db'], /either --file or --database-url, not both/],
    [['inbox', 'list', '--file', join(dir, 'missing.db')], /no inbox at .*missing\.db: the file does not exist/],
    [['inbox', 'list', '--file', dir], /it is not a file/],
    [['inbox', 'list', '--file', file, '--status', 'lost'], /--status must be pending, processing, done, dead, invalid/],
    [['inbox', 'list', '--file', file, '--limit', '0'], /--limit must be a positive whole number/],
    [['inbox', 'list', '--file', file, '--before', 'x'], /--before must be a positive whole number/],
    [['inbox', 'list', '--file', file, '--colour'], /unknown option "--colour"/],
    [['inbox', 'show', '--file', file], /show needs the id of a delivery/],
    [['inbox', 'show', '1', '2', '--file', file], /unexpected argument "2"/],
    [['inbox', 'replay', '--file', file], /replay takes delivery ids or --status dead\|invalid, not both/],
    [['inbox', 'replay', id, '--status', 'dead', '--file', file], /not both/],
    [['inbox', 'replay', '--status', 'done', '--file', file], /--status must be dead, invalid/],
    [['inbox', 'replay', id, '--file', file, '--url', URL, '--origin', 'https://shop.example'], /either --url or --origin, not both/],
    [['inbox', 'replay', id, '--file', file, '--origin', 'https://shop.example/path'], /--origin must be a scheme and host/],
    [['inbox', 'prune', '--file', file], /prune needs --older-than AGE/],
    [['inbox', 'prune', '--file', file, '--older-than', '30'], /--older-than must be a whole number and a unit/],
    [['inbox', 'prune', '--file', file, '--older-than=-1d'], /--older-than must be a whole number and a unit/],
    [['inbox', 'prune', '--file', file, '--older-than', '1d', '--status', 'pending'], /--status must be done, dead, invalid/],
    [['inbox', 'list', '--database-url', 'not a url'], /--database-url must be a URL such as postgres:/],
    [['inbox', 'list', '--database-url', 'mysql://x@127.0.0.1/db'], /--database-url must be a postgres:\/\/ URL, not mysql:/]
  ]
  for (const [args, message] of usage) {
    const run = await runInProcess(args, env)
    t.equal(run.code, 2, args.join(' '))
    t.match(run.stderr, message, args.join(' '))
    t.match(run.stderr, 'Run "magnetis-webhooks inbox --help" for its options.')
    assertClean(t, run)
  }
  const noKey = await runInProcess(['inbox', 'replay', id, '--file', file], { MAGNETIS_URL: URL })
  t.match(noKey, { code: 2, stderr: /no signature key: pass --key or set MAGNETIS_KEY/ })
  const noUrl = await runInProcess(['inbox', 'replay', id, '--file', file], { MAGNETIS_KEY: KEY })
  t.match(noUrl, { code: 2, stderr: /replay re-verifies each delivery: pass --url/ })
  t.notOk(existsSync(join(dir, 'missing.db')), 'no inbox created for a mistyped path')
  t.same(readFileSync(file), before, 'nothing stored was changed')

  const notSqlite = await runInProcess(['inbox', 'list', '--file', join(dir, 'notes.txt')], env)
  t.match(notSqlite, { code: 1, stderr: /^magnetis-webhooks inbox list: cannot read .*notes\.txt as an SQLite database: / })
  assertClean(t, notSqlite)
  t.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'not a database\n', 'left as it was')

  const other = join(dir, 'other.db')
  const db = new Database(other)
  db.exec('CREATE TABLE crm (id INTEGER)')
  db.close()
  const size = statSync(other).size
  const foreign = await runInProcess(['inbox', 'list', '--file', other], env)
  t.match(foreign, { code: 1, stderr: /other\.db holds no inbox \(no magnetis_inbox table\)/ })
  const check = new Database(other)
  t.same(check.prepare('SELECT name FROM sqlite_master WHERE type = \'table\'').all([]).map((row: any) => row.name), ['crm'], 'no table added to another database')
  check.close()
  t.equal(statSync(other).size, size)

  const fromEnv = await runInProcess(['inbox', 'list', '--json'], { MAGNETIS_INBOX_FILE: file })
  t.same(JSON.parse(fromEnv.stdout).map((row: any) => row.id), [id], 'MAGNETIS_INBOX_FILE names the inbox')
  const bothEnv = await runInProcess(['inbox', 'list'], { MAGNETIS_INBOX_FILE: file, MAGNETIS_INBOX_DATABASE_URL: 'postgres://x@127.0.0.1/db' })
  t.match(bothEnv, { code: 2, stderr: /not both/ })

  for (const args of [['inbox', '--help'], ['inbox', '-h'], ['help', 'inbox'], ...['list', 'show', 'replay', 'prune'].map((name) => ['inbox', name, '--help'])]) {
    const help = await runInProcess(args, {})
    t.match(help, { code: 0, stdout: /^Usage: magnetis-webhooks inbox <command>/ }, args.join(' '))
  }
  t.match((await runInProcess(['--help'], {})).stdout, /inbox {12}list, show, replay or prune/)
})

t.test('an unreachable database or one without an inbox: exit 1 and one line, the password never shown', async t => {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  const url = `postgres://app:s3cret-pw@127.0.0.1:${port}/app`
  const run = await runInProcess(['inbox', 'list', '--database-url', url], {})
  t.match(run, { code: 1, stdout: '', stderr: new RegExp(`^magnetis-webhooks inbox list: cannot use the database at postgres://app@127\\.0\\.0\\.1:${port}/app: .*ECONNREFUSED`) })
  t.notMatch(run.stderr, 's3cret-pw')
  assertClean(t, run)
  await ensureBuilt()
  const bin = await runBin(['inbox', 'prune', '--older-than', '30d', '--database-url', url], {})
  t.match(bin, { code: 1, stderr: /^magnetis-webhooks inbox prune: cannot use the database at / })
  t.equal(bin.stderr.trim().split('\n').length, 1, 'one line, as users run it')

  await withDatabase(t, async (connectionString) => {
    const empty = await runInProcess(['inbox', 'list', '--database-url', connectionString], {})
    t.match(empty, { code: 1, stderr: /the database at postgres:\/\/.* holds no inbox \(no magnetis_inbox table\): is it the app's database\?/ })
    const client = new pg.Client({ connectionString })
    await client.connect()
    const { rows } = await client.query('SELECT to_regclass(\'magnetis_inbox\') AS found')
    await client.end()
    t.equal(rows[0].found, null, 'no table created')
  })
})

t.test('masking phone numbers', async t => {
  t.equal(maskPhoneNumbers('0033612345678'), '0033*******78')
  t.equal(maskPhoneNumbers('+33 6 12 34 56 78'), '+33 6 1* ** ** 78', 'separators kept')
  t.equal(maskPhoneNumbers('call (+33) 6-12-34-56-78 now'), 'call (+33) 6-1*-**-**-78 now')
  t.equal(maskPhoneNumbers('06.12.34.56.78 or 0612345678'), '06.12.**.**.78 or 0612****78')
  t.equal(maskPhoneNumbers('2023-08-30 13:57:30'), '2023-08-30 13:57:30', 'a date and time')
  t.equal(maskPhoneNumbers('30.08.2023'), '30.08.2023')
  t.equal(maskPhoneNumbers('1234567'), '1234567', 'fewer than 8 digits')
  t.equal(maskPhoneNumbers('123456789012345678'), '123456789012345678', 'more than 17 digits')
  t.equal(maskPhoneNumbers('num-18dd0fdb-7f21-4999-9335-a5d50d8c716e'), 'num-18dd0fdb-7f21-4999-9335-a5d50d8c716e', 'digit groups of an id joined by hyphens')
  t.equal(maskPhoneNumbers('GA1.1.12345678.87654321'), 'GA1.1.12345678.87654321', 'digit groups of an id joined by dots')
  t.equal(maskPhoneNumbers('called 0612345678.'), 'called 0612****78.', 'a full stop after a number')
  t.equal(maskPhoneNumbers('call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5 acc12345678'), 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5 acc12345678', 'digits glued to letters')
  t.same(maskPayload({ a: [33612345678, 43, '0033412345678'], b: null, c: true, d: { e: 'x' } }),
    { a: ['3361*****78', 43, '0033*******78'], b: null, c: true, d: { e: 'x' } })
  t.equal(abbreviateSignature('abcdefghijklmnopqrstuvwxyz0='), 'abcd… (28 characters)')
  t.equal(duration('30d'), 30 * 86_400_000)
  t.equal(duration('2w'), 14 * 86_400_000)
  t.equal(duration('90m'), 90 * 60_000)
  t.equal(duration('45s'), 45_000)
  t.equal(duration('12h'), 12 * 3_600_000)
})
