// The preParsing capture as a promise, for tests that await its outcome.
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { captureRawBody, type CaptureOptions } from '../../lib/body/capture.js'

/** `captureRawBody(options)` as a promise of the raw body (rejected with the error it calls back with); the route's own limit read from the request. */
export function capturing (options: CaptureOptions) {
  const capture = captureRawBody(options)
  return (request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Buffer> => new Promise((resolve, reject) => {
    capture(request, reply, payload, undefined, (error, rawBody) => {
      if (error === null) resolve(rawBody as Buffer)
      else reject(error)
    })
  })
}
