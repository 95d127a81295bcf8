/** fastify-magnetis-webhooks: verified, typed Magnétis webhooks for Fastify 5. Each export is in the README's API section. */
import magnetisWebhooks from './plugin.js'

export default magnetisWebhooks
export { magnetisWebhooks }
export type { MagnetisWebhooksOptions, WebhookRouteOptions } from './options.js'

export { MagnetisWebhooks } from './events/handlers.js'
export { isWebhookEvent } from './events/read.js'
export { EVENT_NAMES } from './events/names.js'
export type { EventName } from './events/names.js'
export type { AnyWebhookEvent, WebhookEvent, WebhookHandler, WebhookErrorHandler, WebhookContext } from './events/types.js'
export { Call, Email, Lead } from './events/schemas/index.js'

// For your tests: requests as the vendor sends them. The rule itself: ./signature/index.ts; the inbox: ./inbox/index.ts.
export { signedRequest } from './signature/signed-request.js'
export { samplePayload } from './events/samples.js'

export { MagnetisWebhookError, HandlerError, InvalidEventError } from './errors.js'
