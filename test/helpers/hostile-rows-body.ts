/**
 * Matrix rows: the body (contract step 2, README "Replies"). What cannot be
 * verified is refused before a handler (415 media type or encoding, 413 size,
 * 401 signature, 400 malformed); what is validly signed, however odd, is
 * dispatched exactly once, decoded from the very pairs that were verified,
 * with no prototype polluted and no `__proto__` / `constructor` /
 * `prototype` key handed to a handler.
 */
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib'
import type { Test } from 'tap'
import {
  FOREIGN_KEY, FORM, JSON_TYPE, HEALTH_CHECK, REPLY_WAIT_MS, callSample, forbiddenKeyPaths, rawHead, signForm, signJson, signPayload,
  signedFormHeaders, signedJsonHeaders, type MatrixRow, type Outcome
} from './hostile-harness.js'
import { httpBuildQuery, referenceFormPairs } from './reference-signer.js'

const MISSING = 'FST_MAGNETIS_MISSING_SIGNATURE'
const INVALID = 'FST_MAGNETIS_INVALID_SIGNATURE'
const MALFORMED = 'FST_MAGNETIS_MALFORMED_BODY'
const MEDIA = 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE'
const TOO_LARGE = 'FST_MAGNETIS_BODY_TOO_LARGE'

/** The signature of a body with no POST variables at all: the HMAC of the URL alone. */
const NO_PAIRS = signPayload([])

const sampleJson = JSON.stringify(callSample())
const sampleForm = httpBuildQuery(callSample())

/** The one event a row dispatched. */
function dispatched (t: Test, outcome: Outcome): { name: string, data: Record<string, unknown>, payload: Record<string, unknown> } {
  const event = outcome.events[0]
  t.ok(event, 'an event reached the handler')
  return event as unknown as { name: string, data: Record<string, unknown>, payload: Record<string, unknown> }
}

/** The handler's event holds no forbidden key, and no object in it has a changed prototype. */
function noForbiddenKeys (t: Test, outcome: Outcome): void {
  for (const event of outcome.events) {
    t.strictSame(forbiddenKeyPaths(event.payload), [], 'no __proto__ / constructor / prototype key in event.payload')
    t.strictSame(forbiddenKeyPaths(event.data), [], 'no __proto__ / constructor / prototype key in event.data')
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype.polluted is still undefined')
  t.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false, 'Object.prototype has no own "polluted"')
}

/** A form request; `signature` null leaves the header out. */
function form (body: string | Buffer, signature: string | null = signForm(body), contentType = FORM): MatrixRow['request'] {
  const headers: Record<string, string> = { 'content-type': contentType }
  if (signature !== null) headers['x-calltracking-signature'] = signature
  return { headers, body }
}

/** A JSON request; `signature` null leaves the header out. */
function json (body: string, signature: string | null = signJson(body), contentType = JSON_TYPE): MatrixRow['request'] {
  const headers: Record<string, string> = { 'content-type': contentType }
  if (signature !== null) headers['x-calltracking-signature'] = signature
  return { headers, body }
}

/** An unknown ("future") event name: its data reaches the handler unchecked, so the decoded shape itself is visible. */
const FUTURE = 'event=future%3Ahostile&'

// --- empty and blank bodies -------------------------------------------------

const emptyRows: MatrixRow[] = [
  { name: 'empty body, no signature, JSON', request: json('', null), status: 401, code: MISSING, dispatched: 0 },
  { name: 'empty body, no signature, form', request: form('', null), status: 401, code: MISSING, dispatched: 0 },
  { name: 'empty body with the valid signature (of no variables), JSON: not JSON', request: json('', NO_PAIRS), status: 400, code: MALFORMED, dispatched: 0 },
  { name: 'empty body with the valid signature (of no variables), form: no event', request: form('', NO_PAIRS), status: 400, code: MALFORMED, dispatched: 0 },
  {
    name: 'empty body with the valid signature and no Content-Type',
    request: { headers: { 'x-calltracking-signature': NO_PAIRS } },
    status: 415,
    code: MEDIA,
    dispatched: 0
  },
  { name: 'white space only, JSON, validly signed: not JSON', request: json(' \n\t ', NO_PAIRS), status: 400, code: MALFORMED, dispatched: 0 },
  { name: 'white space only, form, validly signed: no event', request: form('   '), status: 400, code: MALFORMED, dispatched: 0 },
  { name: 'white space only, unsigned', request: form('   ', null), status: 401, code: MISSING, dispatched: 0 }
]

// --- media types and content encodings -------------------------------------

function acceptedAs (contentType: string, body: string, sign: (body: string) => string): MatrixRow {
  return {
    name: `media type "${contentType}" is accepted`,
    request: { headers: { 'content-type': contentType, 'x-calltracking-signature': sign(body) }, body },
    status: 200,
    dispatched: 1,
    check: (t, outcome) => {
      const event = dispatched(t, outcome)
      t.equal(event.name, 'call:completed')
      t.equal(event.data.id, 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5')
    }
  }
}

const boundary = '----magnetis7MA4YWxkTrZu0gW'
const multipartBody = [
  `--${boundary}\r\nContent-Disposition: form-data; name="event"\r\n\r\ncall:completed\r\n`,
  `--${boundary}\r\nContent-Disposition: form-data; name="data[id]"\r\n\r\ncall-1\r\n`,
  `--${boundary}--\r\n`
].join('')

function refusedMedia (name: string, request: MatrixRow['request']): MatrixRow {
  return { name, request, status: 415, code: MEDIA, dispatched: 0 }
}

function encoded (encoding: string, body: Buffer): MatrixRow['request'] {
  // Signed over the decoded JSON: a sender that compressed a signed body.
  return { headers: { ...signedJsonHeaders(sampleJson), 'content-encoding': encoding }, body }
}

const mediaRows: MatrixRow[] = [
  acceptedAs('application/json; charset=UTF-8', sampleJson, signJson),
  acceptedAs('application/x-www-form-urlencoded; charset=UTF-8', sampleForm, signForm),
  acceptedAs('Application/JSON', sampleJson, signJson),
  acceptedAs('APPLICATION/X-WWW-FORM-URLENCODED', sampleForm, signForm),
  acceptedAs('application/json ; charset="utf-8"', sampleJson, signJson),
  refusedMedia('text/plain holding a validly signed JSON body', json(sampleJson, signJson(sampleJson), 'text/plain')),
  refusedMedia('text/plain holding a validly signed form body', form(sampleForm, signForm(sampleForm), 'text/plain; charset=utf-8')),
  refusedMedia('multipart/form-data signed over its fields', {
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'x-calltracking-signature': signPayload([['event', 'call:completed'], ['data[id]', 'call-1']])
    },
    body: multipartBody
  }),
  refusedMedia('no Content-Type, validly signed JSON body', { headers: { 'x-calltracking-signature': signJson(sampleJson) }, body: sampleJson }),
  refusedMedia('an empty Content-Type', json(sampleJson, signJson(sampleJson), '')),
  refusedMedia('application/vnd.api+json (a JSON suffix is not JSON here)', json(sampleJson, signJson(sampleJson), 'application/vnd.api+json')),
  refusedMedia('application/jsonx (a media type that merely starts like JSON)', json(sampleJson, signJson(sampleJson), 'application/jsonx')),
  refusedMedia('Content-Encoding: gzip, signed over the decompressed body', encoded('gzip', gzipSync(sampleJson))),
  refusedMedia('Content-Encoding: GZIP in upper case', encoded('GZIP', gzipSync(sampleJson))),
  refusedMedia('Content-Encoding: deflate', encoded('deflate', deflateSync(sampleJson))),
  refusedMedia('Content-Encoding: br', encoded('br', brotliCompressSync(sampleJson))),
  refusedMedia('Content-Encoding: gzip on a body that is not compressed (the header alone refuses it)', encoded('gzip', Buffer.from(sampleJson))),
  {
    name: 'Content-Encoding: identity (no coding at all) is accepted',
    request: encoded('identity', Buffer.from(sampleJson)),
    status: 200,
    dispatched: 1
  }
]

// --- form decoding ----------------------------------------------------------

/** A form row that must dispatch data equal to what the reference parser reads from the body. */
function signedForm (name: string, body: string | Buffer, check?: (t: Test, data: Record<string, unknown>) => void): MatrixRow {
  return {
    name,
    request: form(body),
    status: 200,
    dispatched: 1,
    check: (t, outcome) => {
      const event = dispatched(t, outcome)
      t.equal(event.name, 'future:hostile')
      check?.(t, event.data)
    }
  }
}

/** The value the reference parser reads for `key` in `body`. */
function referenceValue (body: string | Buffer, key: string): string | undefined {
  return referenceFormPairs(body).find(([name]) => name === key)?.[1]
}

const invalidPercent = `${FUTURE}data[id]=inv&data[a]=%E0%A4%A&data[b]=100%&data[c]=%G1%&data[d]=%%41`
const notUtf8 = Buffer.concat([Buffer.from(`${FUTURE}data[id]=%C3%28&data[b]=%FF%FE&data[c]=`), Buffer.from([0xff, 0xc3])])

const manyParameters = FUTURE + 'data[id]=many&' + Array.from({ length: 10000 }, (_, index) => `data[p${index}]=${index}`).join('&')
const longKey = 'k'.repeat(100 * 1024)
const longKeyBody = `${FUTURE}data[id]=long&data[${longKey}]=v`
const deepBrackets = `${FUTURE}data[id]=deep&data${'[b]'.repeat(1000)}=x`

const formProto = FUTURE + [
  'data[id]=proto',
  '__proto__[polluted]=yes',
  'constructor[prototype][polluted]=yes',
  'data[__proto__][polluted]=yes',
  'data[constructor][prototype][polluted]=yes',
  'data[x][__proto__]=yes',
  'data[y][prototype]=yes'
].join('&')

const formRows: MatrixRow[] = [
  signedForm('invalid percent sequences stay literal, signed as such', invalidPercent, (t, data) => {
    t.equal(data.a, referenceValue(invalidPercent, 'data[a]'), 'data.a as the reference parser reads it')
    t.equal(data.b, '100%')
    t.equal(data.c, '%G1%')
    t.equal(data.d, '%A')
  }),
  { name: 'invalid percent sequences, unsigned', request: form(invalidPercent, null), status: 401, code: MISSING, dispatched: 0 },
  signedForm('percent-encoded bytes that are not UTF-8, and raw ones, read as U+FFFD', notUtf8, (t, data) => {
    t.equal(data.id, '\uFFFD(')
    t.equal(data.b, referenceValue(notUtf8, 'data[b]'))
    t.equal(data.c, referenceValue(notUtf8, 'data[c]'))
  }),
  signedForm('keys without "=" get the value ""', `${FUTURE}data[id]=noeq&data[flag]&data[other]`, (t, data) => {
    t.equal(data.flag, '')
    t.equal(data.other, '')
  }),
  signedForm('a trailing "&" and empty parts are skipped', `&&${FUTURE}&data[id]=amp&&`, (t, data) => {
    t.strictSame(data, { id: 'amp' })
  }),
  signedForm('10,000 parameters, signed', manyParameters, (t, data) => {
    t.equal(Object.keys(data).length, 10001, 'every parameter arrived')
    t.equal(data.p9999, '9999')
  }),
  { name: '10,000 parameters, signed with a foreign key', request: form(manyParameters, signForm(manyParameters, { key: FOREIGN_KEY })), status: 401, code: INVALID, dispatched: 0 },
  signedForm('a key 100 KB long, signed', longKeyBody, (t, data) => {
    t.equal(data[longKey], 'v')
  }),
  { name: 'a key 100 KB long, unsigned', request: form(longKeyBody, null), status: 401, code: MISSING, dispatched: 0 },
  { name: 'brackets nested 1,000 deep, signed: past maxDepth (32)', request: form(deepBrackets), status: 400, code: MALFORMED, dispatched: 0 },
  { name: 'brackets nested 1,000 deep, signed with a foreign key', request: form(deepBrackets, signForm(deepBrackets, { key: FOREIGN_KEY })), status: 401, code: INVALID, dispatched: 0 },
  {
    name: '__proto__, constructor[prototype] and prototype keys in a signed form',
    request: form(formProto),
    status: 200,
    dispatched: 1,
    check: (t, outcome) => {
      const event = dispatched(t, outcome)
      t.equal(event.data.id, 'proto', 'the other pairs arrive')
      noForbiddenKeys(t, outcome)
    }
  },
  {
    name: '__proto__ and constructor[prototype] keys in an unsigned form',
    request: form(formProto, signForm(formProto, { key: FOREIGN_KEY })),
    status: 401,
    code: INVALID,
    dispatched: 0,
    check: noForbiddenKeys
  },
  signedForm('a[100000000]=x makes an object key, never a huge array', `${FUTURE}data[id]=huge&data[a][100000000]=x`, (t, data) => {
    t.notOk(Array.isArray(data.a), 'data.a is not an array')
    t.strictSame(data.a, { 100000000: 'x' })
  }),
  { name: 'a[100000000]=x, unsigned', request: form(`${FUTURE}data[id]=huge&data[a][100000000]=x`, null), status: 401, code: MISSING, dispatched: 0 },
  signedForm('a repeated form key: both pairs are signed, the later one is dispatched (as PHP)', `${FUTURE}data[id]=first&data[id]=second`, (t, data) => {
    t.equal(data.id, 'second')
  })
]

// --- JSON ------------------------------------------------------------------

const jsonProtoTop = sampleJson.slice(0, -1) + ',"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}'
const jsonProtoFuture = '{"event":"future:hostile","data":{"id":"proto","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"nested":{"__proto__":{"polluted":"yes"}}}}'
const jsonProtoInData = sampleJson.replace('"account":{', '"account":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},')

/** Nesting 10,000 deep: its one variable is `data[a][a]…[a]` = "x", so its signature is computed without recursion. */
const deepObject = '{"event":"future:hostile","data":' + '{"a":'.repeat(10000) + '"x"' + '}'.repeat(10000) + '}'
const deepObjectSignature = signPayload([['event', 'future:hostile'], ['data' + '[a]'.repeat(10000), 'x']])
const deepArray = '{"event":"future:hostile","data":{"a":' + '['.repeat(10000) + '"x"' + ']'.repeat(10000) + '}}'
const deepArraySignature = signPayload([['event', 'future:hostile'], ['data[a]' + '[0]'.repeat(10000), 'x']])

const duplicateKeys = '{"event":"call:completed","event":"future:hostile","data":{"id":"first","id":"second"}}'

const invalidSample = callSample()
invalidSample.data.duration = 'forty-three'
const invalidJson = JSON.stringify(invalidSample)

const jsonRows: MatrixRow[] = [
  {
    name: '__proto__ and constructor keys at the top of a signed JSON body do not reach the handler',
    request: json(jsonProtoTop),
    status: 200,
    dispatched: 1,
    check: noForbiddenKeys
  },
  {
    name: '__proto__ and constructor keys in the data of a signed JSON event without a schema do not reach the handler',
    request: json(jsonProtoFuture),
    status: 200,
    dispatched: 1,
    check: noForbiddenKeys
  },
  {
    name: '__proto__ and constructor keys inside validated data (call:completed) do not reach the handler',
    request: json(jsonProtoInData),
    status: 200,
    dispatched: 1,
    check: (t, outcome) => {
      t.strictSame(forbiddenKeyPaths(outcome.events[0]?.data), [], 'none in event.data')
      t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype polluted')
    }
  },
  { name: '__proto__ keys in an unsigned JSON body', request: json(jsonProtoTop, null), status: 401, code: MISSING, dispatched: 0, check: noForbiddenKeys },
  ...['[]', '"call:completed"', '42', 'null', 'true'].map((text): MatrixRow => ({
    name: `JSON that is not an object (${text}), with the signature of no variables`,
    request: json(text, NO_PAIRS),
    status: 400,
    code: MALFORMED,
    dispatched: 0
  })),
  { name: 'JSON objects nested 10,000 deep, signed: past maxDepth (32)', request: json(deepObject, deepObjectSignature), status: 400, code: MALFORMED, dispatched: 0 },
  { name: 'JSON arrays nested 10,000 deep, signed: past maxDepth (32)', request: json(deepArray, deepArraySignature), status: 400, code: MALFORMED, dispatched: 0 },
  {
    // The pairs must exist before the signature can be checked, so depth is refused first.
    name: 'JSON nested 10,000 deep, signed with a foreign key: refused as malformed before verification',
    request: json(deepObject, signPayload([['event', 'future:hostile'], ['data' + '[a]'.repeat(10000), 'x']], { key: FOREIGN_KEY })),
    status: 400,
    code: MALFORMED,
    dispatched: 0
  },
  {
    name: 'duplicate JSON keys: signed over the last values (what is decoded), it passes with those',
    request: json(duplicateKeys, signPayload([['event', 'future:hostile'], ['data[id]', 'second']])),
    status: 200,
    dispatched: 1,
    check: (t, outcome) => {
      const event = dispatched(t, outcome)
      t.equal(event.name, 'future:hostile', 'the event that was verified is the one dispatched')
      t.equal(event.data.id, 'second')
    }
  },
  {
    name: 'duplicate JSON keys: signed over the first values, it is refused (no verify-one-dispatch-another)',
    request: json(duplicateKeys, signPayload([['event', 'call:completed'], ['data[id]', 'first']])),
    status: 401,
    code: INVALID,
    dispatched: 0
  },
  {
    name: 'malformed JSON (truncated), signed',
    request: json(sampleJson.slice(0, 200), NO_PAIRS),
    status: 400,
    code: MALFORMED,
    dispatched: 0
  },
  {
    name: 'a bare caller number sent as JSON (not JSON)',
    request: json('+0033612345678', NO_PAIRS),
    status: 400,
    code: MALFORMED,
    dispatched: 0
  },
  {
    name: 'validly signed call:completed whose data fails its schema: 422, onError gets it, no handler',
    request: json(invalidJson),
    status: 422,
    code: 'FST_MAGNETIS_INVALID_EVENT',
    dispatched: 0,
    check: (t, outcome) => {
      t.equal(outcome.errors.length, 1, 'onError was called once')
      t.equal(outcome.errors[0]?.event.name, 'call:completed')
      t.equal((outcome.errors[0]?.event.data as Record<string, unknown> | undefined)?.duration, 'forty-three', 'with the unvalidated data')
    }
  }
]

// --- size -------------------------------------------------------------------

const LIMIT = 1024
const limited = { bodyLimit: LIMIT }

/** A signed form body of exactly `size` bytes. */
function formOfSize (size: number): string {
  const head = `${FUTURE}data[id]=limit&data[pad]=`
  return head + 'x'.repeat(size - head.length)
}

const atLimit = formOfSize(LIMIT)
const overLimit = formOfSize(LIMIT + 1)

/** A raw request head for a signed form body. */
function formHead (body: string, lines: string[]): string {
  return rawHead([`Content-Type: ${FORM}`, `X-CALLTRACKING-SIGNATURE: ${signForm(body)}`, ...lines])
}

/** A reply came, also where the client never sends the rest of its body; how fast is not asserted (REPLY_WAIT_MS is only where a row gives up). */
function answered (t: Test, outcome: Outcome): void {
  t.not(outcome.status, 0, `answered (in ${Math.round(outcome.elapsedMs)} ms; a row gives up after ${REPLY_WAIT_MS} ms)`)
}

function notHanging (t: Test, outcome: Outcome): void {
  answered(t, outcome)
  const afterwards = outcome.afterwards
  t.not(afterwards?.kind, 'hanging', 'the connection is then closed or serves the next request, never left hanging')
  if (afterwards?.kind === 'usable') t.equal(afterwards.status, 200, 'the next request on the same connection is served')
}

/** A refusal before the body is read must close the connection (as Fastify does for its own body errors): otherwise the server reads a declared 10 GB to its end. */
function closedAfterwards (t: Test, outcome: Outcome): void {
  answered(t, outcome)
  t.equal(outcome.afterwards?.kind, 'closed', 'the server closes the connection after the refusal')
}

const chunk = (size: number): string => `${size.toString(16)}\r\n${'x'.repeat(size)}\r\n`

const sizeRows: MatrixRow[] = [
  {
    name: 'a signed body of exactly the limit (1,024 bytes) passes',
    setup: limited,
    request: form(atLimit),
    status: 200,
    dispatched: 1,
    check: (t) => { t.equal(Buffer.byteLength(atLimit), LIMIT) }
  },
  {
    name: 'a signed body one byte over the limit',
    setup: limited,
    request: form(overLimit),
    status: 413,
    code: TOO_LARGE,
    dispatched: 0,
    check: (t) => { t.equal(Buffer.byteLength(overLimit), LIMIT + 1) }
  },
  {
    name: 'a signed body one byte over the default limit (1 MiB)',
    request: form(formOfSize(1024 * 1024 + 1)),
    status: 413,
    code: TOO_LARGE,
    dispatched: 0
  },
  {
    name: 'over a real socket, Content-Length one byte over the limit, body sent: 413, then the connection serves on',
    setup: limited,
    request: { raw: [formHead(overLimit, [`Content-Length: ${LIMIT + 1}`]) + overLimit], then: [HEALTH_CHECK] },
    status: 413,
    code: TOO_LARGE,
    dispatched: 0,
    check: notHanging
  },
  {
    name: 'over a real socket, Content-Length over the limit and no body sent yet: 413 before a byte of it is read',
    setup: limited,
    // The connection owes the declared bytes: once they are sent, it serves the next request.
    request: { raw: [formHead(overLimit, [`Content-Length: ${LIMIT + 1}`])], then: [overLimit, HEALTH_CHECK] },
    status: 413,
    code: TOO_LARGE,
    dispatched: 0,
    check: notHanging
  },
  {
    name: 'over a real socket, Content-Length of 10 GB declared: 413 without waiting for the declared bytes',
    setup: limited,
    request: { raw: [formHead(overLimit, ['Content-Length: 10000000000']), 'x'.repeat(100)] },
    status: 413,
    code: TOO_LARGE,
    dispatched: 0,
    check: answered
  },
  {
    name: 'over a real socket, 10 GB declared and more bytes coming: after the 413 the connection is closed, not read to its end',
    setup: limited,
    request: { raw: [formHead(overLimit, ['Content-Length: 10000000000']), 'x'.repeat(100)], then: ['x'.repeat(1000)] },
    status: 413,
    code: TOO_LARGE,
    dispatched: 0,
    check: closedAfterwards
  },
  {
    name: 'over a real socket, unsigned with 10 GB declared: after the 401 the connection is closed, not read to its end',
    setup: limited,
    request: { raw: [rawHead([`Content-Type: ${FORM}`, 'Content-Length: 10000000000']), 'x'.repeat(100)], then: ['x'.repeat(1000)] },
    status: 401,
    code: MISSING,
    dispatched: 0,
    check: closedAfterwards
  },
  {
    name: 'over a real socket, chunked with no Content-Length, growing past the limit and never ended: 413 before the end, then the connection serves on',
    setup: limited,
    request: {
      raw: [formHead(overLimit, ['Transfer-Encoding: chunked']), chunk(512), 20, chunk(512), 20, chunk(512), 20, chunk(512)],
      then: ['0\r\n\r\n', HEALTH_CHECK]
    },
    status: 413,
    code: TOO_LARGE,
    dispatched: 0,
    check: notHanging
  },
  {
    name: 'over a real socket, chunked within the limit and signed: passes (control)',
    setup: limited,
    request: {
      raw: [formHead(atLimit, ['Transfer-Encoding: chunked']), `${(512).toString(16)}\r\n${atLimit.slice(0, 512)}\r\n`, 20,
        `${(LIMIT - 512).toString(16)}\r\n${atLimit.slice(512)}\r\n`, '0\r\n\r\n'],
      then: [HEALTH_CHECK]
    },
    status: 200,
    dispatched: 1,
    check: notHanging
  },
  {
    name: 'over a real socket, over the limit and unsigned: 401 before a byte is read',
    setup: limited,
    request: { raw: [rawHead([`Content-Type: ${FORM}`, `Content-Length: ${LIMIT + 1}`]) + overLimit], then: [HEALTH_CHECK] },
    status: 401,
    code: MISSING,
    dispatched: 0,
    check: notHanging
  }
]

// --- methods and the per-route wiring --------------------------------------

const perRoute = { perRoute: true }

const routeRows: MatrixRow[] = [
  { name: 'GET on the webhook path is not a webhook', request: { method: 'GET', headers: signedJsonHeaders(sampleJson) }, status: 404, dispatched: 0 },
  { name: 'PUT on the webhook path is not a webhook', request: { method: 'PUT', ...json(sampleJson) }, status: 404, dispatched: 0 },
  { name: 'per-route wiring (config.magnetis, formbody at the root): a signed form passes', setup: perRoute, request: form(sampleForm), status: 200, dispatched: 1 },
  { name: 'per-route wiring: a signed JSON body passes', setup: perRoute, request: json(sampleJson), status: 200, dispatched: 1 },
  { name: 'per-route wiring: an unsigned form is refused', setup: perRoute, request: form(sampleForm, null), status: 401, code: MISSING, dispatched: 0 },
  { name: 'per-route wiring: a wrongly signed JSON body is refused', setup: perRoute, request: json(sampleJson, signJson(sampleJson, { key: FOREIGN_KEY })), status: 401, code: INVALID, dispatched: 0 },
  { name: 'per-route wiring: text/plain is refused', setup: perRoute, request: json(sampleJson, signJson(sampleJson), 'text/plain'), status: 415, code: MEDIA, dispatched: 0 },
  { name: 'per-route wiring: Content-Encoding gzip is refused', setup: perRoute, request: encoded('gzip', gzipSync(sampleJson)), status: 415, code: MEDIA, dispatched: 0 },
  { name: 'per-route wiring: one byte over the limit', setup: { ...perRoute, ...limited }, request: form(overLimit), status: 413, code: TOO_LARGE, dispatched: 0 },
  {
    // Fastify's own JSON parser (secure-json-parse) refuses __proto__ before the verifying preHandler runs.
    name: 'per-route wiring: __proto__ in a signed JSON body is refused by Fastify\'s JSON parser',
    setup: perRoute,
    request: json(jsonProtoTop),
    status: 400,
    code: 'FST_ERR_CTP_INVALID_JSON_BODY',
    dispatched: 0,
    check: noForbiddenKeys
  },
  {
    name: 'per-route wiring: __proto__ in a signed form does not reach the handler',
    setup: perRoute,
    request: form(formProto),
    status: 200,
    dispatched: 1,
    check: noForbiddenKeys
  }
]

// --- a failing handler ----------------------------------------------------------

const faultRows: MatrixRow[] = [
  {
    name: 'a handler that throws on a signed event: 500, and onError receives the error with the event',
    setup: { failingHandler: true },
    request: json(sampleJson),
    status: 500,
    code: 'FST_MAGNETIS_HANDLER_FAILED',
    dispatched: 1,
    check: (t, outcome) => {
      t.equal(outcome.errors.length, 1, 'onError was called once')
      t.equal(outcome.errors[0]?.event.name, 'call:completed', 'with the event')
      t.equal(((outcome.errors[0]?.error as { errors?: Error[] } | undefined)?.errors?.[0])?.message, 'the CRM is down', 'and the handler\'s error')
    }
  }
]

export const bodyRows: MatrixRow[] = [...emptyRows, ...mediaRows, ...formRows, ...jsonRows, ...sizeRows, ...routeRows, ...faultRows]
