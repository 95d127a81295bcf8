// Verification alone, no HTTP: a plain loop timer. Cases that are compared
// are timed together, interleaved in batches of ~20 ms after a warm-up; the
// median batch gives the rate. Batches are timed in CPU time
// (process.cpuUsage, user + system) rather than wall time, so other work on
// a shared machine skews them less. Results go back to run.mjs over IPC (or
// to stdout when run by hand: `node micro.mjs`).
//   BENCH_MICRO  seconds per case (default 1; the scaling cases take half)
import { createHmac } from 'node:crypto'
import { createRequire } from 'node:module'
import twilio from 'twilio'
import { ENDPOINT_URL, SIGNATURE_KEY, SIZES, bodiesOf, loadLibrary } from './fixtures.mjs'

const SECONDS = Number(process.env.BENCH_MICRO ?? 1)
const lib = await loadLibrary()
// fast-querystring, the split of @fastify/formbody (maintained by the Fastify
// team), comes with the root's devDependency @fastify/formbody.
const { parse: fastQuerystring } = createRequire(import.meta.url)('fast-querystring')

// Results are folded into this so that no call can be optimised away.
let sink = 0

/**
 * Times a group of cases, interleaved: after a warm-up, each round runs one
 * batch (~20 ms) of every case in turn, so that a slow spell of the machine
 * falls on all of them alike. Returns CPU nanoseconds per call for each case
 * (the median of its batches). Every call must return true: a benchmark of
 * a failing check measures nothing.
 */
function measureGroup (cases, seconds) {
  const names = Object.keys(cases)
  const batches = {}
  for (const name of names) {
    const fn = cases[name]
    if (fn() !== true) throw new Error(`bench: ${name} returned false`)
    // Warm-up, and a first estimate of the time per call.
    let calls = 0
    const started = process.hrtime.bigint()
    const until = started + BigInt(Math.round(seconds * 1e9 / 10 / names.length))
    while (calls < 5 || process.hrtime.bigint() < until) {
      sink += fn() ? 1 : 0
      calls++
    }
    const perCall = Number(process.hrtime.bigint() - started) / calls
    batches[name] = Math.max(1, Math.round(20e6 / perCall))
  }
  const samples = Object.fromEntries(names.map((name) => [name, []]))
  const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9))
  while (samples[names[0]].length < 5 || process.hrtime.bigint() < end) {
    for (const name of names) {
      const fn = cases[name]
      const batch = batches[name]
      // Batches of a few slow calls (large bodies) start from a full
      // collection (run.mjs passes --expose-gc), so that none pays for the
      // garbage of another case, then one untimed call of the same case: a
      // full collection shrinks the young generation, and a lone call timed
      // right after it would pay for growing it back (and for promoting its
      // own live data while it does), which no receiver of such bodies pays
      // in steady state (docs/performance.md, "Issue 13, sixth pass"). Small
      // calls share their collections evenly.
      if (batch < 10) {
        global.gc?.()
        sink += fn() ? 1 : 0
      }
      const before = process.cpuUsage()
      for (let index = 0; index < batch; index++) sink += fn() ? 1 : 0
      const used = process.cpuUsage(before)
      samples[name].push((used.user + used.system) * 1000 / batch)
    }
  }
  const result = {}
  for (const name of names) {
    const sorted = samples[name].sort((a, b) => a - b)
    result[name] = sorted[sorted.length >> 1]
  }
  return result
}

// The floor: one HMAC-SHA1 over a string as long as the signature base
// string (the base string itself, so the byte count is the same too).
function floorOf (base, signature) {
  return () => createHmac('sha1', SIGNATURE_KEY).update(base, 'utf8').digest('base64') === signature
}

// The floors of verification from raw bytes, per encoding: what any correct
// receiver must at least do. JSON: the body decoded as text and
// JSON.parse'd, then one HMAC over the base string. Form: the body split by
// fast-querystring, then one HMAC over the base string.
function jsonFloorOf (jsonBytes, base, signature) {
  return () => JSON.parse(jsonBytes.toString('utf8')) !== null && createHmac('sha1', SIGNATURE_KEY).update(base, 'utf8').digest('base64') === signature
}
function formFloorOf (formBytes, base, signature) {
  return () => fastQuerystring(formBytes.toString('utf8')) !== null && createHmac('sha1', SIGNATURE_KEY).update(base, 'utf8').digest('base64') === signature
}

function casesOf (size) {
  const bodies = bodiesOf(lib, size)
  const { pairs, params, json, form, formSignature, jsonSignature, sample, baseString } = bodies
  const jsonBytes = Buffer.from(json)
  const formBytes = Buffer.from(form)
  return {
    bodies,
    ours: () => lib.verifySignature({ key: SIGNATURE_KEY, url: ENDPOINT_URL, payload: pairs, signature: formSignature }),
    oursObject: () => lib.verifySignature({ key: SIGNATURE_KEY, url: ENDPOINT_URL, payload: sample, signature: jsonSignature }),
    // What the route does per request before the handler: verifyRawBody runs
    // its reading and check (raw bytes to pairs, or to pairs joined in key
    // order for a long JSON body, then the HMAC).
    oursRawJson: () => lib.verifyRawBody({ key: SIGNATURE_KEY, url: ENDPOINT_URL, rawBody: jsonBytes, contentType: 'application/json', signature: jsonSignature }),
    oursRawForm: () => lib.verifyRawBody({ key: SIGNATURE_KEY, url: ENDPOINT_URL, rawBody: formBytes, contentType: 'application/x-www-form-urlencoded', signature: formSignature }),
    // The two public steps a caller may also take: the pairs, then verifySignature (always sorted).
    oursTwoStepJson: () => lib.verifySignature({
      key: SIGNATURE_KEY, url: ENDPOINT_URL, payload: lib.pairsFromBody(jsonBytes, 'application/json'), signature: jsonSignature
    }),
    twilio: () => twilio.validateRequest(SIGNATURE_KEY, formSignature, ENDPOINT_URL, params),
    floor: floorOf(baseString, formSignature),
    floorJson: jsonFloorOf(jsonBytes, baseString, formSignature),
    floorForm: formFloorOf(formBytes, baseString, formSignature),
    // The splits alone, for the record: the form floor's, ours (lib/body/form-pairs.ts), and URLSearchParams (ours before).
    splitFastQuerystring: () => fastQuerystring(formBytes.toString('utf8')) !== null,
    splitOurs: () => lib.pairsFromBody(formBytes, 'application/x-www-form-urlencoded').length > 0,
    splitUrlSearchParams: () => Array.from(new URLSearchParams(formBytes.toString('latin1'))).length > 0
  }
}

const seedCases = casesOf(0)
const seed = {
  jsonBytes: seedCases.bodies.json.length,
  pairs: seedCases.bodies.pairs.length,
  baseStringLength: seedCases.bodies.baseString.length,
  ns: {}
}
const seedNames = ['floor', 'floorJson', 'floorForm', 'ours', 'oursObject', 'oursRawJson', 'oursRawForm', 'oursTwoStepJson', 'twilio', 'splitFastQuerystring', 'splitOurs', 'splitUrlSearchParams']
seed.ns = measureGroup(Object.fromEntries(seedNames.map((name) => [name, seedCases[name]])), SECONDS * seedNames.length)

const scaling = []
for (const size of SIZES) {
  const cases = casesOf(size)
  const row = { size, formBytes: cases.bodies.form.length, pairs: cases.bodies.pairs.length, baseStringLength: cases.bodies.baseString.length, ns: {} }
  const names = ['floor', 'floorJson', 'floorForm', 'ours', 'oursRawJson', 'oursTwoStepJson', 'oursRawForm', 'twilio']
  row.ns = measureGroup(Object.fromEntries(names.map((name) => [name, cases[name]])), SECONDS * names.length / 2)
  scaling.push(row)
}

const result = { type: 'micro', seed, scaling, sink }
if (process.send) process.send(result, () => process.exit(0))
else console.log(JSON.stringify(result, null, 2))
