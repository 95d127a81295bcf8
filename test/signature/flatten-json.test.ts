// Flattening a body's JSON.parse output walks it with for…in (lib/signature/flatten.ts), which would also list keys
// inherited from a polluted Object.prototype: then the walk falls back to own keys, and the pairs stay those of the body.
import t from 'tap'
import { pairsFromBody } from '../../lib/body/read.js'
import { sign, verifySignature } from '../../lib/signature/sign.js'
import { flattenPayload } from '../../lib/signature/flatten.js'

const URL_TYPED = 'https://shop.example/webhooks/magnetis'
const body = Buffer.from(JSON.stringify({ event: 'call:completed', data: { id: 'call-1', account: { id: 'acc-1' }, events: [{ name: 'call:in' }] } }))

t.test('a polluted Object.prototype adds no pair to a JSON body, and its signature still verifies', async t => {
  const clean = pairsFromBody(body, 'application/json')
  const signature = sign('key', URL_TYPED, clean)
  Object.defineProperty(Object.prototype, 'polluted', { value: 'yes', enumerable: true, configurable: true, writable: true })
  try {
    t.ok('polluted' in {}, 'every object now lists "polluted" in for…in')
    const read = pairsFromBody(body, 'application/json')
    t.strictSame(read, clean)
    t.notOk(read.some(([key]) => key.includes('polluted')))
    t.ok(verifySignature({ key: 'key', url: URL_TYPED, payload: read, signature }))
  } finally {
    delete (Object.prototype as Record<string, unknown>).polluted
  }
  t.strictSame(pairsFromBody(body, 'application/json'), clean, 'and the same once it is gone')
})

t.test('keys remembered by place: the same shape again, keys that moved, and keys that changed give the pairs of each body', async t => {
  const bodies = [
    { event: 'call:completed', data: { id: 'call-1', account: { id: 'acc-1', name: 'A' } } },
    { event: 'call:missed', data: { id: 'call-2', account: { id: 'acc-2', name: 'B' } } },
    { data: { account: { name: 'C', id: 'acc-3' }, id: 'call-3' }, event: 'test' },
    { event: 'test', data: { other: 'x', account: { id: 'acc-4', title: 'D' } } }
  ]
  for (const body of bodies) {
    const read = pairsFromBody(Buffer.from(JSON.stringify(body)), 'application/json')
    t.strictSame(read, flattenPayload(body), JSON.stringify(body))
  }
})
