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
  // One line per event with what identifies it (`fields` of its data), then the caller's onEvent.
  const handler = (message, fields) => async (event, request, context) => {
    context.log.info(fields(event.data), message)
    onEvent(event)
  }

  app.get('/health', async () => ({ ok: true }))

  await app.register(magnetisWebhooks, {
    path: '/webhooks/magnetis',
    url,
    key,
    inbox,
    // Log ids and durations, never full phone numbers. context.log is bound to the inbox row, when there is one.
    onCallCompleted: handler('call completed', (call) => ({ call: call.id, duration: call.duration })),
    onCallMissed: handler('call missed', (call) => ({ call: call.id })),
    onCallRinging: handler('call ringing', (call) => ({ call: call.id })),
    onEmailReceived: handler('email received', (email) => ({ email: email.id })),
    onLeadCreated: handler('lead created', (lead) => ({ lead: lead.id })),
    onTest: async (event, request, context) => {
      context.log.info({ resource: event.resource }, 'test event from the Magnétis test panel')
      onEvent(event)
    }
  })
  return app
}
