// The exact text of the body refusals (lib/body/read.ts, media-types.ts): a
// malformed JSON body names the position of the error when the parser gives
// one and never quotes the body (it may hold a phone number, and loggers
// print causes); a media type that is neither form nor JSON is quoted.
import t from 'tap'
import { pairsFromBody } from '../../lib/body/read.js'
import { unsupportedMediaType } from '../../lib/body/media-types.js'
import { MalformedBodyError, UnsupportedMediaTypeError } from '../../lib/errors.js'

const JSON_TYPE = 'application/json'
const PREFIX = 'fastify-magnetis-webhooks: '

function jsonRefusal (body: string): MalformedBodyError {
  try {
    pairsFromBody(body, JSON_TYPE)
  } catch (error) {
    if (error instanceof MalformedBodyError) return error
    throw error
  }
  throw new Error(`${JSON.stringify(body)} was accepted`)
}

t.test('malformed JSON: the position of the error, all its digits, in the message and in the cause', async t => {
  const error = jsonRefusal('{"abcdefgh":1,}')
  t.equal(error.message, `${PREFIX}the body is not valid JSON at position 14`)
  t.type(error.cause, SyntaxError)
  t.equal((error.cause as SyntaxError).message, 'invalid JSON at position 14')
  t.equal(jsonRefusal('{').message, `${PREFIX}the body is not valid JSON at position 1`)
})

t.test('malformed JSON without a position from the parser: no position, and nothing of the body', async t => {
  t.equal(jsonRefusal('').message, `${PREFIX}the body is not valid JSON`)
  t.equal((jsonRefusal('').cause as SyntaxError).message, 'invalid JSON')
  const quoting = jsonRefusal('x0033612345678')
  t.equal(quoting.message, `${PREFIX}the body is not valid JSON`, 'the parser\'s own message quotes the body; ours does not')
  t.equal((quoting.cause as SyntaxError).message, 'invalid JSON')
  t.notMatch(JSON.stringify({ message: quoting.message, cause: (quoting.cause as Error).message }), /0033/)
})

t.test('a media type other than form or JSON is quoted in the 415; a missing one reads as ""', async t => {
  const send = 'send application/x-www-form-urlencoded or application/json'
  t.equal(unsupportedMediaType('text/plain').message, `${PREFIX}the media type "text/plain" is not supported: ${send}`)
  t.equal(unsupportedMediaType(undefined).message, `${PREFIX}the media type "" is not supported: ${send}`)
  const thrown = t.throws(() => pairsFromBody('event=test', undefined), UnsupportedMediaTypeError) as UnsupportedMediaTypeError
  t.equal(thrown.message, `${PREFIX}the media type "" is not supported: ${send}`)
})
