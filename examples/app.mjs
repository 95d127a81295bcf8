// An existing Fastify app that receives Magnétis webhooks: the shortest real
// integration, used by `npm start` (server.mjs) and `npm run demo` (demo.mjs).
import Fastify from 'fastify'
import magnetisWebhooks from '../dist/esm/index.js'

/**
 * @param {{ key: string, url: string, logger?: boolean | object, onEvent?: (event: object) => void, inbox?: object }} options
 *   key: the webhook's signature key; url: the endpoint URL exactly as typed in the Magnétis interface;
 *   onEvent: called by every handler with the event it received (the demo counts them);
 *   inbox: a store such as sqliteInbox({ file }): each verified delivery is stored before the 200 and
 *   handled from the store, with retries (without it, handlers run inside the request).
 */
export async function buildApp ({ key, url, logger = true, onEvent = () => {}, inbox }) {
  const app = Fastify({ logger })

  app.get('/health', async () => ({ ok: true }))

  await app.register(magnetisWebhooks, {
    path: '/webhooks/magnetis',
    url,
    key,
    inbox,
    // Log ids and durations, never full phone numbers. context.log is bound to the inbox row, when there is one.
    onCallCompleted: async (event, request, context) => {
      context.log.info({ call: event.data.id, duration: event.data.duration }, 'call completed')
      onEvent(event)
    },
    onCallMissed: async (event, request, context) => {
      context.log.info({ call: event.data.id }, 'call missed')
      onEvent(event)
    },
    onCallRinging: async (event, request, context) => {
      context.log.info({ call: event.data.id }, 'call ringing')
      onEvent(event)
    },
    onEmailReceived: async (event, request, context) => {
      context.log.info({ email: event.data.id }, 'email received')
      onEvent(event)
    },
    onLeadCreated: async (event, request, context) => {
      context.log.info({ lead: event.data.id }, 'lead created')
      onEvent(event)
    },
    onTest: async (event, request, context) => {
      context.log.info({ resource: event.resource }, 'test event from the Magnétis test panel')
      onEvent(event)
    }
  })
  return app
}
