// The load generator, in its own process so it does not share a core with
// the server: autocannon against 127.0.0.1, one body repeated, results sent
// back to run.mjs over IPC.
//   node load.mjs '{"port":1234,"size":0,"encoding":"json","signer":"ours","duration":5,"connections":10}'
import autocannon from 'autocannon'
import { ENDPOINT_URL, PATH, SIGNATURE_HEADER, SIGNATURE_KEY, bodiesOf, loadLibrary } from './fixtures.mjs'

const options = JSON.parse(process.argv[2])
const { port, size = 0, encoding = 'json', signer = 'ours', duration = 5, connections = 10 } = options
const lib = await loadLibrary()
const bodies = bodiesOf(lib, size)

let signature = encoding === 'json' ? bodies.jsonSignature : bodies.formSignature
if (signer === 'twilio') {
  // The peer is handed the signature its own library expects.
  const { default: twilio } = await import('twilio')
  signature = twilio.getExpectedTwilioSignature(SIGNATURE_KEY, ENDPOINT_URL, bodies.params)
}

const result = await autocannon({
  url: `http://127.0.0.1:${port}${PATH}`,
  method: 'POST',
  connections,
  duration,
  headers: {
    'content-type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
    [SIGNATURE_HEADER]: signature
  },
  body: encoding === 'json' ? bodies.json : bodies.form
})

process.send({
  type: 'result',
  requestsPerSecond: result.requests.average,
  total: result.requests.total,
  latency: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average, max: result.latency.max },
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  duration: result.duration,
  bodyBytes: Buffer.byteLength(encoding === 'json' ? bodies.json : bodies.form),
  signature
}, () => process.exit(0))
