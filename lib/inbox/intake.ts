// The inbox's request side: a verified delivery becomes a row and the 200 waits for its commit; nothing unsigned gets here.
import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { ReadBody } from '../body/read.js'
import { InboxUnavailableError } from '../errors.js'
import { readEnvelope } from '../events/read.js'
import type { InboxIntake, InboxReceipt } from '../receive.js'
import { SIGNATURE_HEADER } from '../signature/sign.js'
import { unflattenPairs } from '../signature/unflatten.js'
import type { InboxDelivery } from './store.js'
import type { InboxWorker } from './worker.js'

/** The intake of one route into a worker's store; `maxDepth` bounds the decoding of a form body's envelope. */
export function createIntake (worker: InboxWorker, maxDepth: number): InboxIntake {
  return {
    async store (request: FastifyRequest, rawBody: Buffer, body: ReadBody): Promise<InboxReceipt> {
      // The envelope is checked as without an inbox (400): a body with no event name is no webhook to keep.
      const { name, data } = readEnvelope(body.json ?? unflattenPairs(body.pairs, { maxDepth }), body.encoding)
      // Data that is no object is kept too: the worker marks it invalid, where it can be replayed.
      const id = typeof data === 'object' && data !== null ? (data as { id?: unknown }).id : undefined
      const dataId = typeof id === 'string' ? id : typeof id === 'number' ? String(id) : null
      const delivery: InboxDelivery = {
        body: rawBody,
        bodySha256: createHash('sha256').update(rawBody).digest('hex'),
        contentType: request.headers['content-type'] ?? null,
        signature: String(request.headers[SIGNATURE_HEADER]),
        route: { method: request.method, url: request.routeOptions.url as string },
        params: { ...request.params as Record<string, string> },
        event: name,
        dataId,
        receivedAt: worker.settings.clock.now()
      }
      let stored
      try {
        stored = await worker.insert(delivery)
      } catch (error) {
        request.log.error({ err: error, event: name }, 'fastify-magnetis-webhooks: the inbox could not store a verified delivery; replied 503 so that it may be sent again')
        throw new InboxUnavailableError(`the ${worker.store.kind} inbox could not store the delivery; send it again later`, { cause: error })
      }
      if (stored.duplicate) {
        request.log.info({ delivery: stored.id, event: name }, 'fastify-magnetis-webhooks: a delivery already in the inbox was received again; it is not handled again')
      }
      return { ok: true, event: name, id: dataId, delivery: stored.id, duplicate: stored.duplicate }
    }
  }
}
