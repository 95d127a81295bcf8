/**
 * The `magnetis-webhooks` command (issue 6): dispatch, --help, exit codes,
 * `sign`, `send` against a real listening server and `history`. Most cases
 * run in-process (so lib/cli's coverage counts); the ones that prove the
 * command as users run it spawn the built bin.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import magnetisWebhooks from '../../lib/index.js'
import { historyFile } from '../../lib/cli/history.js'
import { main } from '../../lib/cli/main.js'
import { ensureBuilt, keyPieces, refPairs, refSign, ROOT, runBin, runInProcess, type RefPair } from '../fixtures/cli.js'

// Every 3-character piece of this key holds a "~", which nothing else prints.
const KEY = '~K~7~q~Z~p~3~w~'
const CALL_SAMPLE = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'call-sample.json'), 'utf8')) as Record<string, unknown>
const COMMANDS = ['send', 'sign', 'verify', 'listen', 'history']

function cacheEnv (extra: Record<string, string> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'magnetis-cli-'))
  return { XDG_CACHE_HOME: dir, HOME: dir, MAGNETIS_KEY: KEY, ...extra }
}

function formPairs (body: string): RefPair[] {
  return body.split('&').map((part) => {
    const equals = part.indexOf('=')
    const decode = (text: string): string => decodeURIComponent(text.replace(/\+/g, ' '))
    return [decode(part.slice(0, equals)), decode(part.slice(equals + 1))]
  })
}

/** A port where nothing listens (fetch refuses some low ports outright, so one is taken and freed). */
async function closedPort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise((resolve) => probe.close(resolve))
  return port
}

/** A real server: the plugin at /webhooks/magnetis, and plain routes that keep what they receive. */
async function startServer () {
  const app = Fastify()
  const events: Array<{ name: string, resource: unknown, data: unknown, payload: unknown }> = []
  const plain: Array<{ headers: Record<string, unknown>, body: string }> = []
  let url = ''
  await app.register(magnetisWebhooks, {
    path: '/webhooks/magnetis',
    url: () => url,
    key: KEY,
    onAny: (event) => { events.push({ name: event.name, resource: event.resource, data: event.data, payload: event.payload }) }
  })
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => { done(null, body) })
    scope.post('/plain', async (request) => {
      plain.push({ headers: request.headers, body: request.body as string })
      return 'kept\n'
    })
    scope.post('/empty', async (_request, reply) => reply.code(204).send())
    scope.post('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      return 'late'
    })
    scope.post('/redirect', async (_request, reply) => reply.redirect('https://elsewhere.example/', 301))
  })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  url = `${address}/webhooks/magnetis`
  t.teardown(() => app.close())
  return { address, url, events, plain }
}

const server = await startServer()

// Building dist/ (only when a CLI test runs alone on a stale tree) takes long on a busy machine.
t.setTimeout(180000)
t.before(ensureBuilt)

t.test('dispatch, --help and usage errors', async (t) => {
  const none = await runInProcess([], {})
  t.equal(none.code, 2, 'no command is a usage error')
  t.match(none.stderr, /Usage: magnetis-webhooks <command>/)

  const unknown = await runInProcess(['frobnicate'], {})
  t.equal(unknown.code, 2, 'an unknown command is a usage error')
  t.match(unknown.stderr, /unknown command "frobnicate"/)
  t.equal((await runInProcess(['constructor'], {})).code, 2, 'names of Object.prototype are not commands')

  for (const args of [['--help'], ['-h'], ['help'], ['help', 'nothing']]) {
    const help = await runInProcess(args, {})
    t.equal(help.code, 0, `${args.join(' ')} exits 0`)
    t.match(help.stdout, /Commands:\n\s+send <endpoint>/, `${args.join(' ')} lists the commands`)
  }
  for (const command of COMMANDS) {
    for (const args of [[command, '--help'], [command, '-h'], ['help', command]]) {
      const help = await runInProcess(args, {})
      t.equal(help.code, 0, `${args.join(' ')} exits 0`)
      t.match(help.stdout, new RegExp(`^Usage: magnetis-webhooks ${command}`), `${args.join(' ')} shows the ${command} help`)
      t.equal(help.stderr, '')
    }
  }

  const unknownOption = await runInProcess(['sign', '--frobnicate'], {})
  t.equal(unknownOption.code, 2, 'an unknown option is a usage error')
  t.equal(unknownOption.stderr, 'magnetis-webhooks sign: unknown option "--frobnicate"\nRun "magnetis-webhooks sign --help" for its options.\n')
  const unknownShort = await runInProcess(['send', 'http://127.0.0.1:1/', '-x'], cacheEnv())
  t.equal(unknownShort.code, 2)
  t.match(unknownShort.stderr, /^magnetis-webhooks send: unknown option "-x"; an argument that starts with "-" goes after "--", as in: -- "-x"\n/,
    'where a positional is allowed, the hint says how to pass one that starts with "-", its quotes balanced')
  t.equal(unknownShort.stderr.split('"').length % 2, 1, 'every quote is closed')
  const stray = await runInProcess(['sign', 'extra', '--url', 'https://x.example/'], { MAGNETIS_KEY: KEY })
  t.equal(stray.code, 2, 'a positional argument sign does not take is a usage error')
  const two = await runInProcess(['send', 'http://127.0.0.1:1/', 'extra'], cacheEnv())
  t.equal(two.code, 2, 'send takes one endpoint')
  t.match(two.stderr, /unexpected argument "extra"/)
})

t.test('with --json, usage errors are JSON too', async (t) => {
  const unknownOption = await runInProcess(['sign', '--frobnicate', '--json'], {})
  t.equal(unknownOption.code, 2)
  t.same(JSON.parse(unknownOption.stdout), { ok: false, exitCode: 2, error: 'unknown option "--frobnicate"', help: 'magnetis-webhooks sign --help' })
  t.equal(unknownOption.stderr, '', 'nothing on standard error')

  const noUrl = await runInProcess(['sign', '--json'], { MAGNETIS_KEY: KEY })
  t.equal(noUrl.code, 2)
  t.match(JSON.parse(noUrl.stdout), { ok: false, exitCode: 2, error: /^sign needs --url/ }, 'an error raised by the command itself')

  const noKey = await runInProcess(['send', 'http://127.0.0.1:1/', '--json'], cacheEnv({ MAGNETIS_KEY: '' }))
  t.match(JSON.parse(noKey.stdout), { ok: false, error: /^no signature key/ })

  const unknownCommand = await runInProcess(['frobnicate', '--json'], {})
  t.equal(unknownCommand.code, 2)
  t.same(JSON.parse(unknownCommand.stdout), { ok: false, exitCode: 2, error: 'unknown command "frobnicate"', help: 'magnetis-webhooks --help' })

  const afterDashes = await runInProcess(['send', '--frobnicate', '--', '--json'], cacheEnv())
  t.equal(afterDashes.stdout, '', '"--json" after "--" is an argument, not the option')
  t.match(afterDashes.stderr, /^magnetis-webhooks send: unknown option "--frobnicate"/)
})

t.test('sign prints the signature of the vendor rule, for form and JSON alike', async (t) => {
  const url = 'https://shop.example/webhooks/magnetis'
  const expected = refSign(KEY, url, refPairs(CALL_SAMPLE))

  const json = await runInProcess(['sign', '--url', url], { MAGNETIS_KEY: KEY })
  t.equal(json.code, 0)
  t.equal(json.stdout, expected + '\n', 'the default payload is the vendor page\'s call sample, event "test"')
  const form = await runInProcess(['sign', '--url', url, '--as', 'form', '--key', KEY], {})
  t.equal(form.stdout, expected + '\n', 'a form body signs the same, and --key works without MAGNETIS_KEY')

  const dir = mkdtempSync(join(tmpdir(), 'magnetis-sign-'))
  const envelope = join(dir, 'envelope.json')
  writeFileSync(envelope, JSON.stringify({ event: 'lead:created', data: { id: 'lead-1', n: 2, ok: true, no: false, none: null } }))
  const fromFile = await runInProcess(['sign', '--url', url, '--data', envelope, '--show-base'], { MAGNETIS_KEY: KEY })
  const pairs: RefPair[] = [['data[id]', 'lead-1'], ['data[n]', '2'], ['data[no]', '0'], ['data[ok]', '1'], ['event', 'lead:created']]
  t.equal(fromFile.stdout, `signature: ${refSign(KEY, url, pairs)}\nsignature base string: ${url}${pairs.map((pair) => pair.join('')).join('')}\n`,
    '--show-base prints the base string: URL then sorted keys and values, booleans 1/0, null absent')

  const dataOnly = join(dir, 'data.json')
  writeFileSync(dataOnly, JSON.stringify({ id: 'lead-1' }))
  const test = await runInProcess(['sign', '--url', url, '--data', dataOnly], { MAGNETIS_KEY: KEY })
  t.equal(test.stdout, refSign(KEY, url, [['data[id]', 'lead-1'], ['event', 'test']]) + '\n', 'wrapped data is a test event unless --event says otherwise')
  const wrapped = await runInProcess(['sign', '--url', url, '--data', dataOnly, '--event', 'lead:created', '--json', '--as', 'form'], { MAGNETIS_KEY: KEY })
  const result = JSON.parse(wrapped.stdout)
  t.equal(result.signature, refSign(KEY, url, [['data[id]', 'lead-1'], ['event', 'lead:created']]), 'a file without "data" is the data, wrapped in an envelope')
  t.equal(result.contentType, 'application/x-www-form-urlencoded')
  t.same(formPairs(result.body), [['data[id]', 'lead-1'], ['event', 'lead:created']], '--json gives the form body to send')
  t.equal(result.event, 'lead:created')
  t.notOk('base' in result, 'no base string unless asked for')

  const withBase = JSON.parse((await runInProcess(['sign', '--url', url, '--json', '--show-base', '--event', 'email:received'], { MAGNETIS_KEY: KEY })).stdout)
  t.equal(withBase.event, 'email:received')
  t.match(withBase.base, /^https:\/\/shop\.example\/webhooks\/magnetisdata\[account\]\[id\]/)
  t.equal(JSON.parse(withBase.body).event, 'email:received', 'the built-in email sample carries the event asked for')
  t.equal(withBase.signature, refSign(KEY, url, refPairs(JSON.parse(withBase.body))))

  const replaced = await runInProcess(['sign', '--url', url, '--data', envelope, '--event', 'test', '--json'], { MAGNETIS_KEY: KEY })
  t.equal(JSON.parse(JSON.parse(replaced.stdout).body).event, 'test', '--event replaces the envelope\'s event')
})

t.test('sign and send refuse bad input with exit code 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetis-bad-'))
  const notJson = join(dir, 'not.json')
  writeFileSync(notJson, '{"event": ')
  const array = join(dir, 'array.json')
  writeFileSync(array, '[1, 2]')
  const deep = join(dir, 'deep.json')
  writeFileSync(deep, JSON.stringify({ data: JSON.parse('['.repeat(40) + ']'.repeat(40)) }))
  const url = ['--url', 'https://shop.example/']
  const cases: Array<[string, string[], Record<string, string>, RegExp]> = [
    ['no key', ['sign', ...url], {}, /no signature key: pass --key or set MAGNETIS_KEY/],
    ['an empty key', ['sign', ...url, '--key', ''], {}, /no signature key/],
    ['no --url', ['sign'], { MAGNETIS_KEY: KEY }, /sign needs --url/],
    ['a bad --as', ['sign', ...url, '--as', 'xml'], { MAGNETIS_KEY: KEY }, /--as must be "form" or "json", not "xml"/],
    ['an unknown event', ['sign', ...url, '--event', 'call:teleported'], { MAGNETIS_KEY: KEY }, /--event must be one of call:completed/],
    ['an unknown resource', ['sign', ...url, '--resource', 'fax'], { MAGNETIS_KEY: KEY }, /--resource must be one of call, email, lead/],
    ['a resource that contradicts the event', ['sign', ...url, '--event', 'lead:created', '--resource', 'call'], { MAGNETIS_KEY: KEY }, /--resource call contradicts --event lead:created/],
    ['a missing file', ['sign', ...url, '--data', join(dir, 'missing.json')], { MAGNETIS_KEY: KEY }, /cannot read .*missing\.json: ENOENT/],
    ['a file that is not JSON', ['sign', ...url, '--data', notJson], { MAGNETIS_KEY: KEY }, /not\.json is not valid JSON/],
    ['a file that is not an object', ['sign', ...url, '--data', array], { MAGNETIS_KEY: KEY }, /must hold a JSON object/],
    ['a payload nested too deep', ['sign', ...url, '--data', deep], { MAGNETIS_KEY: KEY }, /nests deeper than 32 levels/],
    ['send without endpoint', ['send'], { MAGNETIS_KEY: KEY }, /send needs the <endpoint> URL/],
    ['send to a URL that is not http', ['send', 'ftp://shop.example/'], { MAGNETIS_KEY: KEY }, /must be an http:\/\/ or https:\/\/ URL/],
    ['send to no URL at all', ['send', 'shop.example'], { MAGNETIS_KEY: KEY }, /must be an http:\/\/ or https:\/\/ URL, not "shop\.example"/],
    ['a bad --timeout', ['send', server.url, '--timeout', 'soon'], { MAGNETIS_KEY: KEY }, /--timeout must be a positive number of milliseconds/]
  ]
  for (const [name, args, env, message] of cases) {
    const run = await runInProcess(args, env)
    t.equal(run.code, 2, `${name}: exit code 2`)
    t.match(run.stderr, message, `${name}: says what is wrong`)
    t.equal(run.stdout, '', `${name}: prints nothing on stdout`)
  }
  t.equal(server.events.length, 0, 'nothing was sent')
})

t.test('send posts signed events that the plugin accepts, as JSON and as form', async (t) => {
  const env = cacheEnv()
  const json = await runInProcess(['send', server.url], env)
  t.equal(json.code, 0, 'a 2xx reply exits 0')
  t.match(json.stdout, new RegExp(`^POST ${server.url}  test \\(call\\) as json\\n200 OK  [\\d.]+ ms\\n\\{"ok":true,"event":"test","id":"call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5"\\}\\n$`),
    'prints the request, status, elapsed time and reply body')
  const form = await runInProcess(['send', server.url, '--as', 'form'], env)
  t.equal(form.code, 0)
  t.same(server.events[1], server.events[0], 'form and JSON reach the handler deep-equal')
  t.same(server.events[0]!.payload, CALL_SAMPLE, 'the default payload is the vendor page\'s sample')

  for (const event of ['call:completed', 'call:missed', 'call:ringing', 'email:received', 'lead:created']) {
    const run = await runInProcess(['send', server.url, '--event', event, '--json'], env)
    t.equal(run.code, 0, `${event} is accepted`)
    const result = JSON.parse(run.stdout)
    t.equal(result.status, 200)
    t.equal(result.ok, true)
    t.equal(result.event, event)
    t.equal(result.resource, event.split(':')[0])
    t.type(result.durationMs, 'number')
    t.equal(result.url, server.url, 'the URL signed defaults to the endpoint')
    t.equal(server.events.at(-1)!.name, event)
  }
  for (const resource of ['email', 'lead']) {
    await runInProcess(['send', server.url, '--resource', resource], env)
    t.equal(server.events.at(-1)!.resource, resource, `--resource ${resource} sends a test event with ${resource} data`)
  }
})

t.test('send signs exactly as the vendor rule says (checked by a plain route)', async (t) => {
  const env = cacheEnv()
  const endpoint = `${server.address}/plain`
  const signed = 'https://shop.example/webhooks/magnetis'
  for (const as of ['json', 'form']) {
    const run = await runInProcess(['send', endpoint, '--url', signed, '--as', as, '--event', 'email:received'], env)
    t.equal(run.code, 0)
    t.match(run.stdout, `POST ${endpoint}  email:received as ${as}, signed for ${signed}\n`)
    const received = server.plain.at(-1)!
    const pairs = as === 'json' ? refPairs(JSON.parse(received.body)) : formPairs(received.body)
    t.equal(received.headers['content-type'], as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded')
    t.equal(received.headers['x-calltracking-signature'], refSign(KEY, signed, pairs), `the ${as} body's header is HMAC-SHA1 of the --url and the sorted pairs`)
  }
})

t.test('send shows replies with and without a body, and events of any name', async (t) => {
  const env = cacheEnv()
  const empty = await runInProcess(['send', `${server.address}/empty`], env)
  t.equal(empty.code, 0, '204 is a 2xx reply')
  t.match(empty.stdout, /^POST .*\n204 No Content  [\d.]+ ms\n$/, 'no body line for an empty reply')
  const kept = await runInProcess(['send', `${server.address}/plain`], env)
  t.match(kept.stdout, /\nkept\n$/, 'a body that ends a line is printed as is')

  const dir = mkdtempSync(join(tmpdir(), 'magnetis-future-'))
  const future = join(dir, 'future.json')
  writeFileSync(future, JSON.stringify({ data: { id: 'call-42' }, event: 'call:transferred' }))
  const run = await runInProcess(['send', server.url, '--data', future, '--json'], env)
  t.equal(run.code, 0, 'the plugin acknowledges an event it does not know')
  t.match(JSON.parse(run.stdout), { event: 'call:transferred', resource: null, status: 200 })
  t.equal(server.events.at(-1)!.name, 'call:transferred')
})

t.test('errors other than usage errors propagate (the bin reports them, exit 1)', async (t) => {
  const failing = { stdout: () => { throw new Error('stdout is closed') }, stderr: () => {}, env: {} }
  await t.rejects(main(['--help'], failing), /stdout is closed/, 'from --help')
  await t.rejects(main(['history'], failing), /stdout is closed/, 'from a command')
})

t.test('send exits 1 for a non-2xx reply or no reply', async (t) => {
  const env = cacheEnv()
  const wrongUrl = await runInProcess(['send', server.url, '--url', 'https://elsewhere.example/', '--json'], env)
  t.equal(wrongUrl.code, 1, '401 exits 1')
  const result = JSON.parse(wrongUrl.stdout)
  t.equal(result.status, 401)
  t.equal(result.ok, false)
  t.equal(JSON.parse(result.body).code, 'FST_MAGNETIS_INVALID_SIGNATURE', 'the reply body is shown')
  t.match(result.contentType, /^application\/json/)

  const credentials = await runInProcess(['send', server.url.replace('http://', 'http://user:secret@')], env)
  t.equal(credentials.code, 1, 'a request fetch refuses to make exits 1')
  t.match(credentials.stdout, /no reply: .*credentials/)

  const redirect = await runInProcess(['send', `${server.address}/redirect`], env)
  t.equal(redirect.code, 1, 'a redirect is shown, not followed')
  t.match(redirect.stdout, /\n301 Moved Permanently  /)

  const refused = await runInProcess(['send', `http://127.0.0.1:${await closedPort()}/hook`], env)
  t.equal(refused.code, 1, 'no reply exits 1')
  t.match(refused.stdout, /no reply: ECONNREFUSED  [\d.]+ ms\n$/)

  const slow = await runInProcess(['send', `${server.address}/slow`, '--timeout', '100', '--json'], env)
  t.equal(slow.code, 1)
  t.equal(JSON.parse(slow.stdout).error, 'no reply within 100 ms')
  t.equal(JSON.parse(slow.stdout).status, null)

  const history = JSON.parse((await runInProcess(['history', '--json'], env)).stdout)
  t.same(history.map((entry: { status: number | null }) => entry.status), [401, null, 301, null, null], 'every attempt is recorded, failures included')
  t.equal(history[3].error, 'ECONNREFUSED')
})

t.test('history keeps the last 10 attempts in the XDG cache directory', async (t) => {
  const env = cacheEnv()
  t.equal(historyFile(env), join(env.XDG_CACHE_HOME!, 'magnetis-webhooks', 'history.json'))
  const empty = await runInProcess(['history'], env)
  t.equal(empty.code, 0)
  t.match(empty.stdout, /no attempts yet/)

  for (let attempt = 1; attempt <= 12; attempt++) {
    t.equal((await runInProcess(['send', `${server.url}?attempt=${attempt}`, '--url', server.url, '--event', attempt % 2 === 0 ? 'call:missed' : 'test'], env)).code, 0)
  }
  const entries = JSON.parse((await runInProcess(['history', '--json'], env)).stdout)
  t.equal(entries.length, 10, 'capped at 10')
  t.same(entries.map((entry: { endpoint: string }) => Number(entry.endpoint.split('=')[1])), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 'the oldest are dropped')
  t.same(JSON.parse(readFileSync(historyFile(env), 'utf8')), entries, 'the file holds them')
  for (const entry of entries) {
    t.match(entry, { status: 200, as: 'json' })
    t.ok(Number.isFinite(Date.parse(entry.time)), 'time is an ISO date')
  }

  const text = await runInProcess(['history'], env)
  const lines = text.stdout.trimEnd().split('\n')
  t.equal(lines.length, 11, 'a header and 10 attempts')
  t.match(lines[0], /^time {22}event {8}as    status  duration  endpoint$/, 'the header names the columns')
  t.match(lines[1], /^\d{4}-\d\d-\d\dT[\d:.]+Z  test \(call\)  json  200     +\d+ ms  http:\/\/127\.0\.0\.1:\d+\/webhooks\/magnetis\?attempt=3$/, 'time, event, encoding, status, duration, endpoint')
  t.match(lines[2], /Z  call:missed  json  200  /)
  for (const column of ['event', 'as', 'status', 'endpoint']) {
    const at = lines[0]!.indexOf(column)
    t.ok(lines.every((line) => line.slice(at - 2, at) === '  ' && line[at] !== ' '), `every ${column} cell starts in the header's column`)
  }
  t.equal(new Set(lines.map((line) => line.indexOf(' ms  '))).size, 2, 'durations end in one column (the header aside)')

  const cleared = await runInProcess(['history', '--clear'], env)
  t.equal(cleared.stdout, 'history cleared\n')
  t.same(JSON.parse((await runInProcess(['history', '--json'], env)).stdout), [])
  t.same(JSON.parse((await runInProcess(['history', '--clear', '--json'], env)).stdout), { cleared: true })
})

t.test('history survives a broken file', async (t) => {
  const env = cacheEnv()
  const file = historyFile(env)
  mkdirSync(join(file, '..'), { recursive: true })
  for (const broken of ['{"not json', '{"an": "object"}', 'null']) {
    writeFileSync(file, broken)
    const shown = await runInProcess(['history', '--json'], env)
    t.equal(shown.code, 0, `${JSON.stringify(broken)} does not break history`)
    t.same(JSON.parse(shown.stdout), [], 'and reads as empty')
  }
  const attempt = { time: '2024-01-01T00:00:00.000Z', endpoint: 'http://a/', event: 'test', status: null, durationMs: 3, as: 'json' }
  writeFileSync(file, JSON.stringify([null, 5, { time: 'x' }, { ...attempt, as: 'xml' }, attempt, { ...attempt, as: 'form', error: 'ECONNREFUSED', durationMs: 1234.4 }]))
  t.same(JSON.parse((await runInProcess(['history', '--json'], env)).stdout).length, 2, 'entries that are not attempts are dropped')
  t.same((await runInProcess(['history'], env)).stdout.split('\n'), [
    'time                      event  as    status                  duration  endpoint',
    '2024-01-01T00:00:00.000Z  test   json  no reply                    3 ms  http://a/',
    '2024-01-01T00:00:00.000Z  test   form  no reply: ECONNREFUSED   1234 ms  http://a/',
    ''
  ], 'a failed attempt says why, and the columns stay aligned')

  writeFileSync(file, '\u0000garbage')
  t.equal((await runInProcess(['send', server.url], env)).code, 0, 'send works over a broken file')
  const entries = JSON.parse(readFileSync(file, 'utf8'))
  t.equal(entries.length, 1, 'and replaces it with a good one')
})

t.test('history: where the cache is', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'magnetis-home-'))
  t.equal(historyFile({ HOME: home }), join(home, '.cache', 'magnetis-webhooks', 'history.json'), '~/.cache without XDG_CACHE_HOME')
  t.equal(historyFile({ HOME: home, XDG_CACHE_HOME: 'relative/cache' }), join(home, '.cache', 'magnetis-webhooks', 'history.json'), 'a relative XDG_CACHE_HOME is ignored, as the XDG specification says')
  t.match(historyFile({}), /\.cache\/magnetis-webhooks\/history\.json$/, 'the user\'s home when HOME is not set')

  // A cache "directory" that is a file cannot be written: the send still works.
  const file = join(home, 'not-a-directory')
  writeFileSync(file, '')
  const run = await runInProcess(['send', server.url], { XDG_CACHE_HOME: file, MAGNETIS_KEY: KEY })
  t.equal(run.code, 0)
  t.match(run.stderr, /warning: the attempt was not recorded in the history/)
})

t.test('the key is never printed, not even partly', async (t) => {
  const env = cacheEnv({ MAGNETIS_KEY: ` ${KEY}\n` })
  const dir = mkdtempSync(join(tmpdir(), 'magnetis-key-'))
  const body = join(dir, 'body.json')
  writeFileSync(body, JSON.stringify(CALL_SAMPLE))
  const runs = [
    await runInProcess(['send', server.url], env),
    await runInProcess(['send', server.url, '--json', '--key', KEY], env),
    await runInProcess(['send', `${server.address}/plain`, '--key', KEY], env),
    await runInProcess(['sign', '--url', server.url, '--show-base'], env),
    await runInProcess(['sign', '--url', server.url, '--json', '--show-base', '--key', KEY], env),
    await runInProcess(['verify', '--url', server.url, '--signature', 'x', '--content-type', 'application/json', '--body-file', body], env),
    await runInProcess(['verify', '--url', server.url, '--signature', 'x', '--content-type', 'application/json', '--body-file', body, '--json'], env),
    await runInProcess(['history'], env),
    await runInProcess(['history', '--json'], env),
    await runBin(['send', server.url, '--json'], env),
    await runBin(['sign', '--url', server.url, '--show-base'], env)
  ]
  t.match(runs[0]!.stderr, /warning: the signature key has leading or trailing white space/, 'a key with white space gets a warning')
  t.equal(runs[0]!.code, 1, 'and, as the vendor signs with the key as shown, does not verify')
  t.equal(runs[1]!.code, 0)
  for (const [index, run] of runs.entries()) {
    for (const piece of keyPieces(KEY)) {
      t.notOk(run.stdout.includes(piece) || run.stderr.includes(piece), `run ${index}: no "${piece}" of the key in the output`)
    }
  }
  t.notOk(readFileSync(historyFile(env), 'utf8').includes('~'), 'nor in the history file')
})

t.test('the built bin runs as users run it', async (t) => {
  const env = cacheEnv()
  // Independent runs go two at a time (the machine has two cores).
  const [help, commandHelp, none, usage] = await Promise.all([runBin(['--help'], env), runBin(['verify', '--help'], env), runBin([], env), runBin(['sign'], env)])
  t.equal(help.code, 0)
  t.match(help.stdout, /^Usage: magnetis-webhooks <command>/)
  t.equal(commandHelp.code, 0, 'a command\'s --help exits 0')
  t.match(commandHelp.stdout, /^Usage: magnetis-webhooks verify/)
  t.equal(none.code, 2, 'no command: exit 2')
  t.equal(usage.code, 2, 'usage error: exit 2')
  t.match(usage.stderr, /sign needs --url/)

  const sent = await runBin(['send', server.url, '--event', 'lead:created', '--as', 'form', '--json'], env)
  t.equal(sent.code, 0, 'a 2xx reply: exit 0')
  t.match(JSON.parse(sent.stdout), { ok: true, status: 200, event: 'lead:created', as: 'form' })
  t.equal(server.events.at(-1)!.name, 'lead:created')
  const rejected = await runBin(['send', server.url, '--url', 'https://elsewhere.example/'], env)
  t.equal(rejected.code, 1, 'a 401 reply: exit 1')
  t.match(rejected.stdout, /\n401 Unauthorized  /)

  const history = await runBin(['history', '--json'], env)
  t.same(JSON.parse(history.stdout).map((entry: { status: number }) => entry.status), [200, 401], 'both attempts are in the history')

  const signature = await runBin(['sign', '--url', 'https://shop.example/webhooks/magnetis'], env)
  t.equal(signature.stdout, refSign(KEY, 'https://shop.example/webhooks/magnetis', refPairs(CALL_SAMPLE)) + '\n')
})
