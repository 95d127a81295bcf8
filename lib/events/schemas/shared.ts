/**
 * Parts shared by the CALL, EMAIL and LEAD resources, read from the
 * `call:completed` sample of the vendor page ("Webhook Configuration").
 *
 * Two rules run through every schema of this folder:
 * - a field that is `null` or `[]` in the sample has a `default` (`null` or
 *   `[]`): a form body cannot carry `null` or an empty array (they send no
 *   pair at all), so the validator fills them back from the defaults and a
 *   form and a JSON delivery of one event reach handlers deep-equal;
 * - objects keep unknown extra fields (no `additionalProperties: false`):
 *   the vendor may add fields, and a new field must not turn deliveries into
 *   422 replies.
 */
import { Type, type Static, type TSchema, type TNull, type TUnion, type SchemaOptions } from '@sinclair/typebox'

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

/** A duration in whole seconds, as `duration` and `voice_duration` of the sample (`43`). */
export function Seconds (description: string): ReturnType<typeof Type.Integer> {
  return Type.Integer({ minimum: 0, description: `${description}, in whole seconds` })
}

/** The account that owns the tracked number or address: `data.account` of the sample (from the page). */
export const Account = Type.Object({
  id: Type.String({ description: 'account id, "acc-" then a UUID in the sample' }),
  name: Type.String({ description: 'account name as shown in the vendor interface' })
}, { description: 'the account the resource belongs to' })
/** The account a resource belongs to (TypeScript type of the `Account` schema). */
export type Account = Static<typeof Account>

/** One UTM parameter of the visitor's landing page: `data.visitor.utm[]` of the sample (from the page). */
export const Utm = Type.Object({
  key: Type.String({ description: 'parameter name, such as "utm_source"' }),
  value: Type.String({ description: 'parameter value, such as "googleads"' })
}, { description: 'one UTM parameter' })
/** One UTM parameter (TypeScript type of the `Utm` schema). */
export type Utm = Static<typeof Utm>

/**
 * The web visitor the tracked number was shown to (dynamic number
 * insertion): `data.visitor` of the sample. Every field is from the page;
 * the nullability of `ga` and `gclid` is our reading (see each field).
 */
export const Visitor = Type.Object({
  condition_name: Type.String({ description: 'name of the pool condition the visit matched, such as "Google Ads"' }),
  condition_type: Type.String({ description: 'type of that condition, such as "google_ads"' }),
  custom_cookies: Type.Array(Type.Unknown(), { default: [], description: 'custom cookies captured on the visit; [] in the sample, item shape unknown' }),
  custom_local_storage: Type.Array(Type.Unknown(), { default: [], description: 'custom local-storage entries captured on the visit; [] in the sample, item shape unknown' }),
  custom_params: Type.Array(Type.Unknown(), { default: [], description: 'custom URL parameters captured on the visit; [] in the sample, item shape unknown' }),
  ga: Nullable(Type.String(), {
    default: null,
    description: 'Google Analytics client id ("GA1.1.…"); our reading: null when the visitor has no GA cookie'
  }),
  gclid: Nullable(Type.String(), {
    default: null,
    description: 'Google Ads click id; our reading: null when the visit is not a Google Ads click, as msclkid is null in the sample'
  }),
  msclkid: Nullable(Type.String(), { default: null, description: 'Microsoft Ads click id; null in the sample' }),
  utm: Type.Array(Utm, { default: [], description: 'UTM parameters of the landing page, as {key, value} items' }),
  valuetrack: Type.Array(Type.Unknown(), { default: [], description: 'Google Ads ValueTrack parameters; [] in the sample, item shape unknown' }),
  '3rdparty': Type.Array(Type.Unknown(), { default: [], description: 'third-party identifiers; [] in the sample, item shape unknown' })
}, { description: 'the web visitor attributed to the call' })
/** The web visitor attributed to a call (TypeScript type of the `Visitor` schema). */
export type Visitor = Static<typeof Visitor>
