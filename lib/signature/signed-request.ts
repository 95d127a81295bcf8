// Signed requests as the vendor sends them, for tests, the demo and the CLI: the mirror of what the plugin verifies.
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE, type BodyEncoding } from '../body/media-types.js'
import { flattenPayload } from './flatten.js'
import { sign } from './sign.js'

/** A request ready to send: headers (media type and `x-calltracking-signature`) and the body text (UTF-8). */
export interface SignedRequest {
  headers: { 'content-type': string, 'x-calltracking-signature': string }
  body: string
}

/**
 * Encodes an envelope (`{ event, data }`) as a JSON or form body (its `http_build_query` pairs) and signs it for `url`.
 * @throws {TypeError} for an empty key; {MalformedBodyError} (400) past 32 levels of nesting
 */
export function signedRequest (key: string, url: string, payload: Record<string, unknown>, as: BodyEncoding = 'json'): SignedRequest {
  const signature = sign(key, url, payload)
  if (as === 'form') {
    return {
      headers: { 'content-type': FORM_MEDIA_TYPE, 'x-calltracking-signature': signature },
      body: new URLSearchParams(flattenPayload(payload) as Array<[string, string]>).toString()
    }
  }
  return {
    headers: { 'content-type': JSON_MEDIA_TYPE, 'x-calltracking-signature': signature },
    body: JSON.stringify(payload)
  }
}
