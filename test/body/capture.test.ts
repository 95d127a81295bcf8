// The preParsing capture (lib/raw-body.ts) on its own: what is refused before
// a byte is read, the read up to the limit, and streams that fail or close.
import t from 'tap'
import { PassThrough, Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { kRawBody, readStream, replayOf } from '../../lib/body/capture.js'
import { capturing } from '../helpers/capture.js'


const JSON_TYPE = 'application/json'
const ROUTE_LIMIT = 100

function fakeRequest (headers: Record<string, string | undefined>): FastifyRequest {
  return { headers, routeOptions: { bodyLimit: ROUTE_LIMIT } } as unknown as FastifyRequest
}

const signed = (extra: Record<string, string> = {}): Record<string, string> => ({ 'content-type': JSON_TYPE, 'x-calltracking-signature': 'c2lnbg==', ...extra })
/** A reply that records the headers the capture sets. */
function fakeReply (): FastifyReply & { headersSet: Record<string, string> } {
  const headersSet: Record<string, string> = {}
  return { headersSet, header (name: string, value: string) { headersSet[name] = value; return this } } as unknown as FastifyReply & { headersSet: Record<string, string> }
}
const reply = fakeReply()

async function readAll (stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

t.test('a body that arrives in one chunk is that chunk, not a copy', async t => {
  const chunk = Buffer.from('{"event":"test"}')
  t.equal(await capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest(signed()), reply, Readable.from([chunk])), chunk)
})

t.test('reads the body and keeps it on the request; its replay gives the same bytes', async t => {
  const capture = capturing({ bodyLimit: undefined, anyMediaType: false })
  const request = fakeRequest(signed())
  const bytes = Buffer.from('{"event":"call:completed","data":{"name":"Désirée"}}')
  const rawBody = await capture(request, reply, Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]))
  t.same(rawBody, bytes)
  t.equal(request[kRawBody], rawBody, 'the same buffer waits on the request')
  const replay = replayOf(rawBody)
  t.equal((replay as Readable & { receivedEncodedLength?: number }).receivedEncodedLength, bytes.length, 'the replay reports the bytes received, for Fastify\'s own limit check')
  t.same(await readAll(replay), bytes)
})

t.test('a stream of text (from an earlier preParsing hook) is read as its UTF-8 bytes, and limited in bytes', async t => {
  const request = fakeRequest(signed())
  // 5 characters, 10 bytes.
  await capturing({ bodyLimit: 10, anyMediaType: false })(request, reply, Readable.from(['éé', 'éé', 'é']))
  t.same(request[kRawBody], Buffer.from('ééééé', 'utf8'))
  await t.rejects(capturing({ bodyLimit: 9, anyMediaType: false })(fakeRequest(signed()), reply, Readable.from(['éé', 'éé', 'é'])), { statusCode: 413, message: /limit of 9 bytes/ })
})

t.test('an empty body is an empty buffer', async t => {
  const request = fakeRequest(signed())
  await capturing({ bodyLimit: 10, anyMediaType: false })(request, reply, Readable.from([]))
  t.same(request[kRawBody], Buffer.alloc(0))
})

t.test('415 before reading for a media type other than form or JSON, unless the route reads pairs itself', async t => {
  for (const contentType of [undefined, 'text/plain', 'application/jsonx', 'multipart/form-data']) {
    const capture = capturing({ bodyLimit: undefined, anyMediaType: false })
    await t.rejects(capture(fakeRequest(signed({ 'content-type': contentType as string })), reply, Readable.from(['x'])),
      { statusCode: 415, code: 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE', message: /send application\/x-www-form-urlencoded or application\/json/ }, String(contentType))
  }
  for (const contentType of ['application/json; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED']) {
    const request = fakeRequest(signed({ 'content-type': contentType }))
    await capturing({ bodyLimit: undefined, anyMediaType: false })(request, reply, Readable.from(['x']))
    t.same(request[kRawBody], Buffer.from('x'), contentType)
  }
  const request = fakeRequest(signed({ 'content-type': 'text/plain' }))
  await capturing({ bodyLimit: undefined, anyMediaType: true })(request, reply, Readable.from(['x']))
  t.same(request[kRawBody], Buffer.from('x'), 'anyMediaType lets text/plain in')
})

t.test('415 for a Content-Encoding other than identity', async t => {
  const capture = capturing({ bodyLimit: undefined, anyMediaType: false })
  for (const encoding of ['gzip', 'br', 'identity, gzip']) {
    await t.rejects(capture(fakeRequest(signed({ 'content-encoding': encoding })), reply, Readable.from(['x'])), { statusCode: 415, message: /a Content-Encoding is not supported: the signature covers the body as sent/ }, encoding)
  }
  for (const encoding of ['identity', ' Identity ']) {
    const request = fakeRequest(signed({ 'content-encoding': encoding }))
    await capture(request, reply, Readable.from(['x']))
    t.same(request[kRawBody], Buffer.from('x'), JSON.stringify(encoding))
  }
})

t.test('401 before reading when the signature header is missing or empty', async t => {
  const capture = capturing({ bodyLimit: undefined, anyMediaType: false })
  for (const signature of [undefined, '']) {
    const request = fakeRequest({ 'content-type': JSON_TYPE, 'x-calltracking-signature': signature })
    await t.rejects(capture(request, reply, Readable.from(['x'])), { statusCode: 401, code: 'FST_MAGNETIS_MISSING_SIGNATURE' })
    t.equal(request[kRawBody], undefined, 'nothing read')
  }
})

t.test('413 before reading when the declared length is past the limit: the option, else the route\'s', async t => {
  await t.rejects(capturing({ bodyLimit: 10, anyMediaType: false })(fakeRequest(signed({ 'content-length': '11' })), reply, Readable.from(['x'])),
    { statusCode: 413, code: 'FST_MAGNETIS_BODY_TOO_LARGE', message: /larger than the limit of 10 bytes/ })
  await t.rejects(capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest(signed({ 'content-length': String(ROUTE_LIMIT + 1) })), reply, Readable.from(['x'])),
    { statusCode: 413, message: /limit of 100 bytes/ })
  const request = fakeRequest(signed({ 'content-length': '10' }))
  await capturing({ bodyLimit: 10, anyMediaType: false })(request, reply, Readable.from(['0123456789']))
  t.equal(request[kRawBody]?.length, 10, 'exactly the limit passes')
})

t.test('413 while reading once the bytes pass the limit; the rest of the stream is drained, not destroyed', async t => {
  const stream = new PassThrough()
  const capture = capturing({ bodyLimit: 10, anyMediaType: false })(fakeRequest(signed()), reply, stream)
  stream.write('0123456')
  stream.write('789ab')
  await t.rejects(capture, { statusCode: 413, message: /limit of 10 bytes/ })
  t.equal(stream.destroyed, false, 'the request stream is left open, so the reply can be written')
  t.equal(stream.readableFlowing, true, 'and flowing, so the rest is dropped')
  t.equal(stream.listenerCount('data'), 0, 'without the capture\'s listeners')
  stream.end('more')
})

t.test('a refusal asks to close the connection; a body read whole does not', async t => {
  const refused = fakeReply()
  await t.rejects(capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest({ 'content-type': JSON_TYPE }), refused, Readable.from(['x'])), { statusCode: 401, message: /missing/ })
  t.same(refused.headersSet, { connection: 'close' }, '401 before reading')
  const tooLarge = fakeReply()
  await t.rejects(capturing({ bodyLimit: 2, anyMediaType: false })(fakeRequest(signed()), tooLarge, Readable.from(['abc'])), { statusCode: 413, message: /limit of 2 bytes/ })
  t.same(tooLarge.headersSet, { connection: 'close' }, '413 while reading')
  const accepted = fakeReply()
  await capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest(signed()), accepted, Readable.from(['x']))
  t.same(accepted.headersSet, {})
})

t.test('a body cut short is a 400 (the stream\'s error as its cause); a stream error that names a 4xx is passed on as it is', async t => {
  const failing = new PassThrough()
  const failed = capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest(signed()), reply, failing)
  const error = Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
  failing.write('part')
  failing.destroy(error)
  const thrown = await failed.then(() => undefined, (rejected: unknown) => rejected)
  t.match(thrown, { statusCode: 400, code: 'FST_MAGNETIS_MALFORMED_BODY', message: 'fastify-magnetis-webhooks: the request body could not be read whole (aborted)' })
  t.equal((thrown as Error).cause, error, 'the stream\'s own error is the cause')

  for (const statusCode of [400, 415, 499]) {
    const decoding = new PassThrough()
    const refused = capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest(signed()), reply, decoding)
    const clientError = Object.assign(new Error('bad deflate data'), { statusCode })
    decoding.destroy(clientError)
    t.equal(await refused.then(() => undefined, (thrown: unknown) => thrown), clientError, `a stream error with statusCode ${statusCode} is passed on, the same object`)
  }
  for (const statusCode of [399, 500, '400']) {
    const failingAgain = new PassThrough()
    const wrapped = capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest(signed()), reply, failingAgain)
    failingAgain.destroy(Object.assign(new Error('broken'), { statusCode }))
    await t.rejects(wrapped, { statusCode: 400, code: 'FST_MAGNETIS_MALFORMED_BODY' }, `one with statusCode ${JSON.stringify(statusCode)} becomes the 400`)
  }

  const closing = new PassThrough()
  const closed = capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest(signed()), reply, closing)
  closing.write('part')
  closing.destroy()
  await t.rejects(closed, { statusCode: 400, message: 'fastify-magnetis-webhooks: the request was closed before its body was complete' })
  t.equal(closing.listenerCount('data') + closing.listenerCount('end') + closing.listenerCount('close'), 0, 'listeners removed')
})

t.test('readStream (the CLI\'s listen reads with it): the body whole, a 413 past the limit, a 400 for a stream cut short', async t => {
  t.same(await readStream(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4), Buffer.from('abcd'))
  await t.rejects(readStream(Readable.from([Buffer.from('abcde')]), 4), { statusCode: 413, message: /limit of 4 bytes/ })
  const cut = new PassThrough()
  const reading = readStream(cut, 10)
  cut.write('ab')
  cut.destroy()
  await t.rejects(reading, { statusCode: 400, message: /closed before its body was complete/ })
})
