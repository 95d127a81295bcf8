// Route options (lib/options.ts): what is refused at start-up, with a message
// that says what to set, and what a checked route dispatches to.
import t from 'tap'
import { dispatchEvent, handlerCount, MagnetisWebhooks, reportError } from '../../lib/events/handlers.js'
import { ConfigurationError } from '../../lib/errors.js'
import { checkRouteOptions, hasStrayWhitespace, type WebhookRouteOptions } from '../../lib/options.js'

const URL = 'https://shop.example/webhooks/magnetis'
const WHERE = 'route POST /hook'

function refusal (options: unknown): ConfigurationError {
  try {
    checkRouteOptions(options as WebhookRouteOptions, WHERE)
  } catch (error) {
    return error as ConfigurationError
  }
  throw new Error('accepted')
}

t.test('options that are not an object', async t => {
  for (const options of [undefined, null, true, 'key', 42]) {
    const error = refusal(options)
    t.type(error, ConfigurationError)
    t.equal(error.message, `fastify-magnetis-webhooks: ${WHERE}: the webhook options must be an object with "url" and "key"`, String(options))
  }
})

t.test('url: required, a non-empty string or a function', async t => {
  for (const url of [undefined, '', 42, ['https://a.example']]) {
    const error = refusal({ key: 'k', url })
    t.equal(error.code, 'FST_MAGNETIS_CONFIGURATION')
    t.match(error.message, /"url" is required: set it to the endpoint URL exactly as typed in the Magnétis interface \(API & Connectors > Webhooks\)/)
    t.match(error.message, /It is signed as typed, so it is never rebuilt from the incoming request/)
  }
  t.doesNotThrow(() => checkRouteOptions({ key: 'k', url: () => URL }, WHERE))
  for (const url of ['relative/path', '/webhooks/magnetis']) {
    t.match(refusal({ key: 'k', url }).message, /"url" must be the absolute endpoint URL exactly as typed in the Magnétis interface, such as https:\/\/shop\.example\/webhooks\/magnetis/, url)
  }
})

t.test('an unknown option (a misspelt handler) is refused, naming it and the options there are', async t => {
  const error = refusal({ url: URL, key: 'k', onCallComplete: () => {} })
  t.match(error.message, /unknown option "onCallComplete"; the options are url, key, bodyLimit, webhooks, onCallCompleted/)
  t.match(refusal({ url: URL, key: 'k', path: '/x', secret: 1 }).message, /unknown options "path", "secret"/)
})

t.test('key: required, a non-empty string, a non-empty list of them, or a function', async t => {
  for (const key of [undefined, '', '  \t', [], [''], ['secret-key-value', ''], ['secret-key-value', ' ']]) {
    const error = refusal({ url: URL, key })
    t.match(error.message, /"key" is missing or empty: set it to the webhook's signature key \(Magnétis: API & Connectors > Webhooks > your webhook\), e\.g\. from process\.env\.MAGNETIS_KEY; a blank one is refused too/, JSON.stringify(key))
    t.notOk(error.message.includes('secret-key-value'), 'never quotes a key')
  }
  for (const [key, got] of [[null, 'object'], [42, 'number'], [{}, 'object'], [['secret-key-value', 42], 'string, number']] as const) {
    const error = refusal({ url: URL, key })
    t.equal(error.message, `fastify-magnetis-webhooks: ${WHERE}: "key" must be a string, a list of strings or a function of the request; got ${got}`, JSON.stringify(key))
  }
  for (const key of ['k', ['a', 'b'], () => undefined, async () => 'k']) {
    t.doesNotThrow(() => checkRouteOptions({ url: URL, key }, WHERE))
  }
})

t.test('bodyLimit and maxDepth: positive whole numbers', async t => {
  for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '1024', 2 ** 53]) {
    t.match(refusal({ url: URL, key: 'k', bodyLimit: bad }).message, /"bodyLimit" must be a positive whole number of bytes/, `bodyLimit ${String(bad)}`)
    t.match(refusal({ url: URL, key: 'k', maxDepth: bad }).message, /"maxDepth" must be a positive whole number/, `maxDepth ${String(bad)}`)
  }
  t.equal(checkRouteOptions({ url: URL, key: 'k', bodyLimit: 1, maxDepth: 1 }, WHERE).bodyLimit, 1)
})

t.test('webhooks must be a MagnetisWebhooks instance; handlers must be functions', async t => {
  t.match(refusal({ url: URL, key: 'k', webhooks: { on () {} } }).message, /"webhooks" must be a MagnetisWebhooks instance/)
  const handlers = { onCallCompleted: 'call:completed', onCallMissed: 'call:missed', onCallRinging: 'call:ringing', onEmailReceived: 'email:received', onLeadCreated: 'lead:created', onTest: 'test' }
  for (const [option, event] of Object.entries(handlers)) {
    t.equal(refusal({ url: URL, key: 'k', [option]: 'crm.save' }).message,
      `fastify-magnetis-webhooks: ${WHERE}: the handler for "${event}" must be a function, got string`, option)
  }
  t.equal(refusal({ url: URL, key: 'k', onAny: 1 }).message, `fastify-magnetis-webhooks: ${WHERE}: the onAny handler must be a function, got number`)
  t.equal(refusal({ url: URL, key: 'k', onError: null }).message, `fastify-magnetis-webhooks: ${WHERE}: the onError handler must be a function, got object`)
})

t.test('a checked route: its own handler set from the on… options, then the shared set, by reference', async t => {
  const calls: string[] = []
  const shared = new MagnetisWebhooks()
  const options: WebhookRouteOptions = {
    url: URL,
    key: 'k',
    webhooks: shared,
    onCallCompleted: () => { calls.push('completed') },
    onCallMissed: () => { calls.push('missed') },
    onCallRinging: () => { calls.push('ringing') },
    onEmailReceived: () => { calls.push('email') },
    onLeadCreated: () => { calls.push('lead') },
    onTest: () => { calls.push('test') },
    onAny: () => { calls.push('any') },
    onError: () => { calls.push('error') }
  }
  const checked = checkRouteOptions(options, WHERE)
  t.equal(checked.url, URL)
  t.equal(checked.handlerSets.length, 2)
  t.equal(checked.handlerSets[1], shared, 'the shared set itself, not a copy')
  const own = checked.handlerSets[0] as MagnetisWebhooks
  for (const name of ['call:completed', 'call:missed', 'call:ringing', 'email:received', 'lead:created', 'test']) {
    t.equal(handlerCount([own], name), 2, `${name}: its handler and onAny`)
  }
  const request = { log: { error () {} } } as any
  await dispatchEvent([own], { name: 'email:received' } as any, request)
  await reportError([own], new Error('x'), { name: 'x' } as any, request)
  t.same(calls, ['email', 'any', 'error'])

  const alone = checkRouteOptions({ url: URL, key: 'k' }, WHERE)
  t.equal(alone.handlerSets.length, 1, 'without webhooks, one set')
  t.equal(handlerCount(alone.handlerSets, 'call:completed'), 0)
})

t.test('hasStrayWhitespace: leading or trailing white space in a key or any key of a list', async t => {
  t.equal(hasStrayWhitespace('key'), false)
  t.equal(hasStrayWhitespace('inner space is fine'), false)
  for (const key of [' key', 'key ', '\tkey', 'key\n', 'key\r\n', '\u00a0key']) t.equal(hasStrayWhitespace(key), true, JSON.stringify(key))
  t.equal(hasStrayWhitespace(['a', 'b']), false)
  t.equal(hasStrayWhitespace(['a', 'b ']), true)
  t.equal(hasStrayWhitespace(undefined), false)
})
