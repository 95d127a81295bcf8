// preParsing: keeps the bytes the signature covers, then hands the route's own parsers a replay of them.
import { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { bodyEncodingOf, unsupportedMediaType } from './media-types.js'
import { BodyTooLargeError, MissingSignatureError, UnsupportedMediaTypeError } from '../errors.js'
import { SIGNATURE_HEADER } from '../signature/sign.js'

/** Where the raw body waits between preParsing and the verifying preHandler. */
export const kRawBody = Symbol('fastify-magnetis-webhooks.rawBody')

declare module 'fastify' {
  interface FastifyRequest {
    [kRawBody]?: Buffer | undefined
  }
}

/** `bodyLimit` in bytes (`undefined`: the route's); `anyMediaType` when a `pairsFromBody` option reads the body. */
export interface CaptureOptions {
  bodyLimit: number | undefined
  anyMediaType: boolean
}

/** Refuses what can never verify before reading a byte (415, 401, 413 declared), then reads up to the limit (413); refusals close the connection. */
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
 * Reads a stream whole, up to `limit` bytes.
 * @throws {BodyTooLargeError} (413) past the limit, without destroying the stream, so the reply can still be written
 */
export function readStream (stream: Readable, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
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
