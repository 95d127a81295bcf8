/**
 * Builds signed requests as the vendor sends them, for your tests, the demo
 * and the command-line tool: the exact mirror of what the plugin verifies.
 */
import { FORM_MEDIA_TYPE, JSON_MEDIA_TYPE, type BodyEncoding } from '../body/media-types.js'
import { flattenPayload } from './flatten.js'
import { sign } from './sign.js'

/** A request ready to send: headers (media type and `x-calltracking-signature`) and the body text (UTF-8). */
export interface SignedRequest {
  headers: { 'content-type': string, 'x-calltracking-signature': string }
  body: string
}

/**
 * Encodes a payload as a JSON or form body and signs it.
 *
 * The form body is the payload's pairs (`flattenPayload`, the
 * `http_build_query` reading) percent-encoded by `URLSearchParams`, so the
 * same payload signs the same both ways.
 *
 * @param key the webhook's signature key (non-empty)
 * @param url the endpoint URL exactly as entered in the vendor's interface
 * @param payload the envelope, e.g. `{ event: 'call:completed', data: {…} }`
 * @param as `'json'` (default) or `'form'`
 * @throws {TypeError} for an empty key; {MalformedBodyError} for a payload nested deeper than 32 levels
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
