/**
 * The two media types a Magnétis delivery can carry, and the one 415 message
 * for anything else. Every module that names a media type imports it from here.
 */
import { UnsupportedMediaTypeError } from '../errors.js'

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded'
export const JSON_MEDIA_TYPE = 'application/json'

/** The two encodings of the vendor's POST. */
export type BodyEncoding = 'form' | 'json'

/** The media type of each encoding, for requests we build (CLI, tests). */
export const MEDIA_TYPES: Record<BodyEncoding, string> = { form: FORM_MEDIA_TYPE, json: JSON_MEDIA_TYPE }

/**
 * The encoding named by a `Content-Type` header value: its media type,
 * compared case-insensitively, parameters (such as `charset`) ignored.
 *
 * @returns `'form'`, `'json'`, or `undefined` for anything else (including a missing header)
 */
export function bodyEncodingOf (contentType: string | undefined): BodyEncoding | undefined {
  if (contentType === undefined) return undefined
  // The vendor's own header values, as sent: no parsing.
  if (contentType === JSON_MEDIA_TYPE) return 'json'
  if (contentType === FORM_MEDIA_TYPE) return 'form'
  const semicolon = contentType.indexOf(';')
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
  if (mediaType === FORM_MEDIA_TYPE) return 'form'
  if (mediaType === JSON_MEDIA_TYPE) return 'json'
  return undefined
}

/** The 415 for a media type that is neither form nor JSON. */
export function unsupportedMediaType (contentType: string | undefined): UnsupportedMediaTypeError {
  return new UnsupportedMediaTypeError(
    `the media type ${JSON.stringify(contentType ?? '')} is not supported: send ${FORM_MEDIA_TYPE} or ${JSON_MEDIA_TYPE}`)
}
