/**
 * `magnetis-webhooks verify` and its culprit finder (issue 6). A real server
 * captures requests from a "sender" that makes one of the usual mistakes
 * (signed with the independent signer of fixtures/cli.ts); `verify` must say
 * whether the captured request verifies and name each mistake that explains
 * it. Every case runs in-process (--json and the text output, and lib/cli's
 * coverage); the valid requests, the first culprit, the unexplained one and a
 * usage error also run the built command in a subprocess, as users run it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import t from 'tap'
import { ensureBuilt, keyPieces, refPairs, refSign, ROOT, runBin, runInProcess, type RefPair } from '../fixtures/cli.js'

const KEY = '~v~E~r~1~f~Y~'
const CONFIGURED = 'https://shop.example/webhooks/magnetis'
const PAYLOAD = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'call-sample.json'), 'utf8')) as Record<string, unknown>
const JSON_TYPE = 'application/json'
const FORM_TYPE = 'application/x-www-form-urlencoded'
const dir = mkdtempSync(join(tmpdir(), 'magnetis-verify-'))

// The capture server: keeps each request's raw body, headers and the URL it was received on.
const captured: Array<{ rawBody: Buffer, contentType: string, signature: string, receivedUrl: string }> = []
const app = Fastify()
app.removeAllContentTypeParsers()
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })
app.post('/webhooks/magnetis', async (request) => {
  captured.push({
    rawBody: request.body as Buffer,
    contentType: request.headers['content-type'] as string,
    signature: request.headers['x-calltracking-signature'] as string,
    receivedUrl: `${request.protocol}://${request.host}${request.url}`
  })
  return 'captured'
})
const RECEIVED = `${await app.listen({ port: 0, host: '127.0.0.1' })}/webhooks/magnetis`
t.teardown(() => app.close())
// Building dist/ (only when a CLI test runs alone on a stale tree) takes long on a busy machine.
t.setTimeout(180000)
t.before(ensureBuilt)

type Reading = 'flattened' | 'top-level' | 'raw' | 'form'

/** What a sender puts in the signature base for each reading of its body. */
function pairsOf (reading: Reading, body: string, payload: Record<string, unknown>): RefPair[] {
  switch (reading) {
    case 'flattened': return refPairs(payload)
    case 'top-level': return Object.entries(payload).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])
    case 'raw': return [[body, '']]
    case 'form': return body.split('&').map((part) => part.split('=').map((text) => decodeURIComponent(text.replace(/\+/g, ' '))) as RefPair)
  }
}

interface Sent { signUrl: string, key?: string, reading?: Reading, contentType?: string, as?: 'json' | 'form' }

/** A sender posts to the capture server; returns the arguments of `verify` for what was captured. */
async function deliver (sent: Sent): Promise<string[]> {
  const as = sent.as ?? 'json'
  const body = as === 'json' ? JSON.stringify(PAYLOAD) : new URLSearchParams(refPairs(PAYLOAD)).toString()
  const signature = refSign(sent.key ?? KEY, sent.signUrl, pairsOf(sent.reading ?? (as === 'json' ? 'flattened' : 'form'), body, PAYLOAD))
  const reply = await fetch(RECEIVED, {
    method: 'POST',
    headers: { 'content-type': sent.contentType ?? (as === 'json' ? JSON_TYPE : FORM_TYPE), 'x-calltracking-signature': signature },
    body
  })
  await reply.text()
  const request = captured.at(-1)!
  const file = join(dir, `body-${captured.length}`)
  writeFileSync(file, request.rawBody)
  return ['--signature', request.signature, '--content-type', request.contentType, '--body-file', file, '--received-url', request.receivedUrl]
}

interface Case extends Sent {
  name: string
  configured?: string
  verifyKey?: string
  /** the changes of the first (fewest-change) match, in order */
  changes: RegExp[]
  url?: string
  readingError?: RegExp
}

const cases: Case[] = [
  { name: 'http instead of https', signUrl: 'http://shop.example/webhooks/magnetis', changes: [/^http instead of https$/], url: 'http://shop.example/webhooks/magnetis' },
  { name: 'https instead of http', configured: 'http://shop.example/webhooks/magnetis', signUrl: CONFIGURED, changes: [/^https instead of http$/], url: CONFIGURED },
  { name: 'the default port written', signUrl: 'https://shop.example:443/webhooks/magnetis', changes: [/^the default port :443 written$/] },
  { name: 'the default port not written', configured: 'http://shop.example:80/webhooks/magnetis', signUrl: 'http://shop.example/webhooks/magnetis', changes: [/^without the default port :80$/] },
  { name: 'a trailing slash added', signUrl: `${CONFIGURED}/`, changes: [/^with a trailing slash$/], url: `${CONFIGURED}/` },
  { name: 'a trailing slash removed (before the query)', configured: `${CONFIGURED}/?tenant=7`, signUrl: `${CONFIGURED}?tenant=7`, changes: [/^without the trailing slash$/], url: `${CONFIGURED}?tenant=7` },
  { name: 'the URL the request was received on', signUrl: 'RECEIVED', changes: [/^the URL the request was received on \(http:\/\/127\.0\.0\.1:\d+\/webhooks\/magnetis\), not the configured https:\/\/shop\.example\/webhooks\/magnetis$/] },
  { name: 'the received URL with https', signUrl: 'RECEIVED-HTTPS', changes: [/^the URL the request was received on/, /^https instead of http$/] },
  { name: 'two culprits at once: http and a trailing slash', signUrl: 'http://shop.example/webhooks/magnetis/', changes: [/^http instead of https$/, /^with a trailing slash$/] },
  { name: 'the body as JSON-flattened pairs (sent as form)', signUrl: CONFIGURED, contentType: FORM_TYPE, changes: [/^the body read as the JSON flattened into pairs .*, not as the form pairs$/] },
  { name: 'the body as JSON-flattened pairs (unsupported media type)', signUrl: CONFIGURED, contentType: 'text/plain', changes: [/^the body read as the JSON flattened into pairs .*, not as its Content-Type says \(it cannot be\)$/], readingError: /media type "text\/plain" is not supported/ },
  { name: 'the top-level JSON values', signUrl: CONFIGURED, reading: 'top-level', changes: [/^the body read as the top-level JSON values only \(nested values as JSON text\), not as the JSON flattened into pairs/] },
  { name: 'the raw body as one string', signUrl: CONFIGURED, reading: 'raw', changes: [/^the body read as the raw body as one string, not as the JSON flattened/] },
  { name: 'the form pairs (sent as JSON)', signUrl: CONFIGURED, as: 'form', contentType: JSON_TYPE, changes: [/^the body read as the form pairs, not as its Content-Type says/], readingError: /not valid JSON/ },
  { name: 'a form body signed as one raw string', signUrl: CONFIGURED, as: 'form', reading: 'raw', changes: [/^the body read as the raw body as one string, not as the form pairs$/] },
  { name: 'a key with stray white space', signUrl: CONFIGURED, verifyKey: `\t${KEY} \n`, changes: [/^the key without its leading or trailing white space$/] }
]

function resolveUrl (url: string): string {
  if (url === 'RECEIVED') return RECEIVED
  if (url === 'RECEIVED-HTTPS') return RECEIVED.replace('http:', 'https:')
  return url
}

t.test('a request signed as configured is valid: exit 0', async (t) => {
  for (const as of ['json', 'form'] as const) {
    const args = ['verify', '--url', CONFIGURED, ...await deliver({ signUrl: CONFIGURED, as })]
    const [bin, text] = await Promise.all([runBin([...args, '--json'], { MAGNETIS_KEY: KEY }), runInProcess(args, { MAGNETIS_KEY: KEY })])
    t.equal(bin.code, 0, `${as}: the command exits 0`)
    const verdict = JSON.parse(bin.stdout)
    t.match(verdict, { valid: true, reading: as, readingError: null, matches: [] })
    t.equal(verdict.expected, captured.at(-1)!.signature)
    t.equal(text.code, 0)
    t.equal(text.stdout, `valid: the signature matches ${CONFIGURED} with ${as === 'json' ? 'the JSON flattened into pairs (data[account][id], data[events][0][name])' : 'the form pairs'}\n`)
  }
})

for (const culprit of cases) {
  t.test(`verify names the culprit: ${culprit.name}`, async (t) => {
    const configured = culprit.configured ?? CONFIGURED
    const signUrl = resolveUrl(culprit.signUrl)
    const args = ['verify', '--url', configured, ...await deliver({ ...culprit, signUrl }), '--key', culprit.verifyKey ?? KEY]
    // The built command in a subprocess for the first case (as users run it), in-process for the others.
    const asUsersRunIt = culprit === cases[0]
    const [json, text] = await Promise.all([(asUsersRunIt ? runBin : runInProcess)([...args, '--json'], {}), runInProcess(args, {})])

    t.equal(json.code, 1, 'it does not verify as configured: exit 1')
    const verdict = JSON.parse(json.stdout)
    t.equal(verdict.valid, false)
    t.ok(verdict.matches.length > 0, 'something would have matched')
    const first = verdict.matches[0]
    t.equal(first.changes.length, culprit.changes.length, `the first match has ${culprit.changes.length} change(s)`)
    culprit.changes.forEach((change, index) => t.match(first.changes[index], change, `change ${index + 1}`))
    t.ok(first.advice.length > 0 && first.advice.length <= first.changes.length, 'each kind of change (URL, body, key) comes with what to do')
    if (culprit.url !== undefined) t.equal(first.url, culprit.url, 'the URL that would have matched')
    if (culprit.readingError !== undefined) t.match(verdict.readingError, culprit.readingError)
    else t.equal(verdict.readingError, null)
    t.equal(first.keyTrimmed, culprit.verifyKey !== undefined)
    // What the finder says would match really does: the independent signer agrees.
    const request = captured.at(-1)!
    const body = request.rawBody.toString('utf8')
    const pairs = first.reading === 'json' ? refPairs(JSON.parse(body))
      : first.reading === 'json-top-level' ? pairsOf('top-level', body, JSON.parse(body))
        : first.reading === 'raw' ? pairsOf('raw', body, {}) : pairsOf('form', body, {})
    t.equal(refSign(first.keyTrimmed ? KEY : culprit.verifyKey ?? KEY, first.url, pairs), request.signature, 'the named variant re-signs to the received signature')

    t.equal(text.code, 1)
    t.match(text.stdout, /^invalid: the signature does not match /)
    t.match(text.stdout, `  received  "${request.signature}"\n`)
    t.match(text.stdout, /\nwould have matched:\n  - /)
    for (const change of culprit.changes) t.match(text.stdout, new RegExp(change.source.replace(/^\^|\$$/g, '')))
    t.match(text.stdout, /\n    change: /, 'and says what to change')
    t.equal(text.stdout.includes(KEY.slice(1, 4)), false, 'never the key')
  })
}

t.test('the advice says what to change', async (t) => {
  const url = await runInProcess(['verify', '--url', CONFIGURED, ...await deliver({ signUrl: `${CONFIGURED}/` }), '--json'], { MAGNETIS_KEY: KEY })
  t.match(JSON.parse(url.stdout).matches[0].advice, [/^make the URL "https:\/\/shop\.example\/webhooks\/magnetis\/" on both sides/])
  const key = await runInProcess(['verify', '--url', CONFIGURED, ...await deliver({ signUrl: CONFIGURED }), '--json'], { MAGNETIS_KEY: `${KEY} ` })
  t.match(JSON.parse(key.stdout).matches[0].advice, [/^remove the white space around the key/])
  t.match(key.stderr, /warning: the signature key has leading or trailing white space/)
  const topLevel = await runInProcess(['verify', '--url', CONFIGURED, ...await deliver({ signUrl: CONFIGURED, reading: 'top-level' }), '--json'], { MAGNETIS_KEY: KEY })
  t.match(JSON.parse(topLevel.stdout).matches[0].advice, [/"pairsFromBody" option/])
  const form = await runInProcess(['verify', '--url', CONFIGURED, ...await deliver({ signUrl: CONFIGURED, contentType: FORM_TYPE }), '--json'], { MAGNETIS_KEY: KEY })
  t.match(JSON.parse(form.stdout).matches[0].advice, [/send Content-Type: application\/json \(it was "application\/x-www-form-urlencoded"\)/])
  const json = await runInProcess(['verify', '--url', CONFIGURED, ...await deliver({ signUrl: CONFIGURED, as: 'form', contentType: JSON_TYPE }), '--json'], { MAGNETIS_KEY: KEY })
  t.match(JSON.parse(json.stdout).matches[0].advice, [/send Content-Type: application\/x-www-form-urlencoded \(it was "application\/json"\)/])
})

t.test('when no usual culprit explains it, verify says so: exit 1', async (t) => {
  const args = ['verify', '--url', CONFIGURED, ...await deliver({ signUrl: CONFIGURED, key: 'another key' })]
  const [bin, text] = await Promise.all([runBin([...args, '--json'], { MAGNETIS_KEY: KEY }), runInProcess(args, { MAGNETIS_KEY: KEY })])
  t.equal(bin.code, 1)
  t.match(JSON.parse(bin.stdout), { valid: false, reading: 'json', matches: [] })
  t.equal(text.code, 1)
  t.match(text.stdout, /\n  expected  "[A-Za-z0-9+/]{27}="\n/)
  t.match(text.stdout, /no usual culprit explains it: check the key .* not a parsed and re-serialised copy\n$/)

  const refused = await runInProcess(['verify', '--url', CONFIGURED, ...await deliver({ signUrl: CONFIGURED, key: 'another key', contentType: 'text/plain' })], { MAGNETIS_KEY: KEY })
  t.match(refused.stdout, /^invalid: the signature does not match https:\/\/shop\.example\/webhooks\/magnetis with this body\n  the plugin would refuse the body: .*text\/plain/)
  t.notMatch(refused.stdout, /expected/, 'no expected signature when the body cannot be read as its type says')
})

t.test('odd URLs and bodies do not break the finder', async (t) => {
  const file = join(dir, 'odd.json')
  writeFileSync(file, '{"a":' + '['.repeat(40) + ']'.repeat(40) + '}')
  const deep = await runInProcess(['verify', '--url', 'shop.example/hook', '--signature', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=', '--content-type', JSON_TYPE, '--body-file', file, '--json'], { MAGNETIS_KEY: KEY })
  t.equal(deep.code, 1, 'a body nested too deep is read raw only')
  t.match(JSON.parse(deep.stdout), { valid: false, reading: null, readingError: /nests deeper/ })

  const raw = readFileSync(file, 'utf8')
  const signature = refSign(KEY, 'shop.example/hook/', [[raw, '']])
  const noScheme = await runInProcess(['verify', '--url', 'shop.example/hook', '--signature', signature, '--content-type', JSON_TYPE, '--body-file', file, '--json'], { MAGNETIS_KEY: KEY })
  t.match(JSON.parse(noScheme.stdout).matches, [{ url: 'shop.example/hook/', reading: 'raw', changes: ['with a trailing slash', /raw body/] }], 'a URL without scheme still gets the slash culprit')

  const port = refSign(KEY, 'https://[::1]:8443/hook/', refPairs(PAYLOAD))
  const bodyFile = join(dir, 'payload.json')
  writeFileSync(bodyFile, JSON.stringify(PAYLOAD))
  const ipv6 = await runInProcess(['verify', '--url', 'https://[::1]:8443/hook', '--signature', port, '--content-type', JSON_TYPE, '--body-file', bodyFile, '--json'], { MAGNETIS_KEY: KEY })
  t.match(JSON.parse(ipv6.stdout).matches, [{ url: 'https://[::1]:8443/hook/', changes: ['with a trailing slash'] }], 'a port that is not the default is left alone')

  const same = await runInProcess(['verify', '--url', CONFIGURED, '--received-url', CONFIGURED, '--signature', refSign(KEY, `${CONFIGURED}/`, refPairs(PAYLOAD)), '--content-type', JSON_TYPE, '--body-file', bodyFile, '--json'], { MAGNETIS_KEY: KEY })
  t.equal(JSON.parse(same.stdout).matches.length, 1, 'a received URL equal to the configured one is tried once')

  for (const notObject of ['[1, 2]', 'null', '5']) {
    const file = join(dir, 'not-object.json')
    writeFileSync(file, notObject)
    const run = await runInProcess(['verify', '--url', CONFIGURED, '--signature', refSign(KEY, CONFIGURED, [[notObject, '']]), '--content-type', JSON_TYPE, '--body-file', file, '--json'], { MAGNETIS_KEY: KEY })
    t.match(JSON.parse(run.stdout), { reading: null, readingError: /must be an object/, matches: [{ reading: 'raw' }] }, `a JSON ${notObject} body has no JSON reading, only the raw one`)
  }

  const blank = await runInProcess(['verify', '--url', CONFIGURED, '--signature', 'x', '--content-type', JSON_TYPE, '--body-file', bodyFile, '--json'], { MAGNETIS_KEY: ' \n' })
  t.same(JSON.parse(blank.stdout).matches, [], 'a key of white space only is not trimmed to an empty key')
})

t.test('verify usage errors: exit 2', async (t) => {
  const file = join(dir, 'usage.json')
  writeFileSync(file, '{}')
  const full = ['--url', CONFIGURED, '--signature', 'x', '--content-type', JSON_TYPE, '--body-file', file]
  for (const missing of ['--url', '--signature', '--content-type', '--body-file']) {
    const index = full.indexOf(missing)
    const args = [...full.slice(0, index), ...full.slice(index + 2)]
    const run = await runInProcess(['verify', ...args], { MAGNETIS_KEY: KEY })
    t.equal(run.code, 2, `without ${missing}`)
    t.match(run.stderr, `verify needs ${missing}`)
  }
  const unreadable = await runInProcess(['verify', ...full.slice(0, -1), join(dir, 'missing')], { MAGNETIS_KEY: KEY })
  t.equal(unreadable.code, 2)
  t.match(unreadable.stderr, /cannot read .*missing: ENOENT/)
  t.equal((await runInProcess(['verify', ...full], {})).code, 2, 'no key')
  const bin = await runBin(['verify', ...full], {})
  t.equal(bin.code, 2, 'the command exits 2 too')
  t.match(bin.stderr, /no signature key/)
  for (const piece of keyPieces(KEY)) t.notOk(bin.stderr.includes(piece))
})

/** Runs `verify --json` on a body file; returns the verdict and the text output. */
async function verifyFile (body: Buffer | string, contentType: string, signature: string, name: string): Promise<{ verdict: any, text: string, code: number }> {
  const file = join(dir, name)
  writeFileSync(file, body)
  const args = ['verify', '--url', CONFIGURED, '--signature', signature, '--content-type', contentType, '--body-file', file]
  const [json, text] = await Promise.all([runInProcess([...args, '--json'], { MAGNETIS_KEY: KEY }), runInProcess(args, { MAGNETIS_KEY: KEY })])
  return { verdict: JSON.parse(json.stdout), text: text.stdout, code: json.code }
}

t.test('issue 12: a body file ending in a newline or CRLF is named, not the key', async (t) => {
  const form = new URLSearchParams(refPairs(PAYLOAD)).toString()
  const signature = refSign(KEY, CONFIGURED, pairsOf('form', form, {}))
  for (const [ending, label] of [['\n', 'LF'], ['\r\n', 'CRLF']] as const) {
    const { verdict, text, code } = await verifyFile(form + ending, FORM_TYPE, signature, `newline-${label}.txt`)
    t.equal(code, 1, `${label}: the file does not verify as it is`)
    t.match(verdict.matches[0], { url: CONFIGURED, reading: 'form', body: 'without-trailing-newline', keyTrimmed: false, changes: ['the body without its trailing line end (\\n or \\r\\n)'] }, label)
    t.match(verdict.matches[0].advice, [/printf '%s', or magnetis-webhooks listen/])
    t.match(text, /would have matched:\n  - the body without its trailing line end/)
    t.notMatch(text, /check the key/, `${label}: the key is not blamed`)
  }
  const json = JSON.stringify(PAYLOAD)
  const raw = await verifyFile(json + '\n', JSON_TYPE, refSign(KEY, CONFIGURED, [[json, '']]), 'newline-raw.json')
  t.match(raw.verdict.matches[0], { reading: 'raw', body: 'without-trailing-newline' }, 'with another culprit at once')
  const fine = await verifyFile(json + '\r\n', JSON_TYPE, refSign(KEY, CONFIGURED, refPairs(PAYLOAD)), 'newline-ok.json')
  t.match(fine.verdict, { valid: true, matches: [] }, 'JSON white space after the object is not signed: such a file verifies')
})

t.test('issue 12: a body file starting with a byte-order mark is named, not the key', async (t) => {
  const json = JSON.stringify(PAYLOAD)
  const bom = Buffer.from([0xef, 0xbb, 0xbf])
  const form = new URLSearchParams(refPairs(PAYLOAD)).toString()
  const { verdict, text } = await verifyFile(Buffer.concat([bom, Buffer.from(form)]), FORM_TYPE, refSign(KEY, CONFIGURED, pairsOf('form', form, {})), 'bom.txt')
  t.equal(verdict.valid, false)
  t.match(verdict.matches[0], { reading: 'form', body: 'without-bom', changes: ['the body without its leading byte-order mark (U+FEFF)'] })
  t.match(verdict.matches[0].advice, [/save the file as UTF-8 without BOM/])
  t.match(text, /  - the body without its leading byte-order mark \(U\+FEFF\)\n/)
  t.notMatch(text, /check the key/)

  const both = await verifyFile(Buffer.concat([bom, Buffer.from(json), Buffer.from('\r\n')]), JSON_TYPE, refSign(KEY, CONFIGURED, [[json, '']]), 'bom-newline.json')
  t.match(both.verdict.matches[0], { reading: 'raw', body: 'without-bom-and-trailing-newline', changes: [/byte-order mark/, /trailing line end/, /raw body/] })
  const jsonBom = await verifyFile(Buffer.concat([bom, Buffer.from(json)]), JSON_TYPE, refSign(KEY, CONFIGURED, refPairs(PAYLOAD)), 'bom.json')
  t.match(jsonBom.verdict, { valid: true }, 'before JSON a byte-order mark is skipped, as the plugin does: such a file verifies')
  const onlyBom = await verifyFile(Buffer.from([0xef, 0xbb, 0xbf, 0x0a]), FORM_TYPE, refSign(KEY, CONFIGURED, []), 'only-bom.txt')
  t.match(onlyBom.verdict.matches[0], { body: 'without-bom-and-trailing-newline' }, 'a file holding only a BOM and a newline')
})

t.test('issue 12: a body whose numbers were signed as written, or as JavaScript writes them, is named, not the key', async (t) => {
  const body = '{"event":"test","data":{"id":"call-1","cost":1764412345.123456,"big":1e21,"ratio":0.30000000000000004,"n":43}}'
  const asWritten: RefPair[] = [['event', 'test'], ['data[id]', 'call-1'], ['data[cost]', '1764412345.123456'], ['data[big]', '1e21'], ['data[ratio]', '0.30000000000000004'], ['data[n]', '43']]
  const written = await verifyFile(body, JSON_TYPE, refSign(KEY, CONFIGURED, asWritten), 'numbers-written.json')
  t.match(written.verdict.matches[0], { reading: 'json-numbers-as-written', body: null, changes: [/each number as written in the body/] })
  t.match(written.verdict.matches[0].advice, [/docs\/signature-rule\.md, "Numbers"/])
  t.notMatch(written.text, /check the key/)

  const asJavaScript: RefPair[] = asWritten.map(([key, value]) => [key, key === 'data[big]' ? '1e+21' : value === '1764412345.123456' ? String(1764412345.123456) : value])
  const javascript = await verifyFile(body, JSON_TYPE, refSign(KEY, CONFIGURED, asJavaScript), 'numbers-js.json')
  t.match(javascript.verdict.matches[0], { reading: 'json-numbers-as-javascript', changes: [/as JavaScript writes it \(String\(n\): 1e\+21\)/] })

  const asPhp: RefPair[] = [['event', 'test'], ['data[id]', 'call-1'], ['data[cost]', '1764412345.1235'], ['data[big]', '1.0E+21'], ['data[ratio]', '0.3'], ['data[n]', '43']]
  t.match((await verifyFile(body, JSON_TYPE, refSign(KEY, CONFIGURED, asPhp), 'numbers-php.json')).verdict, { valid: true, reading: 'json' }, 'signed as PHP writes them: valid')
  const phpFloat = await verifyFile('{"a":-0}', JSON_TYPE, refSign(KEY, CONFIGURED, [['a', '-0']]), 'numbers-float.json')
  t.match(phpFloat.verdict, { valid: true, reading: 'json' }, 'a PHP float that json_encode wrote as an integer is valid, as in the plugin')
})

