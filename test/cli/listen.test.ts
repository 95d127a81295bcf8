/**
 * `magnetis-webhooks listen` (issue 6): the plugin on a real Fastify server
 * that prints every request, the signature only as present or absent, and
 * which reading verified. Requests come from `send` and from raw fetch/TCP.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect, createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { main } from '../../lib/cli/main.js'
import { BIN, ensureBuilt, keyPieces, refPairs, refSign, ROOT, runBin, runInProcess } from '../fixtures/cli.js'

const KEY = '~L~1~s~T~e~N~'
const dir = mkdtempSync(join(tmpdir(), 'magnetis-listen-'))
const env = { MAGNETIS_KEY: KEY, XDG_CACHE_HOME: dir, HOME: dir }

t.setTimeout(180000)
t.before(ensureBuilt)

/** Starts `listen` in-process; `output()` is what it printed so far, `stop()` ends it and gives the run. */
function startListen (t: Test, args: string[]) {
  const controller = new AbortController()
  t.teardown(() => controller.abort())
  let printed = ''
  const run = runInProcess(['listen', ...args], env, controller.signal, (text) => { printed += text })
  return {
    output: () => printed,
    async until (pattern: RegExp): Promise<RegExpMatchArray> {
      for (let waited = 0; waited < 10000; waited += 20) {
        const match = printed.match(pattern)
        if (match !== null) return match
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      throw new Error(`listen did not print ${pattern} in 10 s; it printed:\n${printed}`)
    },
    async stop () {
      controller.abort()
      return await run
    }
  }
}

async function untilLines (listener: ReturnType<typeof startListen>, count: number): Promise<any[]> {
  await listener.until(new RegExp(`^(?:.*\\n){${count}}`))
  return listener.output().trimEnd().split('\n').map((line) => JSON.parse(line))
}

t.test('listen --json prints where it listens, then one object per request', async (t) => {
  const listener = startListen(t, ['--json'])
  const [first] = await untilLines(listener, 1)
  t.match(first, { listening: /^http:\/\/127\.0\.0\.1:\d+\/webhooks\/magnetis$/, port: Number })
  t.equal(first.url, first.listening, 'the signed URL defaults to the one it listens on')
  const endpoint = first.listening as string

  const sent = await runInProcess(['send', endpoint], env)
  t.equal(sent.code, 0, 'a request sent as configured is accepted')
  let reports = await untilLines(listener, 2)
  const ok = reports[1]
  t.match(ok, { method: 'POST', url: '/webhooks/magnetis', status: 200, mediaType: 'application/json', signature: 'present', verified: true, reading: 'json', wouldMatch: [], error: null })
  t.same(ok.event, { name: 'test', resource: 'call', id: 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5' }, 'the event it carried')
  t.equal(ok.headers['x-calltracking-signature'], '(present)', 'the signature value is not shown')
  t.equal(ok.headers['content-type'], 'application/json')
  t.match(JSON.parse(ok.body), { event: 'test', data: { id: 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5' } }, 'the body as received')
  t.type(ok.durationMs, 'number')

  const https = endpoint.replace('http:', 'https:')
  t.equal((await runInProcess(['send', endpoint, '--url', https], env)).code, 1)
  reports = await untilLines(listener, 3)
  t.match(reports[2], { status: 401, verified: false, reading: null, wouldMatch: ['https instead of http'], error: /^FST_MAGNETIS_INVALID_SIGNATURE: / },
    'a request signed for another URL: what would have matched')

  const unsigned = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"event":"test"}' })
  t.equal(unsigned.status, 401)
  reports = await untilLines(listener, 4)
  t.match(reports[3], { status: 401, signature: 'absent', verified: false, wouldMatch: [], body: '{"event":"test"}', error: /^FST_MAGNETIS_MISSING_SIGNATURE/ })
  t.notOk('x-calltracking-signature' in reports[3].headers)

  const pairs = refPairs({ event: 'test' })
  const plain = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8', 'x-calltracking-signature': refSign(KEY, endpoint, pairs) }, body: '{"event":"test"}' })
  t.equal(plain.status, 415)
  reports = await untilLines(listener, 5)
  t.match(reports[4], { status: 415, mediaType: 'text/plain', body: '{"event":"test"}', verified: false, error: /^FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE/ },
    'the body is shown even when the plugin refuses it before reading it')
  t.same(reports[4].wouldMatch, ['the body read as the JSON flattened into pairs (data[account][id], data[events][0][name]), not as its Content-Type says (it cannot be)'],
    'and the reading that would have verified it')

  t.equal((await fetch(`${endpoint}/elsewhere`)).status, 404)
  reports = await untilLines(listener, 6)
  t.match(reports[5], { method: 'GET', status: 404, body: '', mediaType: null, signature: 'absent', event: null })

  const invalid = join(dir, 'invalid-call.json')
  writeFileSync(invalid, JSON.stringify({ data: { duration: 'long' }, event: 'call:completed' }))
  t.equal((await runInProcess(['send', endpoint, '--data', invalid], env)).code, 1)
  reports = await untilLines(listener, 7)
  t.match(reports[6], { status: 422, verified: true, event: { name: 'call:completed', resource: 'call', id: null }, error: /^FST_MAGNETIS_INVALID_EVENT/ },
    'a signed event that fails its schema: verified, with the event it carried')

  const huge = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', 'x-calltracking-signature': 'x' }, body: JSON.stringify({ pad: 'x'.repeat(1100000) }) })
  t.equal(huge.status, 413)
  t.match(await huge.json(), { statusCode: 413, code: 'FST_MAGNETIS_BODY_TOO_LARGE', message: /^fastify-magnetis-webhooks: the request body is larger than the limit of 1048576 bytes/ }, 'the plugin\'s own 413 format')
  reports = await untilLines(listener, 8)
  t.match(reports[7], { status: 413, body: null, error: /larger than the limit of 1048576 bytes/ }, 'a body over 1 MiB is refused, not kept')

  const run = await listener.stop()
  t.equal(run.code, 0, 'stopping it exits 0')
  for (const piece of keyPieces(KEY)) t.notOk(run.stdout.includes(piece) || run.stderr.includes(piece), `no "${piece}" of the key`)
})

t.test('listen prints requests for people, with --path, --host and --url', async (t) => {
  const listener = startListen(t, ['--path', '/hooks', '--host', '127.0.0.1', '--port', '0', '--url', 'https://tunnel.example/hooks'])
  const [, endpoint] = await listener.until(/^listening on (http:\/\/127\.0\.0\.1:\d+\/hooks)\nsigned URL: https:\/\/tunnel\.example\/hooks\nCtrl-C to stop\n/)

  t.equal((await runInProcess(['send', endpoint!, '--url', 'https://tunnel.example/hooks', '--event', 'lead:created', '--as', 'form'], env)).code, 0)
  await listener.until(/event: lead:created \(lead\) lead-\S+\n/)
  t.match(listener.output(), /\nPOST \/hooks  200  [\d.]+ ms\n  host: 127\.0\.0\.1:\d+\n[^]*  x-calltracking-signature: \(present\)\n[^]*media type: application\/x-www-form-urlencoded\nbody: data%5Bid%5D=lead-[^]*\nsignature: verified, with the form pairs\n/)

  t.equal((await runInProcess(['send', endpoint!], env)).code, 1, 'signed for the local URL, not the one configured')
  await listener.until(/would have matched with: the URL the request was received on \(http:\/\/127\.0\.0\.1:\d+\/hooks\), not the configured https:\/\/tunnel\.example\/hooks\n/)
  t.match(listener.output(), /signature: not verified\n  would have matched/)

  await fetch(endpoint!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  await listener.until(/  x-calltracking-signature: \(absent\)\n[^]*signature: absent\nerror: FST_MAGNETIS_MISSING_SIGNATURE/)

  await fetch(endpoint!)
  await listener.until(/GET \/hooks  404 [^]*media type: \(none\)\nbody: \(empty\)\nsignature: absent\n/)

  const huge = await fetch(endpoint!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-calltracking-signature': 'x' }, body: JSON.stringify({ pad: 'x'.repeat(1100000) }) })
  t.equal(huge.status, 413)
  await listener.until(/POST \/hooks  413 [^]*body: \(none\)\nsignature: not verified\nerror: .*larger than the limit of 1048576 bytes/)

  const unknown = join(dir, 'unknown-test.json')
  writeFileSync(unknown, JSON.stringify({ data: { color: 'blue' }, event: 'test' }))
  t.equal((await runInProcess(['send', endpoint!, '--url', 'https://tunnel.example/hooks', '--data', unknown], env)).code, 0)
  await listener.until(/\nsignature: verified, with the JSON flattened into pairs .*\nevent: test\n/)

  // No Content-Type at all (a byte array body gets none from fetch), signed over the JSON's pairs.
  const body = Buffer.from('{"event":"test","data":{"id":"x"}}')
  const signature = refSign(KEY, 'https://tunnel.example/hooks', [['data[id]', 'x'], ['event', 'test']])
  const untyped = await fetch(endpoint!, { method: 'POST', headers: { 'x-calltracking-signature': signature }, body: new Uint8Array(body) })
  t.equal(untyped.status, 415)
  await listener.until(/media type: \(none\)\nbody: \{"event":"test","data":\{"id":"x"\}\}\nsignature: not verified\n  would have matched with: the body read as the JSON flattened/)

  // A client that drops the connection mid-body: the listener keeps going.
  const { port } = new URL(endpoint!)
  const socket = connect(Number(port), '127.0.0.1')
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write('POST /hooks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Calltracking-Signature: x\r\nContent-Length: 100\r\n\r\n{"a"')
  await new Promise((resolve) => setTimeout(resolve, 100))
  socket.destroy()
  t.equal((await runInProcess(['send', endpoint!, '--url', 'https://tunnel.example/hooks'], env)).code, 0, 'still serving after an aborted request')

  t.equal((await listener.stop()).code, 0)
})

t.test('listen: usage errors exit 2, a busy port exits 1', async (t) => {
  for (const [args, message] of [
    [['--port', 'eighty'], /--port must be a port number \(0 to 65535\), not "eighty"/],
    [['--port', '70000'], /--port must be a port number/],
    [['--path', 'hooks'], /--path must start with "\/", not "hooks"/]
  ] as const) {
    const run = await runInProcess(['listen', ...args], env)
    t.equal(run.code, 2, args.join(' '))
    t.match(run.stderr, message)
  }
  t.equal((await runInProcess(['listen'], {})).code, 2, 'no key')

  const busy = createServer()
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => busy.close())
  const run = await runInProcess(['listen', '--port', String((busy.address() as AddressInfo).port)], env)
  t.equal(run.code, 1, 'the port is taken: exit 1')
  t.match(run.stderr, /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/)

  const stopped = new AbortController()
  stopped.abort()
  const quick = await runInProcess(['listen', '--json'], env, stopped.signal)
  t.equal(quick.code, 0, 'an already-aborted signal closes it at once')
  t.match(JSON.parse(quick.stdout), { listening: /^http:/ })
})

/** Spawns a long-running command and reads its stdout as it comes. */
function spawnListen (command: string, args: string[], childEnv: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { env: childEnv, cwd: ROOT })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8') })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    child,
    exit,
    output: () => stdout,
    errors: () => stderr,
    async until (pattern: RegExp): Promise<RegExpMatchArray> {
      // A give-up point, not a speed limit: a child (with tap's TypeScript loader) can take seconds to start on a loaded machine.
      for (let waited = 0; waited < 60000; waited += 25) {
        const match = stdout.match(pattern)
        if (match !== null) return match
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      child.kill()
      throw new Error(`no ${pattern} in 60 s; stdout:\n${stdout}\nstderr:\n${stderr}`)
    }
  }
}

t.test('the built bin listens until Ctrl-C (SIGINT), then exits 0', async (t) => {
  const listener = spawnListen(process.execPath, [BIN, 'listen', '--json'], { PATH: process.env.PATH, _TAPJS_PROCESSINFO_COVERAGE_: '0', ...env })
  t.teardown(() => listener.child.kill())
  const [line] = await listener.until(/^.*\n/)
  const { listening } = JSON.parse(line!)
  const sent = await runBin(['send', listening, '--event', 'call:missed', '--json'], env)
  t.equal(sent.code, 0)
  t.equal(JSON.parse(sent.stdout).status, 200)
  const [, report] = await listener.until(/^.*\n(.*)\n/)
  t.match(JSON.parse(report!), { status: 200, verified: true, reading: 'json', event: { name: 'call:missed' } })
  listener.child.kill('SIGINT')
  t.equal(await listener.exit, 0)
  t.equal(listener.errors(), '')
})

t.test('listen with the process\'s own output and environment stops on SIGTERM (the process-signal path)', async (t) => {
  // main() without an io writes to this process's streams and reads its environment: no stop signal is given, so
  // listen waits for SIGINT or SIGTERM. Its lines are taken off the streams; tap's own output passes through.
  // A key with white space: its warning goes through the process's stderr.
  const keyBefore = process.env.MAGNETIS_KEY
  process.env.MAGNETIS_KEY = `${KEY} `
  let stdout = ''
  let stderr = ''
  const writeStdout = process.stdout.write
  const writeStderr = process.stderr.write
  process.stdout.write = function (chunk: unknown, ...rest: unknown[]) {
    if (typeof chunk === 'string' && chunk.startsWith('{"listening":')) {
      stdout += chunk
      return true
    }
    return (writeStdout as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest)
  } as typeof process.stdout.write
  process.stderr.write = function (chunk: unknown) {
    stderr += String(chunk)
    return true
  } as typeof process.stderr.write
  const restore = (): void => {
    process.stdout.write = writeStdout
    process.stderr.write = writeStderr
    if (keyBefore === undefined) delete process.env.MAGNETIS_KEY
    else process.env.MAGNETIS_KEY = keyBefore
  }
  t.teardown(restore)
  const handlers = new Set(process.listeners('SIGTERM'))
  const interrupts = process.listeners('SIGINT').length
  const run = main(['listen', '--json'])
  for (let waited = 0; stdout === '' && waited < 60000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20))
  t.match(JSON.parse(stdout), { listening: /^http:\/\/127\.0\.0\.1:\d+\/webhooks\/magnetis$/ }, 'it listens, printing to the process\'s stdout')
  t.equal(process.listeners('SIGTERM').filter((handler) => !handlers.has(handler)).length, 1, 'it waits for SIGTERM')
  t.equal(process.listeners('SIGINT').length, interrupts + 1, 'and for SIGINT')
  // A real signal to this process: listen's handler (beside tap's) keeps it alive, and stops the command.
  process.kill(process.pid, 'SIGTERM')
  t.equal(await run, 0, 'SIGTERM stops it: exit 0')
  t.same([process.listeners('SIGTERM').length, process.listeners('SIGINT').length], [handlers.size, interrupts], 'and its handlers are gone')
  restore()
  t.match(stderr, /warning: the signature key has leading or trailing white space/)
})
