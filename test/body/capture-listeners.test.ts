// The capture (lib/body/capture.ts) leaves the request stream as it found it:
// whichever way the read ends (the whole body, past the limit, a stream
// error, a close before the end), none of its four listeners stays behind,
// so a later reader sees no stray handler and nothing keeps the body alive.
import t from 'tap'
import { PassThrough } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { capturing } from '../helpers/capture.js'


const EVENTS = ['data', 'end', 'error', 'close'] as const

function fakeRequest (): FastifyRequest {
  return { headers: { 'content-type': 'application/json', 'x-calltracking-signature': 'c2lnbg==' }, routeOptions: { bodyLimit: 100 } } as unknown as FastifyRequest
}
const reply = { header () { return this } } as unknown as FastifyReply

function listeners (stream: PassThrough): Record<string, number> {
  return Object.fromEntries(EVENTS.map((name) => [name, stream.listenerCount(name)]))
}

t.test('after each way a read ends, the stream has the listeners it had before', async t => {
  const endings: Array<[string, (stream: PassThrough) => void, boolean]> = [
    ['the whole body', (stream) => { stream.end('{"event":"test"}') }, true],
    ['past the limit', (stream) => { stream.write('x'.repeat(101)) }, false],
    ['a stream error', (stream) => { stream.write('part'); stream.destroy(new Error('ECONNRESET')) }, false],
    ['a close before the end', (stream) => { stream.write('part'); stream.destroy() }, false]
  ]
  for (const [name, end, succeeds] of endings) {
    const stream = new PassThrough()
    const before = listeners(stream)
    const reading = capturing({ bodyLimit: undefined, anyMediaType: false })(fakeRequest(), reply, stream)
    t.ok(EVENTS.every((event) => stream.listenerCount(event) > (before[event] as number)), `${name}: the capture listens to all four while reading`)
    end(stream)
    if (succeeds) await reading
    else await t.rejects(reading, name)
    t.strictSame(listeners(stream), before, `${name}: none of its listeners is left`)
  }
})
