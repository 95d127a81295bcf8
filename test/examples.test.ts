/**
 * The examples, run as users run them (plain Node on the built package):
 * `npm start` keeps each delivery in its SQLite inbox (MAGNETIS_INBOX_FILE)
 * and handles it from there, MAGNETIS_INBOX=off turns that off, a bad inbox
 * setting stops it with one line; `npm run demo` passes with and without
 * the inbox.
 */
import { execFile, spawn } from 'node:child_process'
import { createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { sqliteInbox } from '../lib/inbox/sqlite.js'
import { ensureBuilt, ROOT } from './fixtures/cli.js'
import { waitFor, waitForStatus } from './helpers/inbox-harness.js'
import { deliver, envelope, fetchPost } from './helpers/plugin-harness.js'

const KEY = 'example-key'
// Child processes start slowly on a busy machine; 10x what they need.
t.setTimeout(180_000)
t.before(ensureBuilt)

function childEnv (extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COVERAGE_: '0', MAGNETIS_KEY: KEY, HOST: '127.0.0.1', ...extra }
}

function run (script: string, env: Record<string, string>): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'examples', script)], { env: childEnv(env), cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr })
    })
  })
}

/** Starts examples/server.mjs on a free port; resolves its origin once it listens. */
async function startServer (t: Test, env: Record<string, string>): Promise<{ origin: string, url: string, output: () => string }> {
  // The example signs with a URL that holds its port, so the port is chosen first: one the OS just gave out.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = String((probe.address() as AddressInfo).port)
  await new Promise((resolve) => probe.close(resolve))
  const child = spawn(process.execPath, [join(ROOT, 'examples', 'server.mjs')], { env: childEnv({ PORT: port, ...env }), cwd: ROOT })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM')
      await exited
    }
  })
  await waitFor(() => output.includes('POST Magnétis webhooks to') || child.exitCode !== null, 'the example server to listen', 60_000)
  if (child.exitCode !== null) throw new Error(`the example server exited: ${output}`)
  const origin = `http://127.0.0.1:${port}`
  return { origin, url: `${origin}/webhooks/magnetis`, output: () => output }
}

t.test('npm start: the SQLite inbox is on; a delivery is stored, handled, and a duplicate is not handled again', async t => {
  const file = join(t.testdir(), 'inbox.db')
  const server = await startServer(t, { MAGNETIS_INBOX_FILE: file })
  t.match(server.output(), `inbox: ${file}`)
  const delivery = deliver(envelope('call:completed'), 'json', { key: KEY, url: server.url })
  const first = await fetchPost(server.origin, '/webhooks/magnetis', delivery)
  const second = await fetchPost(server.origin, '/webhooks/magnetis', delivery)
  t.match(first, { status: 200, body: { duplicate: false } })
  t.match(second, { status: 200, body: { duplicate: true, delivery: first.body.delivery } })
  const store = sqliteInbox({ file })
  await store.open()
  t.teardown(() => store.close())
  await waitForStatus(store, first.body.delivery, 'done')
  t.equal((await store.list()).length, 1)
  await waitFor(() => server.output().includes('"msg":"call completed"'), 'the handler to log the call')
  t.equal(server.output().split('"msg":"call completed"').length - 1, 1, 'handled once')
})

t.test('npm start with MAGNETIS_INBOX=off handles in the request; bad inbox settings stop it with one clear line', async t => {
  const server = await startServer(t, { MAGNETIS_INBOX: 'off', MAGNETIS_INBOX_FILE: join(t.testdir(), 'unused.db') })
  t.match(server.output(), 'inbox off')
  const answer = await fetchPost(server.origin, '/webhooks/magnetis', deliver(envelope('call:missed'), 'json', { key: KEY, url: server.url }))
  t.match(answer, { status: 200, body: { ok: true, event: 'call:missed' } })
  t.notOk('delivery' in answer.body)

  // Independent processes: they run side by side.
  const [missingDir, unknown] = await Promise.all([
    run('server.mjs', { PORT: '0', MAGNETIS_INBOX_FILE: join(t.testdir(), 'no', 'such', 'dir', 'inbox.db') }),
    run('server.mjs', { MAGNETIS_INBOX: 'sqlite' })
  ])
  t.equal(missingDir.code, 1)
  t.match(missingDir.stderr, /^Cannot start: .*the directory of .* does not exist: create .* first/)
  t.notMatch(missingDir.stderr, /\n\s+at /, 'no stack trace')
  t.match(unknown, { code: 2, stderr: /MAGNETIS_INBOX must be "on" \(the default: a SQLite inbox\) or "off", not "sqlite"/ })
})

t.test('npm run demo passes with the inbox (duplicate rows included) and without it', async t => {
  // Each demo takes its own free port and temporary inbox: they run side by side.
  const [withInbox, without] = await Promise.all([run('demo.mjs', {}), run('demo.mjs', { MAGNETIS_INBOX: 'off' })])
  t.match(withInbox, { code: 0, stdout: /Inbox on \(SQLite\)[\s\S]*'the same, sent again'.*'no'.*'duplicate of row \d+'.*'as expected'[\s\S]*Every request was answered as expected/ })
  t.match(without, { code: 0, stdout: /Inbox off[\s\S]*Every request was answered as expected/ })
  t.notMatch(without.stdout, 'sent again')
})
