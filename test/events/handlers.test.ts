// The handler registry (lib/dispatch.ts) on its own: registration checks,
// order across phases and sets, every error reported, onError failures
// logged and swallowed.
import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { dispatchEvent, handlerCount, MagnetisWebhooks, reportError } from '../../lib/events/handlers.js'
import { HandlerError } from '../../lib/errors.js'
import type { AnyWebhookEvent } from '../../lib/events/types.js'

function fakeRequest () {
  const logged: Array<{ object: Record<string, unknown>, message: string }> = []
  const request = { log: { error: (object: Record<string, unknown>, message: string) => { logged.push({ object, message }) } } } as unknown as FastifyRequest
  return { request, logged }
}

const event = (name: string): AnyWebhookEvent => ({ name, payload: { event: name, data: {} }, test: name === 'test', resource: undefined, data: {} }) as AnyWebhookEvent

t.test('on, onAny and onError refuse what is not a function, naming it', async t => {
  const webhooks = new MagnetisWebhooks()
  t.throws(() => webhooks.on('call:completed', 'save' as any), { name: 'TypeError', message: 'fastify-magnetis-webhooks: the handler for "call:completed" must be a function, got string' })
  t.throws(() => webhooks.onAny(undefined as any), { message: /the onAny handler must be a function, got undefined/ })
  t.throws(() => webhooks.onError({} as any), { message: /the onError handler must be a function, got object/ })
  t.equal(handlerCount([webhooks], 'call:completed'), 0, 'nothing was added')
})

t.test('on, onAny and onError chain; handlerCount counts the event\'s handlers and onAny', async t => {
  const webhooks = new MagnetisWebhooks()
  t.equal(webhooks.on('call:completed', () => {}).on('call:completed', () => {}).onAny(() => {}).onError(() => {}), webhooks)
  t.equal(handlerCount([webhooks], 'call:completed'), 3)
  t.equal(handlerCount([webhooks], 'call:missed'), 1, 'onAny alone')
  t.equal(handlerCount([webhooks, new MagnetisWebhooks().on('call:missed', () => {})], 'call:missed'), 2, 'across sets')
  t.equal(handlerCount([], 'call:missed'), 0)
})

t.test('dispatch: the event\'s handlers in order, then alsoAs\'s handlers with alsoAs, then onAny with the event', async t => {
  const { request } = fakeRequest()
  const calls: string[] = []
  const webhooks = new MagnetisWebhooks()
    .onAny((received) => { calls.push(`any ${received.name}`) })
    .on('test', (received) => { calls.push(`test 1 ${received.name}`) })
    .on('call:completed', (received) => { calls.push(`completed ${received.name}`) })
    .on('test', async (received, given) => { calls.push(`test 2 ${received.name} ${given === request}`) })
  await dispatchEvent([webhooks], event('test'), request, event('call:completed'))
  t.same(calls, ['test 1 test', 'test 2 test true', 'completed call:completed', 'any test'])
  calls.length = 0
  await dispatchEvent([webhooks], event('test'), request, event('email:received'))
  t.same(calls, ['test 1 test', 'test 2 test true', 'any test'], 'alsoAs with no handlers of its own')
  calls.length = 0
  await dispatchEvent([webhooks], event('call:missed'), request)
  t.same(calls, ['any call:missed'], 'no handler of its own: onAny only')
})

t.test('dispatchEvent across sets: each phase runs in every set before the next phase', async t => {
  const { request } = fakeRequest()
  const calls: string[] = []
  const own = new MagnetisWebhooks().onAny(() => { calls.push('own any') }).on('test', () => { calls.push('own test') }).on('lead:created', () => { calls.push('own lead') })
  const shared = new MagnetisWebhooks().onAny(() => { calls.push('shared any') }).on('test', () => { calls.push('shared test') }).on('lead:created', () => { calls.push('shared lead') })
  await dispatchEvent([own, shared], event('test'), request, event('lead:created'))
  t.same(calls, ['own test', 'shared test', 'own lead', 'shared lead', 'own any', 'shared any'])
})

t.test('a failing handler does not stop the others; a HandlerError lists every error in order, after onError ran', async t => {
  const { request } = fakeRequest()
  const calls: string[] = []
  const failures = [new Error('first'), 'a thrown string', new Error('third')]
  const webhooks = new MagnetisWebhooks()
    .on('call:completed', () => { calls.push('1'); throw failures[0] })
    .on('call:completed', async () => { calls.push('2'); throw failures[1] })
    .on('call:completed', () => { calls.push('3') })
    .onAny(async () => { calls.push('any'); throw failures[2] })
    .onError((error, received, given) => { calls.push(`onError ${(error as HandlerError).errors.length} ${received.name} ${given === request}`) })
  const delivered = event('call:completed')
  const error = await dispatchEvent([webhooks], delivered, request).then(() => undefined, (thrown: unknown) => thrown)
  t.type(error, HandlerError)
  t.same((error as HandlerError).errors, failures, 'every error, as thrown, in the order the handlers ran')
  t.equal((error as HandlerError).cause, failures[0], 'the first is the cause')
  t.equal((error as HandlerError).statusCode, 500)
  t.match((error as Error).message, /3 handlers failed for the "call:completed" event/)
  t.same(calls, ['1', '2', '3', 'any', 'onError 3 call:completed true'])
})

t.test('one failing handler: "1 handler failed"', async t => {
  const { request } = fakeRequest()
  const webhooks = new MagnetisWebhooks().on('call:completed', () => { throw new Error('x') })
  await t.rejects(dispatchEvent([webhooks], event('call:completed'), request), { message: /1 handler failed for the "call:completed" event/ })
})

t.test('reportError: every onError handler runs; one that throws is logged at error level and swallowed', async t => {
  const { request, logged } = fakeRequest()
  const calls: string[] = []
  const thrown = new Error('alerting is down')
  const first = new MagnetisWebhooks().onError(() => { calls.push('first'); throw thrown }).onError(async () => { calls.push('second') })
  const second = new MagnetisWebhooks().onError(async () => { calls.push('other set'); throw new Error('also down') })
  const error = new Error('the reported one')
  await reportError([first, second], error, event('call:ringing'), request)
  t.same(calls, ['first', 'second', 'other set'])
  t.equal(logged.length, 2)
  t.same(logged[0], { object: { err: thrown, event: 'call:ringing' }, message: 'fastify-magnetis-webhooks: an onError handler threw' })
  calls.length = 0
  await reportError([first], error, event('call:ringing'), request)
  t.same(calls, ['first', 'second'], 'the method reports to its own set')
})

t.test('handlers added during or after a dispatch are seen by the next one', async t => {
  const { request } = fakeRequest()
  const webhooks = new MagnetisWebhooks()
  const calls: string[] = []
  await dispatchEvent([webhooks], event('call:missed'), request)
  webhooks.on('call:missed', () => { calls.push('late') })
  await dispatchEvent([webhooks], event('call:missed'), request)
  t.same(calls, ['late'])
})

t.test('one handler in all (its own or onAny, in any set): it is awaited, and its failure, thrown or rejected, is a HandlerError after onError', async t => {
  const { request } = fakeRequest()
  const delivered = event('call:completed')
  const calls: string[] = []
  let finish: () => void = () => {}
  const slow = new MagnetisWebhooks().on('call:completed', (received, given, context) => new Promise<void>((resolve) => {
    calls.push(`slow ${received === delivered} ${given === request} ${context.attempt}`)
    finish = () => { calls.push('slow done'); resolve() }
  }))
  const dispatching = dispatchEvent([new MagnetisWebhooks(), slow], delivered, request).then(() => { calls.push('dispatched') })
  await new Promise((resolve) => setImmediate(resolve))
  t.same(calls, ['slow true true 1'], 'the dispatch waits for the handler')
  finish()
  await dispatching
  t.same(calls, ['slow true true 1', 'slow done', 'dispatched'])

  for (const [how, handler] of [
    ['thrown', () => { throw new Error('down') }],
    ['rejected', async () => { throw new Error('down') }],
    ['a rejecting thenable', () => ({ then (_resolve: unknown, reject: (error: Error) => void) { reject(new Error('down')) } })]
  ] as const) {
    const reported: unknown[] = []
    const own = new MagnetisWebhooks().onAny(handler as () => void)
    const alerts = new MagnetisWebhooks().onError((error) => { reported.push(error) })
    const error = await dispatchEvent([own, alerts], delivered, request).then(() => undefined, (thrown: unknown) => thrown)
    t.type(error, HandlerError, how)
    t.same((error as HandlerError).errors.map((inner) => (inner as Error).message), ['down'], `${how}: the handler's error`)
    t.same(reported, [error], `${how}: onError saw it first`)
  }
  const plain = new MagnetisWebhooks().on('call:completed', (() => 'not a promise') as unknown as () => void)
  await t.resolves(dispatchEvent([plain], delivered, request), 'a handler that returns a value that is no promise')
})
