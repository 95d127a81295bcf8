/**
 * The CALL resource: the `data` of `call:completed`, `call:missed` and
 * `call:ringing`, and of a `test` event sent for the CALL data model. Every
 * field, its requiredness and its nullability follow the `call:completed`
 * sample of the vendor page ("Webhook Configuration"); where the sample
 * cannot tell, the field's description says what we read into it.
 */
import { Type, type Static } from '@sinclair/typebox'
import { Account, Nullable, Seconds, VendorDateTime, Visitor } from './shared.js'

/** One step of the call's timeline: `data.events[]` of the sample (from the page). */
export const CallEvent = Type.Object({
  date: VendorDateTime('when the step happened'),
  name: Type.String({ description: 'the step, such as "call:in", "call:out", "call:ringing", "call:answered", "call:completed"' }),
  value: Nullable(Type.String(), {
    default: null,
    description: 'the step\'s detail: the number dialled for "call:out" / "call:ringing" / "call:answered", the outcome ("no-answer") for "call:completed"; null for "call:in"'
  })
}, { description: 'one step of the call timeline' })
/** One step of a call timeline (TypeScript type of the `CallEvent` schema). */
export type CallEvent = Static<typeof CallEvent>

/**
 * An incoming call on a tracked number, exactly the fields of the vendor
 * page's `call:completed` sample. Numbers are international without `+`
 * (`"0033612345678"`); dates are `"YYYY-MM-DD HH:MM:SS"` in the vendor's
 * local time; durations are whole seconds. `google_ads_extension`,
 * `visitor.msclkid` and `events[].value` are null in the sample; `visitor.ga`
 * and `visitor.gclid` are nullable by our reading (see `Visitor`); array
 * fields default to `[]` because a form body cannot carry an empty array.
 */
export const Call = Type.Object({
  id: Type.String({ description: 'call id, "call-" then a UUID in the sample' }),
  account: Account,
  calling_country: Type.String({ description: 'caller\'s country, ISO 3166-1 alpha-3 ("FRA")' }),
  calling_number: Type.String({ description: 'caller\'s number, international without "+" ("0033612345678")' }),
  calling_type: Type.String({ description: 'kind of the caller\'s number, such as "mobile"' }),
  channel_name: Type.String({ description: 'marketing channel the call is attributed to, such as "Google Ads"' }),
  channel_type: Type.String({ description: 'that channel\'s type, such as "googleads"' }),
  date: VendorDateTime('when the call started'),
  duration: Seconds('length of the call from its start'),
  end_status: Type.String({ description: 'how the call ended, such as "completed"' }),
  events: Type.Array(CallEvent, { default: [], description: 'the call timeline, oldest first; [] by default because a form body cannot carry an empty list' }),
  firsttime_caller: Type.Boolean({ description: 'true when this number never called the account before' }),
  flow_status: Type.String({ description: 'state of the call flow, such as "completed"' }),
  google_ads_extension: Type.Unknown({ default: null, description: 'Google Ads call extension data; null in the sample, so its shape is unknown' }),
  missed: Type.Boolean({ description: 'true when nobody answered' }),
  number_id: Type.String({ description: 'tracked number id, "num-" then a UUID in the sample' }),
  pool_id: Type.String({ description: 'number pool id, "pul-" then a UUID in the sample' }),
  recipient_number: Type.String({ description: 'number the call was forwarded to, international without "+"' }),
  tracked_country: Type.String({ description: 'tracked number\'s country, ISO 3166-1 alpha-3' }),
  tracked_number: Type.String({ description: 'the tracked number that was called, international without "+"' }),
  tracked_type: Type.String({ description: 'kind of the tracked number, such as "geographic"' }),
  voice_duration: Seconds('voice time as the vendor counts it (equal to duration in the sample)'),
  visitor: Visitor
}, { description: 'CALL resource: an incoming call on a tracked number' })
/** The `data` of a call event (TypeScript type of the `Call` schema). */
export type Call = Static<typeof Call>
