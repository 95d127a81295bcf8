// Fuzzing the webhook route through inject (issue 4): random bytes under
// random media types, encodings and signature headers. Whatever arrives,
// the process stays up, no reply is a 5xx unless a handler threw, and no
// handler ever runs for a request that the contract would not accept; and
// random payloads that ARE validly signed are dispatched exactly once.
//
// Seeded: the seed is printed; FUZZ_SEED=<n> replays one, FUZZ_RUNS=<n>
// runs longer (default 300 per property).
import t from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import magnetisWebhooks from '../../lib/index.js'
import type { AnyWebhookEvent } from '../../lib/events/types.js'
import { FORM, JSON_TYPE, KEY, PATH, URL_AS_TYPED, callSample } from '../helpers/hostile-harness.js'
import { httpBuildQuery, referenceFlatten, referenceFormPairs, referenceSign, type ReferencePair } from '../helpers/reference-signer.js'

const numRuns = Number(process.env.FUZZ_RUNS) || 300
const seed = process.env.FUZZ_SEED === undefined ? 4_2024_06 : Number(process.env.FUZZ_SEED)
const parameters = { numRuns, seed }
t.comment(`fuzz: seed ${seed}, ${numRuns} runs per property (FUZZ_SEED=<n> to replay, FUZZ_RUNS=<n> for a longer run)`)

// --- the app under test ---------------------------------------------------

/** Every dispatch: the request it belongs to, and whether the handler threw. */
interface Dispatch { requestId: string, event: AnyWebhookEvent, threw: boolean }
const dispatches: Dispatch[] = []
let unhandled = 0
const onUnhandled = (): void => { unhandled++ }
process.on('unhandledRejection', onUnhandled)
process.on('uncaughtException', onUnhandled)

const app = Fastify({ logger: false })
await app.register(magnetisWebhooks, {
  path: PATH,
  url: URL_AS_TYPED,
  key: KEY,
  onAny: (event, request) => {
    // A handler that fails for some events, so that a 5xx is sometimes legitimate.
    const threw = String((event.data as { id?: unknown }).id).startsWith('boom')
    dispatches.push({ requestId: request.id, event, threw })
    if (threw) throw new Error('handler failed on purpose')
  }
})
await app.ready()
t.teardown(async () => {
  process.off('unhandledRejection', onUnhandled)
  process.off('uncaughtException', onUnhandled)
  await app.close()
})

// --- the contract, independently -------------------------------------------

/** The encoding a Content-Type names, read independently of lib/: media type before ";", trimmed, any case. */
function encodingOf (contentType: string | undefined): 'form' | 'json' | undefined {
  const media = contentType?.split(';')[0]?.trim().toLowerCase()
  return media === FORM ? 'form' : media === JSON_TYPE ? 'json' : undefined
}

/** The POST variables of a body under an encoding, by the reference signer; `undefined` when the body has none that could be signed. */
function referencePairs (encoding: 'form' | 'json', body: Buffer): ReferencePair[] | undefined {
  if (encoding === 'form') return referenceFormPairs(body)
  try {
    const value: unknown = JSON.parse(body.toString('utf8'))
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined
    return referenceFlatten(value as Record<string, unknown>)
  } catch {
    return undefined
  }
}

/** Whether the contract accepts this request's signature: a form or JSON body, not encoded, and the header is the exact signature. */
function acceptable (headers: Record<string, string>, body: Buffer): boolean {
  const encoding = encodingOf(headers['content-type'])
  const coding = headers['content-encoding']
  if (encoding === undefined || (coding !== undefined && coding.trim().toLowerCase() !== 'identity')) return false
  const pairs = referencePairs(encoding, body)
  return pairs !== undefined && headers['x-calltracking-signature'] === referenceSign(KEY, URL_AS_TYPED, pairs)
}

// --- hostile requests -------------------------------------------------------

// Header values inject can carry: visible ASCII and space.
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 })

const mediaType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(FORM, JSON_TYPE) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(`${FORM}; charset=UTF-8`, 'Application/Json', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/json;charset=iso-8859-1',
      ' application/json ', 'text/plain', 'text/plain; charset=utf-8', 'multipart/form-data; boundary=xyz', 'application/octet-stream',
      'application/jsonx', `${FORM}-extra`, 'application/vnd.api+json', '', ';', 'application/json, text/plain', `${FORM};;;`)
  },
  { weight: 1, arbitrary: headerText },
  { weight: 1, arbitrary: fc.constant(undefined) }
)

const formToken = fc.constantFrom('event', 'data', 'id', '[', ']', '[]', '[0]', '[100000000]', '=', '&', '+', '%', '%2', '%zz', '%C3', '%A9', '%00',
  '%5B', 'call:completed', 'test', 'future:x', '__proto__', 'constructor', 'prototype', 'boom', '\u00e9', '\uFEFF', ' ', '0033612345678')
const formText = fc.array(formToken, { maxLength: 40 }).map((tokens) => tokens.join(''))

const envelope = fc.record({
  event: fc.oneof(fc.constantFrom('call:completed', 'call:missed', 'email:received', 'lead:created', 'test', 'future:x'), fc.string({ maxLength: 12 })),
  data: fc.oneof(fc.object({ maxDepth: 2 }), fc.constant(callSample().data), fc.constant(null), fc.array(fc.integer()))
}, { requiredKeys: [] })
const jsonText = fc.oneof(fc.json({ maxDepth: 4 }), envelope.map((value) => JSON.stringify(value)))

/** The sample, sent as JSON or form, with one byte changed. */
const mutatedSample = fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([asForm, at, xor]) => {
  const bytes = Buffer.from(asForm ? httpBuildQuery(callSample()) : JSON.stringify(callSample()))
  const index = at % bytes.length
  bytes[index] = (bytes[index] as number) ^ xor
  return bytes
})

const body = fc.oneof(
  fc.constantFrom(Buffer.from(JSON.stringify(callSample())), Buffer.from(httpBuildQuery(callSample()))),
  fc.uint8Array({ maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
  formText.map((text) => Buffer.from(text)),
  jsonText.map((text) => Buffer.from(text)),
  mutatedSample
)

/** How the signature header is filled: the point is that only 'valid' may ever reach a handler. */
type SignatureMode =
  | { kind: 'absent' } | { kind: 'empty' } | { kind: 'random', value: string }
  | { kind: 'other-body', other: Buffer } | { kind: 'valid' }
const signatureMode: fc.Arbitrary<SignatureMode> = fc.oneof(
  fc.constant({ kind: 'absent' as const }),
  fc.constant({ kind: 'empty' as const }),
  headerText.map((value) => ({ kind: 'random' as const, value })),
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => ({ kind: 'random' as const, value: Buffer.from(bytes).toString('base64') })),
  body.map((other) => ({ kind: 'other-body' as const, other })),
  { weight: 3, arbitrary: fc.constant({ kind: 'valid' as const }) }
)

/** Sometimes a header, mostly not (so that valid requests stay common enough to matter). */
const rarely = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary })
const extraHeaders = fc.record({
  'content-encoding': rarely(fc.constantFrom('gzip', 'GZIP', 'identity', 'br', 'deflate, gzip', '')),
  'x-forwarded-proto': rarely(fc.constantFrom('http', 'https')),
  'x-forwarded-host': rarely(fc.constantFrom('evil.example', 'shop.example')),
  host: rarely(fc.constantFrom('evil.example', 'shop.example:8443')),
  'x-calltracking-signature-extra': rarely(headerText)
}).map((headers) => Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== undefined)) as Record<string, string>)

/** The signature a sender would compute over `signed` under the request's media type (form reading when it names neither). */
function signatureOver (contentType: string | undefined, signed: Buffer): string {
  const pairs = referencePairs(encodingOf(contentType) ?? 'form', signed) ?? []
  return referenceSign(KEY, URL_AS_TYPED, pairs)
}

const hostileRequest = fc.record({ contentType: mediaType, body, signature: signatureMode, extra: extraHeaders, method: fc.constantFrom('POST', 'POST', 'POST', 'PUT') })
  .map(({ contentType, body, signature, extra, method }) => {
    const headers: Record<string, string> = { ...extra }
    if (contentType !== undefined) headers['content-type'] = contentType
    if (signature.kind === 'empty') headers['x-calltracking-signature'] = ''
    if (signature.kind === 'random') headers['x-calltracking-signature'] = signature.value
    if (signature.kind === 'other-body') headers['x-calltracking-signature'] = signatureOver(contentType, signature.other)
    if (signature.kind === 'valid') headers['x-calltracking-signature'] = signatureOver(contentType, body)
    return { method, headers, body, mode: signature.kind }
  })

const outcomes = new Map<string, number>()
const count = (what: string): void => { outcomes.set(what, (outcomes.get(what) ?? 0) + 1) }

t.test('hostile requests: no crash, no 5xx unless a handler threw, no handler without a valid signature', async t => {
  await fc.assert(fc.asyncProperty(hostileRequest, async (request) => {
    const before = dispatches.length
    const response = await app.inject({ method: request.method as 'POST', url: PATH, headers: request.headers, payload: request.body })
    const mine = dispatches.slice(before)
    count(`${response.statusCode}`)
    if (mine.length > 0 && !acceptable(request.headers, request.body)) {
      throw new Error(`a handler ran for a request the contract refuses (status ${response.statusCode}, signature ${request.mode})`)
    }
    if (mine.length > 1) throw new Error(`dispatched ${mine.length} times`)
    if (response.statusCode >= 500 && !mine.some((dispatch) => dispatch.threw)) {
      throw new Error(`status ${response.statusCode} with no handler failure: ${response.body}`)
    }
    if (response.statusCode === 200 && mine.length !== 1) throw new Error('200 without a dispatch')
  }), parameters)
  t.pass(`held for ${numRuns} runs`)
  t.comment(`replies: ${[...outcomes].sort().map(([status, n]) => `${n} × ${status}`).join(', ')}`)
})

// --- valid signed random payloads ----------------------------------------------

// Keys plain enough that a form carries them as they are (brackets would nest).
const plainKey = fc.stringMatching(/^[a-z][a-z0-9_]{0,9}$/).filter((key) => !['constructor', 'prototype'].includes(key))
const text = fc.string({ unit: 'binary', maxLength: 20 })
const { value: jsonValue } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 3 },
    text, fc.integer(), fc.boolean(), fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(plainKey, tie('value'), { maxKeys: 3 }))
}))

const validDelivery = fc.record({
  // Names with no schema ("future" events) carry any data; documented call events carry the sample.
  event: fc.oneof(
    fc.stringMatching(/^[a-z]{1,8}:[a-z_]{1,10}$/).filter((name) => !/^(call|email|lead):/.test(name)),
    fc.constantFrom('call:completed', 'call:missed', 'call:ringing')),
  extra: fc.dictionary(plainKey.filter((key) => key !== 'id'), jsonValue, { maxKeys: 5 }),
  serial: fc.nat(),
  // One delivery in ten meets a failing handler.
  boom: fc.nat({ max: 9 }).map((n) => n === 0),
  as: fc.constantFrom('json', 'form'),
  contentType: fc.constantFrom('', '; charset=UTF-8', '; charset=utf-8')
})

let delivered = 0
t.test('validly signed random payloads are dispatched exactly once, as signed', async t => {
  let serial = 0
  await fc.assert(fc.asyncProperty(validDelivery, async (delivery) => {
    const id = `${delivery.boom ? 'boom' : 'call'}-fuzz-${serial++}-${delivery.serial}`
    const payload: Record<string, unknown> = delivery.event.startsWith('call:')
      ? { ...callSample(delivery.event), data: { ...callSample().data, id } }
      : { event: delivery.event, data: { ...delivery.extra, id } }
    const bodyText = delivery.as === 'json' ? JSON.stringify(payload) : httpBuildQuery(payload)
    const base = delivery.as === 'json' ? JSON_TYPE : FORM
    const headers = { 'content-type': base + delivery.contentType, 'x-calltracking-signature': referenceSign(KEY, URL_AS_TYPED, payload) }
    const before = dispatches.length
    const response = await app.inject({ method: 'POST', url: PATH, headers, payload: bodyText })
    const mine = dispatches.slice(before)
    if (mine.length !== 1) throw new Error(`dispatched ${mine.length} times (status ${response.statusCode}: ${response.body})`)
    const event = (mine[0] as Dispatch).event
    if (event.name !== delivery.event || (event.data as { id?: unknown }).id !== id) throw new Error('the dispatched event is not the one signed')
    // Same JSON text: same keys, order and values (fast-check's dictionaries have no prototype, so compare as JSON).
    if (delivery.as === 'json' && !delivery.event.startsWith('call:') && JSON.stringify(event.data) !== JSON.stringify(payload.data)) {
      throw new Error(`JSON data changed on the way: ${fc.stringify(event.data)}`)
    }
    const expected = delivery.boom ? 500 : 200
    if (response.statusCode !== expected) throw new Error(`status ${response.statusCode}, expected ${expected}: ${response.body}`)
    delivered++
  }), parameters)
  t.pass(`held for ${numRuns} runs: ${delivered} signed deliveries, each dispatched once`)
})

// --- validly signed random form bytes -----------------------------------------

// Pieces of a form body, as bytes: raw non-ASCII (valid UTF-8 or not), escapes
// that are valid, partial or not UTF-8, and the separators.
const formPiece = fc.oneof(
  fc.constantFrom('&', '=', '+', '%', '%4', '%41', '%C3', '%A9', '%E2%82', '%AC', '%FF', '%zz', '[', ']', '[]', 'a', 'b', 'x', ' ', '日本', 'é', '😀')
    .map((text) => Buffer.from(text, 'utf8')),
  fc.constantFrom([0xe9], [0xc3], [0xa9], [0xe2, 0x82], [0xac], [0xff], [0xf0, 0x9f], [0x00]).map((bytes) => Buffer.from(bytes)),
  fc.uint8Array({ minLength: 1, maxLength: 3 }).map((bytes) => Buffer.from(bytes))
)
const signedFormBytes = fc.array(formPiece, { maxLength: 30 })
  .map((pieces) => Buffer.concat([Buffer.from('event=fuzz%3Aform&data[id]=bytes&data[v]='), ...pieces]))

let formsDispatched = 0
t.test('validly signed random form bytes are never refused as unsigned', async t => {
  await fc.assert(fc.asyncProperty(signedFormBytes, async (bytes) => {
    const headers = { 'content-type': FORM, 'x-calltracking-signature': referenceSign(KEY, URL_AS_TYPED, referenceFormPairs(bytes)) }
    const before = dispatches.length
    const response = await app.inject({ method: 'POST', url: PATH, headers, payload: bytes })
    const mine = dispatches.length - before
    // 400 is fair when the pieces turn `data` into text; 401 would be a signed event lost.
    if (response.statusCode === 401) throw new Error(`a body signed by the reference was refused: ${response.body}`)
    if (response.statusCode === 200 ? mine !== 1 : response.statusCode !== 400 || mine !== 0) {
      throw new Error(`status ${response.statusCode} with ${mine} dispatches: ${response.body}`)
    }
    if (mine === 1) formsDispatched++
  }), parameters)
  t.pass(`held for ${numRuns} runs: ${formsDispatched} dispatched, the rest 400`)
})

t.test('the process is still up and serving afterwards', async t => {
  const payload = callSample()
  const response = await app.inject({
    method: 'POST',
    url: PATH,
    headers: { 'content-type': JSON_TYPE, 'x-calltracking-signature': referenceSign(KEY, URL_AS_TYPED, payload) },
    payload: JSON.stringify(payload)
  })
  t.equal(response.statusCode, 200, 'a valid delivery is still served')
  t.equal(unhandled, 0, 'no unhandled rejection or uncaught exception')
})
