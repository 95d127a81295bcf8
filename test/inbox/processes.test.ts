// The inbox across real processes: a server killed (SIGKILL) in the middle
// of a handler and started again on the same SQLite file completes the
// delivery once; two servers sharing one PostgreSQL handle every delivery
// exactly once, duplicates sent to both included.
import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sqliteInbox } from '../../lib/inbox/sqlite.js'
import { postgresInbox } from '../../lib/inbox/postgres.js'
import { deliver, fetchPost, KEY, seedSample, URL } from '../helpers/plugin-harness.js'
import { ensureBuilt } from '../fixtures/cli.js'
import { waitFor } from '../helpers/inbox-harness.js'
import { withDatabase } from '../helpers/postgres.js'

const FIXTURE = fileURLToPath(new globalThis.URL('../fixtures/inbox-app.mjs', import.meta.url))

/** A running fixture app: its origin, and every line it printed so far. */
interface Child { process: ChildProcess, origin: string, lines: Array<Record<string, any>>, exited: Promise<unknown> }

async function startApp (t: { teardown: (fn: () => unknown) => void }, env: Record<string, string>): Promise<Child> {
  // The built package in plain Node: a start in a fraction of the loader's time. "0": no coverage of dist/.
  const child = spawn(process.execPath, [FIXTURE], {
    env: { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COVERAGE_: '0', INBOX_KEY: KEY, INBOX_URL: URL, ...env },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const lines: Array<Record<string, any>> = []
  let rest = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    rest += chunk.toString('utf8')
    let newline
    while ((newline = rest.indexOf('\n')) !== -1) {
      lines.push(JSON.parse(rest.slice(0, newline)))
      rest = rest.slice(newline + 1)
    }
  })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  const listening = await waitFor(() => lines.find((line) => line.listening !== undefined), 'the app to listen', 60_000)
  return { process: child, origin: listening.listening, lines, exited }
}

t.before(ensureBuilt)
// Child processes start slowly on a busy machine; 10x what they need.
t.setTimeout(180_000)

function sample (id: string, event = 'call:completed'): Record<string, unknown> {
  return { event, data: { ...seedSample().data, id } }
}

t.test('SIGKILL in the middle of a handler: after a restart on the same file, the handler completes, once', async t => {
  const dir = t.testdir()
  const file = join(dir, 'inbox.db')
  const release = join(dir, 'release')
  const env = { INBOX_FILE: file, INBOX_LEASE: '300', INBOX_HANG_UNTIL: release }
  const first = await startApp(t, env)
  const answer = await fetchPost(first.origin, '/hook', deliver(sample('call-killed')))
  t.equal(answer.status, 200, 'acknowledged: the row is committed')
  await waitFor(() => first.lines.some((line) => line.started === answer.body.delivery), 'the handler to start')
  first.process.kill('SIGKILL')
  await first.exited
  t.notOk(first.lines.some((line) => line.handled !== undefined), 'killed before the handler finished')

  writeFileSync(release, '')
  const second = await startApp(t, env)
  const handled = await waitFor(() => second.lines.find((line) => line.handled !== undefined), 'the restarted app to handle the delivery')
  t.same({ delivery: handled.handled, id: handled.id, attempt: handled.attempt }, { delivery: answer.body.delivery, id: 'call-killed', attempt: 2 },
    'the same row, on its second attempt (the killed one counted)')
  const store = sqliteInbox({ file })
  await store.open()
  t.teardown(() => store.close())
  const row = await waitFor(async () => {
    const found = await store.get(answer.body.delivery)
    return found?.status === 'done' ? found : undefined
  }, 'the row to be done')
  t.equal(row.attempts, 2)
  second.process.kill('SIGTERM')
  t.equal(await second.exited, 0, 'SIGTERM closes the app cleanly')
  t.equal(second.lines.filter((line) => line.handled !== undefined).length, 1, 'handled once')
})

t.test('two app processes on one PostgreSQL: every delivery handled exactly once, duplicates sent to both deduplicated', async t => {
  await withDatabase(t, async (connectionString) => {
    const env = { INBOX_DATABASE_URL: connectionString, INBOX_LEASE: '5000' }
    const apps = await Promise.all([startApp(t, env), startApp(t, env)])
    const count = 40
    const answers = await Promise.all([...Array(count).keys()].flatMap((index) => {
      const delivery = deliver(sample(`call-${index}`))
      // Each delivery goes to one app; every fourth is sent again, to both.
      const sends = [fetchPost((apps[index % 2] as Child).origin, '/hook', delivery)]
      if (index % 4 === 0) sends.push(fetchPost((apps[0] as Child).origin, '/hook', delivery), fetchPost((apps[1] as Child).origin, '/hook', delivery))
      return sends
    }))
    t.ok(answers.every((answer) => answer.status === 200), 'every send acknowledged')
    t.equal(answers.filter((answer) => answer.body.duplicate === false).length, count, 'one new row per delivery, whichever app got it')
    t.equal(new Set(answers.map((answer) => answer.body.delivery)).size, count)
    const handled = () => apps.flatMap((app) => app.lines.filter((line) => line.handled !== undefined))
    await waitFor(() => handled().length >= count, `${count} deliveries to be handled`)
    const store = postgresInbox({ connectionString })
    await store.open()
    t.teardown(() => store.close())
    await waitFor(async () => (await store.list({ status: 'done', limit: 1000 })).length === count, 'every row to be done')
    const ids = handled().map((line) => line.id as string)
    t.equal(ids.length, count, 'no delivery handled twice')
    t.same([...new Set(ids)].sort(), [...Array(count).keys()].map((index) => `call-${index}`).sort(), 'every delivery handled')
    for (const app of apps) app.process.kill('SIGTERM')
    t.same(await Promise.all(apps.map((app) => app.exited)), [0, 0])
  })
})
