// Issue 12, item 4: a 401 for a bad signature says what to fix. The plugin
// logs (info) the configured URL and the likeliest culprit found by the
// culprit finder of `magnetis-webhooks verify`, never the key, the
// signature or a phone number; the reply names the class of problem when a
// variant matched; diagnoses are budgeted per route (counted, not timed).
import t from 'tap'
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyInstance } from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import { lineCollector } from '../helpers/hostile-harness.js'
import { httpBuildQuery, referenceSign } from '../helpers/reference-signer.js'

const KEY = 'diag-signature-key-7Qx9'
const URL_TYPED = 'https://shop.example/webhooks/magnetis'
const sampleText = readFileSync(new URL('../fixtures/call-sample.json', import.meta.url), 'utf8')
const sample = JSON.parse(sampleText) as Record<string, unknown>
const PHONES = ['0033612345678', '0033687654321', '0033412345678']

interface Delivery { signUrl?: string, signKey?: string, body?: string, contentType?: string, signedPairs?: Array<[string, string]> }

async function app (options: Record<string, unknown> = {}): Promise<{ app: FastifyInstance, lines: string[] }> {
  const { stream, lines } = lineCollector()
  const server = Fastify({ logger: { level: 'info', stream } })
  await server.register(magnetisWebhooks, { path: '/webhooks/magnetis', url: URL_TYPED, key: KEY, ...options })
  return { app: server, lines }
}

async function deliver (server: FastifyInstance, delivery: Delivery = {}) {
  const body = delivery.body ?? sampleText
  const signature = referenceSign(delivery.signKey ?? KEY, delivery.signUrl ?? URL_TYPED, delivery.signedPairs ?? sample)
  const response = await server.inject({
    method: 'POST',
    url: '/webhooks/magnetis',
    headers: { 'content-type': delivery.contentType ?? 'application/json', 'x-calltracking-signature': signature, host: 'shop.example' },
    payload: body
  })
  return { status: response.statusCode, reply: response.json() as { message: string }, signature }
}

/** The diagnosis lines among the logged ones, parsed. */
function diagnoses (lines: string[]): Array<{ msg: string, level: number, magnetisSignature: { url: string, culprit: string, advice: string[], otherMatches: number, undiagnosed: number } }> {
  return lines.map((line) => JSON.parse(line)).filter((entry) => entry.magnetisSignature !== undefined)
}

const culprits: Array<{ name: string, delivery: Delivery, options?: Record<string, unknown>, culprit: RegExp, replyClass: RegExp }> = [
  { name: 'http instead of https', delivery: { signUrl: 'http://shop.example/webhooks/magnetis' }, culprit: /^http instead of https$/, replyClass: /another form of the endpoint URL/ },
  { name: 'a trailing slash', delivery: { signUrl: `${URL_TYPED}/` }, culprit: /^with a trailing slash$/, replyClass: /another form of the endpoint URL/ },
  { name: 'the default port', delivery: { signUrl: 'https://shop.example:443/webhooks/magnetis' }, culprit: /^the default port :443 written$/, replyClass: /endpoint URL/ },
  { name: 'the URL the request was received on', delivery: { signUrl: 'http://shop.example/webhooks/magnetis' }, options: { url: 'https://www.shop.example/webhooks/magnetis' }, culprit: /^the URL the request was received on \(http:\/\/shop\.example\/webhooks\/magnetis\), not the configured https:\/\/www\.shop\.example\/webhooks\/magnetis$/, replyClass: /endpoint URL/ },
  { name: 'a key with white space', delivery: {}, options: { key: ` ${KEY}\n` }, culprit: /^the key without its leading or trailing white space$/, replyClass: /the signature key without its surrounding white space/ },
  { name: 'the body read as the other encoding (JSON sent as a form)', delivery: { contentType: 'application/x-www-form-urlencoded', body: sampleText }, culprit: /^the body read as the JSON flattened into pairs .*, not as the form pairs$/, replyClass: /the body read another way/ },
  { name: 'numbers signed as written', delivery: { body: '{"event":"test","data":{"id":"call-1","cost":0.30000000000000004}}', signedPairs: [['event', 'test'], ['data[id]', 'call-1'], ['data[cost]', '0.30000000000000004']] }, culprit: /^the body read as the JSON flattened with each number as written in the body/, replyClass: /the body read another way/ },
  { name: 'a body with a line end that was not signed', delivery: { contentType: 'application/x-www-form-urlencoded', body: httpBuildQuery(sample) + '\r\n' }, culprit: /^the body without its trailing line end/, replyClass: /the body without a trailing line end or byte-order mark/ }
]

for (const { name, delivery, options, culprit, replyClass } of culprits) {
  t.test(`a 401 names the culprit: ${name}`, async t => {
    const { app: server, lines } = await app(options)
    t.teardown(() => server.close())
    const { status, reply, signature } = await deliver(server, delivery)
    t.equal(status, 401)
    const [diagnosis, ...more] = diagnoses(lines)
    t.equal(more.length, 0, 'one diagnosis line')
    t.equal(diagnosis!.level, 30, 'at info')
    t.match(diagnosis!.magnetisSignature, { url: (options?.url as string | undefined) ?? URL_TYPED, undiagnosed: 0 })
    t.match(diagnosis!.magnetisSignature.culprit.split('; ')[0], culprit)
    t.ok(diagnosis!.magnetisSignature.advice.length > 0, 'with what to change')
    t.match(diagnosis!.msg, /the signature does not match https:\/\/.*; most likely: .*`npx magnetis-webhooks verify`/)
    t.match(reply.message, /does not match the request; it would match with /)
    t.match(reply.message, replyClass)
    const all = lines.join('\n')
    for (const secret of [KEY.trim(), signature, ...PHONES]) t.notOk(all.includes(secret), 'no key, signature or phone number in the log')
  })
}

t.test('a wrong key or a tampered body: no usual culprit, and the reply stays generic', async t => {
  const { app: server, lines } = await app()
  t.teardown(() => server.close())
  const wrongKey = await deliver(server, { signKey: 'another-key-entirely' })
  const tampered = await deliver(server, { body: sampleText.replace('"duration": 43', '"duration": 44') })
  for (const { status, reply } of [wrongKey, tampered]) {
    t.equal(status, 401)
    t.equal(reply.message, 'fastify-magnetis-webhooks: the X-CALLTRACKING-SIGNATURE header does not match the request')
  }
  const logged = diagnoses(lines)
  t.equal(logged.length, 2)
  for (const { magnetisSignature } of logged) {
    t.match(magnetisSignature, { url: URL_TYPED, culprit: /^none of the usual mistakes: the signature key differs .* or the body was changed after signing/, advice: [/copy the signature key again/], otherMatches: 0 })
  }
})

t.test('a custom pairsFromBody that the built-in reading contradicts is named', async t => {
  const { app: server, lines } = await app({ pairsFromBody: () => [['nothing', 'signed']] })
  t.teardown(() => server.close())
  t.equal((await deliver(server)).status, 401)
  t.match(diagnoses(lines)[0]!.magnetisSignature, { culprit: /built-in reading of the body verifies: the route's "pairsFromBody" option reads it otherwise/, advice: [] })
})

t.test('rotation keys: every configured key is tried for each variant', async t => {
  const { app: server, lines } = await app({ key: ['old-key-1234', KEY] })
  t.teardown(() => server.close())
  t.equal((await deliver(server, { signUrl: `${URL_TYPED}/` })).status, 401)
  t.match(diagnoses(lines)[0]!.magnetisSignature.culprit, /^with a trailing slash$/)
})

t.test('the diagnosis budget: at most diagnosisPerMinute per route; the rest are counted and reported with the next', async t => {
  const { app: server, lines } = await app({ diagnosisPerMinute: 3 })
  t.teardown(() => server.close())
  for (let index = 0; index < 8; index++) t.equal((await deliver(server, { signUrl: `${URL_TYPED}/` })).status, 401)
  const logged = diagnoses(lines)
  t.equal(logged.length, 3, '3 of 8 failures diagnosed (the test runs far within the minute)')
  t.equal(lines.filter((line) => line.includes('FST_MAGNETIS_INVALID_SIGNATURE')).length, 8, 'every 401 is still logged by Fastify')
  const undiagnosed = await deliver(server, { signUrl: `${URL_TYPED}/` })
  t.notMatch(undiagnosed.reply.message, /would match/, 'an undiagnosed failure gets the generic reply')

  const off = await app({ diagnosisPerMinute: 0 })
  t.teardown(() => off.app.close())
  t.equal((await deliver(off.app, { signUrl: `${URL_TYPED}/` })).status, 401)
  t.equal(diagnoses(off.lines).length, 0, '0 turns diagnosis off')
})

t.test('diagnosisPerMinute must be a whole number, 0 or more', async t => {
  for (const value of [-1, 1.5, '10', Number.NaN]) {
    const server = Fastify()
    await server.register(magnetisWebhooks, { path: '/h', url: URL_TYPED, key: KEY, diagnosisPerMinute: value as number })
    await t.rejects(async () => { await server.ready() }, { code: 'FST_MAGNETIS_CONFIGURATION', message: /"diagnosisPerMinute" must be a whole number, 0 or more/ }, String(value))
  }
})
