// Issue 11, as a property: any payload a PHP sender could produce from the
// vendor page's sample (nulls, removals of every field but the guaranteed
// data.id, numeric strings, 0/1 and "true"/"false" booleans, phone numbers as
// numbers, fractional seconds, PHP arrays as lists or maps, [] for objects,
// extra fields anywhere), signed by the independent reference signer and sent
// as JSON and as a form, is never answered 4xx, and the handler receives
// every key that was sent. 200 runs by default, seeded (as
// test/signature/sign.property.test.ts); FUZZ_RUNS=<n>, FUZZ_SEED=<n>.
import t from 'tap'
import fc from 'fast-check'
import type { AnyWebhookEvent } from '../../lib/events/types.js'
import { deliver, hookApp, injectPost, seedSample } from '../helpers/plugin-harness.js'

const numRuns = Number(process.env.FUZZ_RUNS) || 200
const seed = Number(process.env.FUZZ_SEED ?? 20261129)

const text = fc.string({ maxLength: 8 })
const extraValue = fc.oneof(text, fc.integer(), fc.boolean(), fc.constant(null))
const extras = fc.dictionary(fc.stringMatching(/^x_[a-z]{1,5}$/), extraValue, { maxKeys: 2 })
// A non-empty PHP array: a list, or a map whose keys are not 0..n-1 (json_encode writes those as a list).
const phpArray = fc.oneof(
  fc.array(fc.oneof(text, fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), text, { minKeys: 1, maxKeys: 2 })), { minLength: 1, maxLength: 3 }),
  fc.dictionary(fc.stringMatching(/^[a-z_]{1,8}$/), text, { minKeys: 1, maxKeys: 3 }))

/** Every way a PHP sender could send `value` (found at `path` in the sample). */
function variantOf (value: unknown, path: string): fc.Arbitrary<unknown> {
  if (path === 'data.id') return fc.constant(value)
  const same = fc.constant(value)
  const none = fc.constant(null)
  if (typeof value === 'number') {
    return fc.oneof(same, none, fc.constant(String(value)), fc.constant(0), fc.nat(20000).map((n) => n / 2), fc.nat(20000).map((n) => String(n / 2)))
  }
  if (typeof value === 'boolean') return fc.constantFrom(value, null, 0, 1, '0', '1', 'true', 'false')
  if (typeof value === 'string') return /^\d+$/.test(value) ? fc.oneof(same, none, fc.constant(Number(value))) : fc.oneof(same, none, fc.constant(''))
  if (Array.isArray(value)) {
    if (value.length === 0) return fc.oneof(same, none, phpArray)
    const items = fc.tuple(...value.map((item, index) => variantOf(item, `${path}.${index}`)))
    // As a map too: PHP's array_filter leaves gaps in the keys, which json_encode writes as an object.
    const gapped = items.map((list) => Object.fromEntries(list.map((item, index) => [String(index * 2 + 1), item])))
    return fc.oneof(none, items, gapped)
  }
  if (value !== null && typeof value === 'object') {
    const object = objectVariant(value as Record<string, unknown>, path)
    return path === 'data' ? object : fc.oneof(none, fc.constant([]), object)
  }
  return fc.oneof(same, text)
}

/** The object with each field varied or removed (all but data.id), and extra fields. */
function objectVariant (object: Record<string, unknown>, path: string): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(Object.entries(object).map(([key, item]) => [key, variantOf(item, `${path}.${key}`)]))
  return fc.tuple(fc.record(fields, { requiredKeys: path === 'data' ? ['id'] : [] }), extras)
    .map(([varied, extra]) => ({ ...extra, ...varied }))
}

const sample = seedSample()
const payloads = fc.record({
  event: fc.constantFrom('call:completed', 'call:missed', 'call:ringing', 'test'),
  data: variantOf(sample.data, 'data')
}).chain((payload) => extras.map((extra) => ({ ...extra, ...payload })))

/** Every key path of a JSON value: object keys and list indexes, at every depth. */
function jsonPaths (value: unknown, prefix: string[] = [], paths: string[][] = []): string[][] {
  if (value === null || typeof value !== 'object') return paths
  for (const [key, item] of Object.entries(value)) {
    const path = [...prefix, key]
    paths.push(path)
    jsonPaths(item, path, paths)
  }
  return paths
}

/** The key paths of a form body: `data[visitor][utm][0][key]` → data, visitor, utm, 0, key (and each prefix). */
function formPaths (body: string): string[][] {
  const paths: string[][] = []
  for (const [key] of new URLSearchParams(body)) {
    const segments = key.replace(/\]/g, '').split('[')
    for (let length = 1; length <= segments.length; length++) paths.push(segments.slice(0, length))
  }
  return paths
}

function has (value: unknown, path: string[]): boolean {
  let node = value
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return false
    node = (node as Record<string, unknown>)[key]
  }
  return true
}

t.test(`property (${numRuns} runs, seed ${seed}): a signed PHP variant of the sample is never a 4xx, and the handler receives every key sent`, async t => {
  const events: AnyWebhookEvent[] = []
  const app = await hookApp(t, { onAny: (event) => { events.push(event) } })
  let checked = 0
  await fc.assert(fc.asyncProperty(payloads, fc.constantFrom('json' as const, 'form' as const), async (payload, as) => {
    events.length = 0
    const delivery = deliver(payload, as)
    const answer = await injectPost(app, '/hook', delivery)
    if (answer.status !== 200) throw new Error(`answered ${answer.status}: ${JSON.stringify(answer.body)}`)
    const event = events[0]
    if (events.length !== 1 || event === undefined) throw new Error(`${events.length} events handled`)
    const sent = as === 'json' ? jsonPaths(JSON.parse(delivery.body)) : formPaths(delivery.body)
    const lost = sent.filter((path) => !has(event.payload, path))
    if (lost.length > 0) throw new Error(`keys lost: ${lost.map((path) => path.join('.')).join(', ')}`)
    if (event.data !== event.payload.data) throw new Error('event.data is not the payload\'s data')
    checked += sent.length
  }), { numRuns, seed })
  t.ok(checked > numRuns, `${numRuns} deliveries answered 200, ${checked} keys received`)
})
