// Error classes (lib/errors.ts): the status each one replies with, its stable
// code, and messages that start with the package's name.
import t from 'tap'
import {
  BodyTooLargeError, ConfigurationError, HandlerError, InvalidEventError, InvalidSignatureError, MagnetisWebhookError,
  MalformedBodyError, MissingSignatureError, NoSignatureKeyError, UnsupportedMediaTypeError
} from '../lib/errors.js'

t.test('each error carries its reply status and code, and names the package', async t => {
  const cases: Array<[MagnetisWebhookError, number, string]> = [
    [new UnsupportedMediaTypeError('text/plain'), 415, 'FST_MAGNETIS_UNSUPPORTED_MEDIA_TYPE'],
    [new MalformedBodyError('bad'), 400, 'FST_MAGNETIS_MALFORMED_BODY'],
    [new BodyTooLargeError(1024), 413, 'FST_MAGNETIS_BODY_TOO_LARGE'],
    [new MissingSignatureError(), 401, 'FST_MAGNETIS_MISSING_SIGNATURE'],
    [new InvalidSignatureError(), 401, 'FST_MAGNETIS_INVALID_SIGNATURE'],
    [new NoSignatureKeyError(), 401, 'FST_MAGNETIS_NO_SIGNATURE_KEY'],
    [new InvalidEventError('call:completed', {}, []), 422, 'FST_MAGNETIS_INVALID_EVENT'],
    [new HandlerError('call:completed', [new Error('x')]), 500, 'FST_MAGNETIS_HANDLER_FAILED'],
    [new ConfigurationError('set "key"'), 500, 'FST_MAGNETIS_CONFIGURATION']
  ]
  for (const [error, statusCode, code] of cases) {
    t.ok(error instanceof MagnetisWebhookError, `${error.name} is a MagnetisWebhookError`)
    t.equal(error.statusCode, statusCode, `${error.name} replies ${statusCode}`)
    t.equal(error.code, code)
    t.match(error.message, /^fastify-magnetis-webhooks: /)
    t.equal(error.name, error.constructor.name)
  }
  t.match(new BodyTooLargeError(1024).message, /1024 bytes/)
})

t.test('InvalidEventError names the first failing path, "/" for data itself, and nothing when there is no detail', async t => {
  t.equal(new InvalidEventError('call:completed', {}, [{ path: '/duration', message: 'Expected integer' }, { path: '/id', message: 'Required' }]).message,
    'fastify-magnetis-webhooks: the "call:completed" event does not match its schema: /duration Expected integer')
  t.equal(new InvalidEventError('lead:created', {}, [{ path: '', message: 'Expected object' }]).message,
    'fastify-magnetis-webhooks: the "lead:created" event does not match its schema: / Expected object')
  t.equal(new InvalidEventError('test', {}, []).message, 'fastify-magnetis-webhooks: the "test" event does not match its schema')
})

t.test('InvalidEventError keeps the payload readable but not enumerable (loggers copy enumerable fields)', async t => {
  const payload = { event: 'call:completed', data: { calling_number: '0033612345678' } }
  const error = new InvalidEventError('call:completed', payload, [])
  t.equal(error.payload, payload)
  t.notOk(Object.keys(error).includes('payload'))
  t.notMatch(JSON.stringify(error), /0033612345678/)
})

t.test('HandlerError keeps every handler error, in order, and counts them', async t => {
  const first = new Error('first')
  const second = new Error('second')
  const one = new HandlerError('call:missed', [first])
  t.equal(one.message, 'fastify-magnetis-webhooks: 1 handler failed for the "call:missed" event')
  t.equal(one.cause, first)
  const two = new HandlerError('call:missed', [first, second])
  t.equal(two.message, 'fastify-magnetis-webhooks: 2 handlers failed for the "call:missed" event')
  t.same(two.errors, [first, second])
})

t.test('a 4xx error carries no stack trace (its log line names the error, not our code); a 5xx keeps its stack', async t => {
  const clientError = new InvalidSignatureError()
  t.equal(clientError.stack, `InvalidSignatureError: ${clientError.message}`)
  t.notMatch(clientError.stack ?? '', /\n\s+at /, 'no frames')
  const serverError = new HandlerError('call:completed', [new Error('crm down')])
  t.match(serverError.stack ?? '', /\n\s+at /, 'a 500 keeps its frames')
})
