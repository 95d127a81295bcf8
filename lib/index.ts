/**
 * fastify-magnetis-webhooks: receive Magnétis call-tracking webhooks in a
 * Fastify 5 app, verified and typed. Public exports only; see the README.
 */
import magnetisWebhooks from './plugin.js'

export default magnetisWebhooks
export { magnetisWebhooks }
export { MagnetisWebhooks } from './dispatch.js'
export { isWebhookEvent } from './event.js'
export type { MagnetisWebhooksOptions, WebhookRouteOptions, Resolvable } from './options.js'
export type {
  AnyWebhookEvent, AnyWebhookHandler, OtherEvent, ProductionEvent, ProductionEventName, ResourceData,
  TestEvent, UnvalidatedEvent, WebhookErrorHandler, WebhookEvent, WebhookHandler
} from './types.js'
export { signatureBaseString, sign, verifySignature, SIGNATURE_HEADER } from './signature.js'
export type { SignaturePayload, SignatureKeys, VerifySignatureOptions } from './signature.js'
export { pairsFromBody, bodyEncodingOf } from './body.js'
export type { BodyEncoding } from './body.js'
export { flattenPayload, DEFAULT_MAX_DEPTH } from './flatten.js'
export type { Pair } from './flatten.js'
export {
  MagnetisWebhookError, UnsupportedMediaTypeError, MalformedBodyError, BodyTooLargeError, MissingSignatureError,
  InvalidSignatureError, NoSignatureKeyError, InvalidEventError, HandlerError, ConfigurationError
} from './errors.js'
export { EVENT_NAMES, RESOURCE_NAMES, EVENT_RESOURCES, HANDLER_OPTIONS, resourceOfEvent } from './events.js'
export type { EventName, ResourceName } from './events.js'
export { signedRequest } from './signed-request.js'
export type { SignedRequest } from './signed-request.js'
export { Account, Call, CallEvent, Email, Lead, Utm, Visitor, WebhookEnvelope, RESOURCE_SCHEMAS } from './schemas/index.js'
export { SAMPLE_PAYLOADS, samplePayload } from './samples.js'
export type { SampleEnvelope, SamplePayloads } from './samples.js'
export { unflattenPairs, DEFAULT_MAX_ARRAY_INDEX } from './decode.js'
export type { FormValue, FormObject, UnflattenOptions } from './decode.js'
export { createResourceValidator, inferTestResource } from './resource.js'
export type { ResourceValidator, PrepareResult, ResourceError, ResourceDataOf } from './resource.js'
