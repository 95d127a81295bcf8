// What one 401 diagnosis costs (the culprit finder on the vendor's sample),
// and what verifying costs, for comparison. Prints figures; asserts nothing.
//   npm run build && node scripts/bench-diagnosis.mjs
import { readFileSync } from 'node:fs'
import { findCulprits } from '../dist/esm/diagnosis/culprits.js'
import { readBody } from '../dist/esm/body/read.js'
import { sign, verifySignature } from '../dist/esm/signature/index.js'

const body = readFileSync(new URL('../test/fixtures/call-sample.json', import.meta.url))
const url = 'https://shop.example/webhooks/magnetis'
const key = 'bench-signature-key'
const cases = {
  'no culprit (wrong key: every variant tried)': sign('another-key', url, JSON.parse(body)),
  'http instead of https': sign(key, 'http://shop.example/webhooks/magnetis', JSON.parse(body))
}

function time (label, runs, run) {
  for (let index = 0; index < Math.min(runs, 50); index++) run()
  const started = process.hrtime.bigint()
  for (let index = 0; index < runs; index++) run()
  const each = Number(process.hrtime.bigint() - started) / runs / 1e6
  console.log(`${label.padEnd(52)} ${each.toFixed(3)} ms`)
}

time('verify one request (read + HMAC)', 2000, () => verifySignature({ key, url, payload: readBody(body, 'application/json').pairs, signature: cases['http instead of https'] }))
const withBigNumbers = readFileSync(new URL('../test/fixtures/php-numbers-payload.json', import.meta.url))
const withoutBigNumbers = Buffer.from(withBigNumbers.toString('utf8').replace(/"(negative_zero|above_2_53|int64_max|beyond_int64|fifteen_digits|huge)": [^,]+,/g, '').replace(', 100000000000000]', ']'))
time('read a JSON body with floats (JSON.parse only)', 2000, () => readBody(withoutBigNumbers, 'application/json'))
time('read a JSON body with -0 and big integers (+ lossless-json)', 2000, () => readBody(withBigNumbers, 'application/json'))
for (const [label, signature] of Object.entries(cases)) {
  time(`diagnose: ${label}`, 200, () => findCulprits({ url, receivedUrl: 'http://127.0.0.1:3000/webhooks/magnetis', signature, contentType: 'application/json', rawBody: body, key }))
}
console.log('with the default budget of 10 diagnoses per minute per route, a flood costs at most 10 diagnoses a minute per route')
