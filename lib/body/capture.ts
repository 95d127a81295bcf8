/**
 * Captures the raw body of webhook routes in a preParsing hook. The
 * signature covers the bytes as sent, so they are kept before any parser
 * touches them; the route's own parsers then read a replay of the same
 * bytes, which leaves the app's JSON and form parsing as it was.
 */
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { bodyEncodingOf, unsupportedMediaType } from './media-types.js'
import { BodyTooLargeError, ConfigurationError, MissingSignatureError, UnsupportedMediaTypeError } from '../errors.js'
import { SIGNATURE_HEADER } from '../signature/sign.js'

/** Where the raw body waits between preParsing and the verifying preHandler. */
export const kRawBody = Symbol('fastify-magnetis-webhooks.rawBody')
/** Stops watching `request.raw` for readers that would wait for bytes already read. */
const kStopWatch = Symbol('fastify-magnetis-webhooks.stopWatch')

declare module 'fastify' {
  interface FastifyRequest {
    [kRawBody]?: Buffer | undefined
    [kStopWatch]?: (() => void) | undefined
  }
}

/** Options of the capturing hook. */
export interface CaptureOptions {
  /** bytes; `undefined` means the route's (Fastify's) body limit */
  bodyLimit: number | undefined
  /** when the user reads pairs themselves, any media type may be meant for them */
  anyMediaType: boolean
}

/**
 * A preParsing hook that refuses, before reading a byte of the body, what can
 * never verify (415: media type, content encoding; 401: no signature; 413:
 * declared too large), then reads the body up to the limit (413 past it).
 * A refusal replies with `Connection: close`, as Fastify does for its own
 * body errors: the rest of the body is unread, and reading it only to drop
 * it would let a client keep the server busy for as long as it sends.
 */
export function captureRawBody (options: CaptureOptions) {
  return async function captureMagnetisRawBody (request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> {
    try {
      return await capture(request, payload, options)
    } catch (error) {
      reply.header('connection', 'close')
      throw error
    }
  }
}

/**
 * Once the capture has read `request.raw`, and until the verifying preHandler runs, a reader of `request.raw` (such as a
 * content-type parser of the route's scope that ignores its `payload`) would
 * wait forever for bytes the capture already read: the request gets a 500
 * naming the fix instead of hanging without a word.
 */
export function watchLateReaders (request: FastifyRequest, reply: FastifyReply, where: string): void {
  const raw = request.raw
  const onNewListener = (event: string | symbol): void => {
    if (event !== 'data' && event !== 'end' && event !== 'readable') return
    stop()
    const error = new ConfigurationError(`fastify-magnetis-webhooks: ${where}: something in this route's scope, most likely a content-type parser, reads request.raw, ` +
      'which the plugin already read to check the signature, so it would wait forever: make that parser read its `payload` argument (the same bytes, replayed), ' +
      'or declare the webhook route in a scope without that parser, or use the plugin\'s `path` option')
    request.log.error(error.message)
    // At once: a reader that gives up on an ended stream would otherwise answer first, with a misleading error.
    if (!reply.sent) reply.send(error)
  }
  const stop = (): void => { raw.removeListener('newListener', onNewListener) }
  raw.on('newListener', onNewListener)
  request[kStopWatch] = stop
}

/** Ends the watch of `watchLateReaders`: from the preHandler on, request.raw is the app's business. */
export function stopWatchingRawReaders (request: FastifyRequest): void {
  request[kStopWatch]?.()
  request[kStopWatch] = undefined
}

async function capture (request: FastifyRequest, payload: Readable, { bodyLimit, anyMediaType }: CaptureOptions): Promise<Readable> {
  const headers = request.headers
  if (!anyMediaType && bodyEncodingOf(headers['content-type']) === undefined) {
    throw unsupportedMediaType(headers['content-type'])
  }
  const encoding = headers['content-encoding']
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    throw new UnsupportedMediaTypeError('a Content-Encoding is not supported: the signature covers the body as sent, send it unencoded')
  }
  const signature = headers[SIGNATURE_HEADER]
  if (signature === undefined || signature === '') throw new MissingSignatureError()

  const limit = bodyLimit ?? request.routeOptions.bodyLimit
  const declared = Number(headers['content-length'])
  if (declared > limit) throw new BodyTooLargeError(limit)

  const rawBody = await readStream(payload, limit)
  request[kRawBody] = rawBody
  const replay = Readable.from([rawBody], { objectMode: false }) as Readable & { receivedEncodedLength?: number }
  replay.receivedEncodedLength = rawBody.length
  return replay
}

/**
 * Reads a stream whole, up to `limit` bytes. Past the limit it stops
 * listening without destroying the stream: destroying the request would
 * close the socket before the 413 reply could be written.
 */
function readStream (stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let received = 0
    const onData = (data: Buffer | string): void => {
      // An earlier preParsing hook may hand on a stream of text; the limit and the signature are about bytes.
      const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      received += chunk.length
      if (received > limit) {
        finish()
        // Keep the stream flowing: what arrives before the socket closes (Connection: close) is dropped, not buffered.
        stream.resume()
        reject(new BodyTooLargeError(limit))
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      finish()
      resolve(Buffer.concat(chunks, received))
    }
    const onError = (error: Error): void => {
      finish()
      reject(error)
    }
    const onClose = (): void => {
      finish()
      reject(new Error('fastify-magnetis-webhooks: the request was closed before its body was complete'))
    }
    function finish (): void {
      stream.removeListener('data', onData)
      stream.removeListener('end', onEnd)
      stream.removeListener('error', onError)
      stream.removeListener('close', onClose)
    }
    stream.on('data', onData)
    stream.on('end', onEnd)
    stream.on('error', onError)
    stream.on('close', onClose)
  })
}
