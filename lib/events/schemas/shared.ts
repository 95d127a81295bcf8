/** Parts shared by the CALL, EMAIL and LEAD schemas, from the vendor page's `call:completed` sample; their rules (nullable fields, fill when absent, PHP arrays, extra fields kept) are in docs/resources.md. */
import {
  Type, type Static, type SchemaOptions, type TArray, type TNull, type TOptional, type TRecord, type TSchema, type TString, type TUnion, type TUnknown
} from '@sinclair/typebox'

/** `T | null`, non-null first so a form value converts to `T` before `null` is tried (form text `"null"` stays a string); `options` annotate the union. */
export function Nullable<T extends TSchema> (schema: T, options?: SchemaOptions): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()], options)
}

/** `field?: T | null`, filled with `null` when absent so form and JSON deliveries agree; `description` says when it is null. */
export function Maybe<T extends TSchema> (schema: T, description: string): TOptional<TUnion<[T, TNull]>> {
  return Type.Optional(Nullable(schema, { default: null, description }))
}

/** A PHP array of `items`: a list or an object, kept as it arrives, items nullable; optional, nullable, `[]` when absent (docs/resources.md "PHP arrays"). */
export function PhpList<T extends TSchema> (items: T, description: string): TOptional<TUnion<[TRecord<TString, TUnion<[T, TNull]>>, TArray<TUnion<[T, TNull]>>, TNull]>> {
  // Map first: Value.Convert would wrap a map into a one-item list. `absentAs`, not `default`: Value.Default would merge a present object into `[]`.
  return Type.Optional(Type.Union([Type.Record(Type.String(), Nullable(items)), Type.Array(Nullable(items)), Type.Null()], {
    absentAs: [],
    description: `${description}; a PHP array: a list or an object, kept as it arrives; [] when absent`
  }))
}

/** A field the sample shows as `[]`, items of unknown shape: `PhpList` of anything. */
export function PhpArray (description: string): TOptional<TUnion<[TRecord<TString, TUnion<[TUnknown, TNull]>>, TArray<TUnion<[TUnknown, TNull]>>, TNull]>> {
  return PhpList(Type.Unknown(), description)
}

/** A vendor date, `"YYYY-MM-DD HH:MM:SS"` in the vendor's local time with no zone; no pattern check, so a format change rejects nothing. */
export function VendorDateTime (description: string): ReturnType<typeof Type.String> {
  return Type.String({
    description: `${description}: "YYYY-MM-DD HH:MM:SS", the vendor's local time, no time zone`,
    examples: ['2023-08-30 13:57:30']
  })
}

/** A duration in seconds (`duration`, `voice_duration`); a number, not an integer, so `43.5` is kept as sent. */
export function Seconds (description: string): ReturnType<typeof Type.Number> {
  return Type.Number({ description: `${description}, in seconds (whole in the sample; a fraction is kept)` })
}

/** The account that owns the tracked number or address: `data.account` of the sample; each field may be absent or null. */
export const Account = Type.Object({
  id: Maybe(Type.String(), 'account id, "acc-" then a UUID in the sample'),
  name: Maybe(Type.String(), 'account name as shown in the vendor interface')
}, { description: 'the account the resource belongs to' })
export type Account = Static<typeof Account>

/** One UTM parameter of the visitor's landing page: `data.visitor.utm[]` of the sample; each field may be absent or null. */
export const Utm = Type.Object({
  key: Maybe(Type.String(), 'parameter name, such as "utm_source"'),
  value: Maybe(Type.String(), 'parameter value, such as "googleads"')
}, { description: 'one UTM parameter' })
export type Utm = Static<typeof Utm>

/** The web visitor the tracked number was shown to: `data.visitor` of the sample; no field is guaranteed. */
export const Visitor = Type.Object({
  condition_name: Maybe(Type.String(), 'name of the pool condition the visit matched, such as "Google Ads"'),
  condition_type: Maybe(Type.String(), 'type of that condition, such as "google_ads"'),
  custom_cookies: PhpArray('custom cookies captured on the visit; [] in the sample'),
  custom_local_storage: PhpArray('custom local-storage entries captured on the visit; [] in the sample'),
  custom_params: PhpArray('custom URL parameters captured on the visit, such as {"promo": "ETE24"}; [] in the sample'),
  ga: Maybe(Type.String(), 'Google Analytics client id ("GA1.1.…"); null when the visitor has no GA cookie'),
  gclid: Maybe(Type.String(), 'Google Ads click id; null when the visit is not a Google Ads click, as msclkid is null in the sample'),
  msclkid: Maybe(Type.String(), 'Microsoft Ads click id; null in the sample'),
  utm: PhpList(Utm, 'UTM parameters of the landing page, as {key, value} items'),
  valuetrack: PhpArray('Google Ads ValueTrack parameters; [] in the sample'),
  '3rdparty': PhpArray('third-party identifiers; [] in the sample')
}, { description: 'the web visitor attributed to the resource' })
export type Visitor = Static<typeof Visitor>
