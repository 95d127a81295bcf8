/**
 * Parts shared by the CALL, EMAIL and LEAD resources, read from the
 * `call:completed` sample of the vendor page ("Webhook Configuration").
 *
 * Rules that run through every schema of this folder (docs/readme/resources.md):
 * - a field is guaranteed only when the resource means nothing without it;
 *   every other field is `Optional(Nullable(…))`: a ringing, missed,
 *   anonymous or unattributed call lacks some of them, and refusing a
 *   signed delivery loses it (the vendor documents no retries);
 * - each optional field is filled when absent: with `null` (its `default`),
 *   or with `[]` for the lists of the sample (`absentAs: []`, not a
 *   `default`, which TypeBox's `Value.Default` would merge a present object
 *   into: `{"promo": "x"}` → `[]`; see `shapeBySchema`). A form body cannot carry
 *   `null`, `[]` or `{}` (they send no pair), so a form and a JSON delivery
 *   of one event reach handlers deep-equal;
 * - a list of the sample is a PHP array: a list or an object (`PhpList`,
 *   `PhpArray`), kept as it arrives;
 * - objects keep unknown extra fields (no `additionalProperties: false`).
 */
import {
  Type, type Static, type SchemaOptions, type TArray, type TNull, type TOptional, type TRecord, type TSchema, type TString, type TUnion, type TUnknown
} from '@sinclair/typebox'

/**
 * `T | null`: the non-null type first, so that form values are converted to
 * it before `null` is tried (a form text `"null"` stays the string "null").
 *
 * @param schema the type of the field when it is not null
 * @param options annotations of the union, typically `{ default: null }`
 */
export function Nullable<T extends TSchema> (schema: T, options?: SchemaOptions): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()], options)
}

/**
 * A field that may be absent or null (`field?: T | null`), filled with
 * `null` when absent so that form and JSON deliveries agree.
 *
 * @param schema the type of the field when it is present and not null
 * @param description what the field holds, and when it is null or absent
 */
export function Maybe<T extends TSchema> (schema: T, description: string): TOptional<TUnion<[T, TNull]>> {
  return Type.Optional(Nullable(schema, { default: null, description }))
}

/**
 * A PHP array of `items`, which is a list or a map: a JSON list (`["a"]`) or
 * object (`{"promo": "ETE24"}`, or `{"1": …, "3": …}` after PHP's
 * `array_filter`), kept as it arrives (keys are never dropped); an item may
 * be `null` (a form's hole). Optional and nullable; `[]` when absent.
 * `Object.values(field ?? [])` reads either as a list.
 */
export function PhpList<T extends TSchema> (items: T, description: string): TOptional<TUnion<[TRecord<TString, TUnion<[T, TNull]>>, TArray<TUnion<[T, TNull]>>, TNull]>> {
  // The map first: TypeBox's Value.Convert would wrap a map into a one-item list.
  return Type.Optional(Type.Union([Type.Record(Type.String(), Nullable(items)), Type.Array(Nullable(items)), Type.Null()], {
    absentAs: [],
    description: `${description}; a PHP array: a list or an object, kept as it arrives; [] when absent`
  }))
}

/** A field the sample shows as `[]`, items of unknown shape: `PhpList` of anything. */
export function PhpArray (description: string): TOptional<TUnion<[TRecord<TString, TUnion<[TUnknown, TNull]>>, TArray<TUnion<[TUnknown, TNull]>>, TNull]>> {
  return PhpList(Type.Unknown(), description)
}

/**
 * A date as the vendor sends it: `"YYYY-MM-DD HH:MM:SS"` (`"2023-08-30
 * 13:57:30"` in the sample), in the vendor's local time with no zone, so it
 * cannot be turned into an instant without knowing the account's time zone.
 * Not checked against a pattern: a change of format must not reject deliveries.
 */
export function VendorDateTime (description: string): ReturnType<typeof Type.String> {
  return Type.String({
    description: `${description}: "YYYY-MM-DD HH:MM:SS", the vendor's local time, no time zone`,
    examples: ['2023-08-30 13:57:30']
  })
}

/**
 * A duration in seconds, as `duration` and `voice_duration` of the sample
 * (`43`). A number, not an integer: the sample shows whole seconds, but a
 * fractional value (`43.5`) is kept as sent, never truncated nor refused.
 */
export function Seconds (description: string): ReturnType<typeof Type.Number> {
  return Type.Number({ description: `${description}, in seconds (whole in the sample; a fraction is kept)` })
}

/** The account that owns the tracked number or address: `data.account` of the sample; each field may be absent or null. */
export const Account = Type.Object({
  id: Maybe(Type.String(), 'account id, "acc-" then a UUID in the sample'),
  name: Maybe(Type.String(), 'account name as shown in the vendor interface')
}, { description: 'the account the resource belongs to' })
/** The account a resource belongs to (TypeScript type of the `Account` schema). */
export type Account = Static<typeof Account>

/** One UTM parameter of the visitor's landing page: `data.visitor.utm[]` of the sample; each field may be absent or null. */
export const Utm = Type.Object({
  key: Maybe(Type.String(), 'parameter name, such as "utm_source"'),
  value: Maybe(Type.String(), 'parameter value, such as "googleads"')
}, { description: 'one UTM parameter' })
/** One UTM parameter (TypeScript type of the `Utm` schema). */
export type Utm = Static<typeof Utm>

/**
 * The web visitor the tracked number was shown to (dynamic number
 * insertion): `data.visitor` of the sample. Every field is from the page;
 * none is guaranteed: a visit matched by another condition has no click
 * ids, and one with no cookies has no `ga`.
 */
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
/** The web visitor attributed to a call (TypeScript type of the `Visitor` schema). */
export type Visitor = Static<typeof Visitor>
