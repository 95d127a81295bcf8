// preParsing: keeps the bytes the signature covers; a route with parsers of its own gets a replay of them.
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { bodyEncodingOf, unsupportedMediaType } from './media-types.js'
import { BodyTooLargeError, ConfigurationError, MalformedBodyError, MissingSignatureError, UnsupportedMediaTypeError } from '../errors.js'
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

/** Declares the capture's two request slots on the app, so Fastify sets them in every request's constructor: a property added to a request later changes its shape, which slows Fastify's own code for every request after (docs/performance.md). */
export function declareCaptureSlots (root: FastifyInstance): void {
  root.decorateRequest(kRawBody)
  root.decorateRequest(kStopWatch)
}

/** `bodyLimit` in bytes (`undefined`: the route's); `anyMediaType` when a `pairsFromBody` option reads the body. */
export interface CaptureOptions {
  bodyLimit: number | undefined
  anyMediaType: boolean
}

/** Called once with the raw body, or with the error to reply (413, 415, 401, or the stream's own). */
export type CaptureDone = (error: Error | null, rawBody?: Buffer) => void

/** Refuses what can never verify before reading a byte (415, 401, 413 declared), then reads up to the limit (the webhook's `bodyLimit`, else `routeBodyLimit`: the route's, in bytes, which the caller may pass to spare Fastify building `request.routeOptions` again; 413) into the request's raw-body slot, and calls `done`; refusals close the connection. */
export function captureRawBody (options: CaptureOptions) {
  // A callback, not a promise: the preParsing hook is one, and a webhook request then makes no promise before its preHandler.
  return function captureMagnetisRawBody (request: FastifyRequest, reply: FastifyReply, payload: Readable, routeBodyLimit: number | undefined, done: CaptureDone): void {
    const refuse = (error: Error): void => {
      reply.header('connection', 'close')
      done(error)
    }
    const limit = options.bodyLimit ?? routeBodyLimit ?? request.routeOptions.bodyLimit
    const refusal = refusalOf(request, options.anyMediaType, limit)
    if (refusal !== undefined) {
      refuse(refusal)
      return
    }
    readStreamInto(payload, limit, (error, rawBody) => {
      if (error !== null) {
        refuse(error)
        return
      }
      request[kRawBody] = rawBody
      done(null, rawBody)
    })
  }
}

/** The captured bytes as a stream, for the route's own content-type parser (Fastify reads `receivedEncodedLength` for its body-limit check). */
export function replayOf (rawBody: Buffer): Readable {
  const replay = Readable.from([rawBody], { objectMode: false }) as Readable & { receivedEncodedLength?: number }
  replay.receivedEncodedLength = rawBody.length
  return replay
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
    // After the reply (a parser error, say), a late listener is harmless.
    if (reply.sent) return
    const error = new ConfigurationError(`fastify-magnetis-webhooks: ${where}: something in this route's scope, most likely a content-type parser, reads request.raw, ` +
      'which the plugin already read to check the signature, so it would wait forever: make that parser read its `payload` argument (the same bytes, replayed), ' +
      'or declare the webhook route in a scope without that parser, or use the plugin\'s `path` option')
    request.log.error(error.message)
    // At once: a reader that gives up on an ended stream would otherwise answer first, with a misleading error.
    reply.send(error)
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

/** What can never verify (415, 401, 413 declared), refused before a byte is read; `undefined` when the body may be read. */
function refusalOf (request: FastifyRequest, anyMediaType: boolean, limit: number): Error | undefined {
  const headers = request.headers
  if (!anyMediaType && bodyEncodingOf(headers['content-type']) === undefined) return unsupportedMediaType(headers['content-type'])
  const encoding = headers['content-encoding']
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return new UnsupportedMediaTypeError('a Content-Encoding is not supported: the signature covers the body as sent, send it unencoded')
  }
  const signature = headers[SIGNATURE_HEADER]
  if (signature === undefined || signature === '') return new MissingSignatureError()
  const declared = Number(headers['content-length'])
  if (declared > limit) return new BodyTooLargeError(limit)
  return undefined
}

/**
 * Reads a stream whole, up to `limit` bytes.
 * @throws {BodyTooLargeError} (413) past the limit, without destroying the stream, so the reply can still be written
 */
export function readStream (stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    readStreamInto(stream, limit, (error, body) => {
      if (error === null) resolve(body as Buffer)
      else reject(error)
    })
  })
}

/** `readStream` with a callback, called once: the body, or {BodyTooLargeError} (413) past the limit, or {MalformedBodyError} (400) for a stream that fails (its error as `cause`; one with a 4xx `statusCode` is passed on as it is) or closes before its end. */
export function readStreamInto (stream: Readable, limit: number, done: CaptureDone): void {
  const chunks: Buffer[] = []
  let received = 0
  const onData = (data: Buffer | string): void => {
    // An earlier preParsing hook may hand on text; the limit and the signature are about bytes.
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    received += chunk.length
    if (received > limit) {
      finish()
      // What still arrives is dropped, not buffered.
      stream.resume()
      done(new BodyTooLargeError(limit))
      return
    }
    chunks.push(chunk)
  }
  const onEnd = (): void => {
    finish()
    // One chunk (most webhook bodies) is the body itself: no copy.
    done(null, chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, received))
  }
  // A body cut short is the client's doing (an aborted upload): a 400, which Fastify logs as a request's fault, not a
  // 500 at error level. An error that already names a 4xx (from an earlier preParsing hook's stream) keeps it.
  const onError = (error: Error & { statusCode?: unknown }): void => {
    finish()
    const clientError = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500
    done(clientError ? error : new MalformedBodyError(`the request body could not be read whole (${error.message})`, { cause: error }))
  }
  const onClose = (): void => {
    finish()
    done(new MalformedBodyError('the request was closed before its body was complete'))
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
}
