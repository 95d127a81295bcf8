/** The body of every delivery, `{ event, data }` (vendor page sample); `data` is checked later against its resource's schema. */
import { Type, type Static } from '@sinclair/typebox'

/** `{ event, data }`: `event` a non-empty name (unknown names allowed), `data` an object; other top-level fields are kept. */
export const WebhookEnvelope = Type.Object({
  event: Type.String({ minLength: 1, description: 'the event name, such as "call:completed" or "test"' }),
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'the resource: a call, an email or a lead' })
}, { description: 'a webhook delivery' })
/** A delivery body `{ event, data }` (TypeScript type of the `WebhookEnvelope` schema). */
export type WebhookEnvelope = Static<typeof WebhookEnvelope>
