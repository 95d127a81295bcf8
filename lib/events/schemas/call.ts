/** The CALL resource (`call:*` events, CALL `test`): fields and types of the page's `call:completed` sample; which may be absent is our reading (docs/resources.md). */
import { Type, type Static } from '@sinclair/typebox'
import { Account, Maybe, PhpList, Seconds, VendorDateTime, Visitor } from './shared.js'

/** One step of the call's timeline: `data.events[]` of the sample (from the page); each field may be absent or null. */
export const CallEvent = Type.Object({
  date: Maybe(VendorDateTime('when the step happened'), 'when the step happened'),
  name: Maybe(Type.String(), 'the step, such as "call:in", "call:out", "call:ringing", "call:answered", "call:completed"'),
  value: Maybe(Type.String(), 'the step\'s detail: the number dialled for "call:out" / "call:ringing" / "call:answered", the outcome ("no-answer") for "call:completed"; null for "call:in"')
}, { description: 'one step of the call timeline' })
export type CallEvent = Static<typeof CallEvent>

/** An incoming call (`call:completed` sample): numbers international without `+`, vendor-local dates, durations in seconds; only `id` is guaranteed, the rest is nullable and filled when absent (docs/resources.md). */
export const Call = Type.Object({
  id: Type.String({ description: 'call id, "call-" then a UUID in the sample; the one guaranteed field' }),
  account: Maybe(Account, 'the account that owns the tracked number'),
  calling_country: Maybe(Type.String(), 'caller\'s country, ISO 3166-1 alpha-3 ("FRA"); null when the caller is withheld'),
  calling_number: Maybe(Type.String(), 'caller\'s number, international without "+" ("0033612345678"); null when the caller is withheld'),
  calling_type: Maybe(Type.String(), 'kind of the caller\'s number, such as "mobile"; null when the caller is withheld'),
  channel_name: Maybe(Type.String(), 'marketing channel the call is attributed to, such as "Google Ads"; null when unattributed'),
  channel_type: Maybe(Type.String(), 'that channel\'s type, such as "googleads"; null when unattributed'),
  date: Maybe(VendorDateTime('when the call started'), 'when the call started'),
  duration: Maybe(Seconds('length of the call from its start'), 'length of the call from its start, in seconds; 0 or null while it rings'),
  end_status: Maybe(Type.String(), 'how the call ended, such as "completed"; null while it is in progress'),
  events: PhpList(CallEvent, 'the call timeline, oldest first'),
  firsttime_caller: Maybe(Type.Boolean(), 'true when this number never called the account before; null when the caller is withheld'),
  flow_status: Maybe(Type.String(), 'state of the call flow, such as "completed"'),
  google_ads_extension: Type.Optional(Type.Unknown({ default: null, description: 'Google Ads call extension data; null in the sample, so its shape is unknown' })),
  missed: Maybe(Type.Boolean(), 'true when nobody answered; null while it rings'),
  number_id: Maybe(Type.String(), 'tracked number id, "num-" then a UUID in the sample'),
  pool_id: Maybe(Type.String(), 'number pool id, "pul-" then a UUID in the sample; null for a number outside any pool'),
  recipient_number: Maybe(Type.String(), 'number the call was forwarded to, international without "+"; null when it was never forwarded'),
  tracked_country: Maybe(Type.String(), 'tracked number\'s country, ISO 3166-1 alpha-3'),
  tracked_number: Maybe(Type.String(), 'the tracked number that was called, international without "+"'),
  tracked_type: Maybe(Type.String(), 'kind of the tracked number, such as "geographic"'),
  voice_duration: Maybe(Seconds('voice time as the vendor counts it'), 'voice time as the vendor counts it (equal to duration in the sample), in seconds; null while ringing or when missed'),
  visitor: Maybe(Visitor, 'the web visitor the tracked number was shown to; null for a direct call with no web session')
}, { description: 'CALL resource: an incoming call on a tracked number' })
/** The `data` of a call event (TypeScript type of the `Call` schema). */
export type Call = Static<typeof Call>
