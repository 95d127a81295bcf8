/**
 * The body of every delivery: `{ "event": "…", "data": { … } }`, as in the
 * vendor page's sample (whose `event` is `"test"`). Only the envelope is
 * checked here; `data` is checked against its resource's schema once the
 * event name tells which resource it is.
 */
import { Type, type Static } from '@sinclair/typebox'

/**
 * `{ event, data }`: `event` a non-empty event name (documented or not: an
 * unknown name is not an error), `data` an object (not an array). Other
 * top-level fields are kept.
 */
export const WebhookEnvelope = Type.Object({
  event: Type.String({ minLength: 1, description: 'the event name, such as "call:completed" or "test"' }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'the resource: a call, an email or a lead' })
}, { description: 'a webhook delivery' })
/** A delivery body `{ event, data }` (TypeScript type of the `WebhookEnvelope` schema). */
export type WebhookEnvelope = Static<typeof WebhookEnvelope>
