const PREFIX = 'fastify-magnetis-webhooks: '

/** Base class: `statusCode` is the HTTP status the plugin replies with; `code` is stable across versions. */
export class MagnetisWebhookError extends Error {
  readonly statusCode: number
  readonly code: string

  constructor (statusCode: number, code: string, message: string, options?: ErrorOptions) {
    super(PREFIX + message, options)
    this.name = new.target.name
    this.statusCode = statusCode
    this.code = code
    // A 4xx is the request's fault, not the code's: its log line carries no stack trace for a sender to fill logs with.
    if (statusCode < 500) this.stack = `${this.name}: ${this.message}`
  }
}

/** 415: a media type other than form or JSON, or a `Content-Encoding` (the signature covers the bytes as sent). */
export class UnsupportedMediaTypeError extends MagnetisWebhookError {
  constructor (message: string) {
    super(415, 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE', message)
  }
}

/** 400: the body cannot be read as the pairs the signature covers (malformed JSON, a JSON value that is not an object, nesting past the limit, a body cut short) or carries no `event`. */
export class MalformedBodyError extends MagnetisWebhookError {
  constructor (message: string, options?: ErrorOptions) {
    super(400, 'FST_MAGNETIS_MALFORMED_BODY', message, options)
  }
}

/** 413: the raw body is larger than the route's body limit (bytes). */
export class BodyTooLargeError extends MagnetisWebhookError {
  constructor (limit: number) {
    super(413, 'FST_MAGNETIS_BODY_TOO_LARGE', `the request body is larger than the limit of ${limit} bytes`)
  }
}

/** 401: no `X-CALLTRACKING-SIGNATURE` header, or an empty one. */
export class MissingSignatureError extends MagnetisWebhookError {
  constructor () {
    super(401, 'FST_MAGNETIS_MISSING_SIGNATURE', 'the X-CALLTRACKING-SIGNATURE header is missing')
  }
}

/** 401: the signature header matches no configured key; `wouldMatchWith` names the change the diagnosis found would match (never a secret). */
export class InvalidSignatureError extends MagnetisWebhookError {
  constructor (wouldMatchWith?: string) {
    super(401, 'FST_MAGNETIS_INVALID_SIGNATURE', 'the X-CALLTRACKING-SIGNATURE header does not match the request' +
      (wouldMatchWith === undefined ? '' : `; it would match with ${wouldMatchWith}: the server's log says what to change`))
  }
}

/** 401: the route's key resolver gave no signature key for this request (an unknown tenant, say): nothing can be verified, so nothing is let in. */
export class NoSignatureKeyError extends MagnetisWebhookError {
  constructor () {
    super(401, 'FST_MAGNETIS_NO_SIGNATURE_KEY', 'no signature key is configured for this request')
  }
}

/** 422: signed, but `data` fails its schema; `payload` (not enumerable) is the whole body, `errors` hold paths and messages, never values. */
export class InvalidEventError extends MagnetisWebhookError {
  declare readonly payload: Record<string, unknown>
  readonly errors: ReadonlyArray<{ path: string, message: string }>

  constructor (eventName: string, payload: Record<string, unknown>, errors: ReadonlyArray<{ path: string, message: string }>) {
    const first = errors[0]
    const detail = first === undefined ? '' : `: ${first.path || '/'} ${first.message}`
    super(422, 'FST_MAGNETIS_INVALID_EVENT', `the "${eventName}" event does not match its schema${detail}`)
    // Loggers copy an error's enumerable fields, and the payload holds phone numbers.
    Object.defineProperty(this, 'payload', { value: payload, enumerable: false })
    this.errors = errors
  }
}

/** 500: handlers threw or rejected; `errors` holds every handler error, in the order the handlers ran. */
export class HandlerError extends MagnetisWebhookError {
  readonly errors: readonly unknown[]

  constructor (eventName: string, errors: readonly unknown[]) {
    super(500, 'FST_MAGNETIS_HANDLER_FAILED',
      `${errors.length} handler${errors.length === 1 ? '' : 's'} failed for the "${eventName}" event`,
      { cause: errors[0] })
    this.errors = errors
  }
}

/** Thrown at registration (so `ready()` rejects): a missing or empty signature key or URL, or an option of the wrong type. */
export class ConfigurationError extends MagnetisWebhookError {
  constructor (message: string) {
    super(500, 'FST_MAGNETIS_CONFIGURATION', message)
  }
}

/** 503: the inbox could not store a verified delivery (database unreachable, full, locked), so it was not acknowledged; also from `ready()` when a store cannot open. */
export class InboxUnavailableError extends MagnetisWebhookError {
  constructor (message: string, options?: ErrorOptions) {
    super(503, 'FST_MAGNETIS_INBOX_UNAVAILABLE', message, options)
  }
}

/** To `onError` (and on the now `dead` row) when every allowed inbox attempt ended without a result: the process stopped or the lease ran out each time. */
export class InboxLeaseExpiredError extends MagnetisWebhookError {
  constructor (maxAttempts: number) {
    super(500, 'FST_MAGNETIS_INBOX_LEASE_EXPIRED', `all ${maxAttempts} attempts of this delivery were started, and the last ended without a result ` +
      '(the process stopped or the lease ran out); it is dead until replayed')
  }
}
