// End to end with the independent PHP sender (/work/shared/tools/php-sender.php):
// it signs a payload holding floats and big integers with http_build_query's
// pairs and posts it, as JSON and as a form, to the plugin over real HTTP.
//
//   npm run build && node scripts/php-e2e.mjs            # live: PHP posts to a loopback server
//                                                        (php-cli with curl: apt-get install php8.2-curl)
//   node scripts/php-e2e.mjs --capture                   # rewrites test/fixtures/php-sender-requests.json
//                                                        and php-sender-large-requests.json
//
// The captured requests let test/plugin/php-sender.test.ts replay PHP's
// deliveries without PHP. Prints one line per delivery: status and reply.
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import Fastify from 'fastify'
import magnetisWebhooks from '../dist/esm/index.js'

const SENDER = process.env.PHP_SENDER ?? '/work/shared/tools/php-sender.php'
const PAYLOAD = new URL('../test/fixtures/php-numbers-payload.json', import.meta.url).pathname
// 24 KiB of JSON, 130 list items of keys that sort apart only near their ends (`a`, `a0`, `a_b`, `10`, `1`, …):
// large enough for the plugin to join its pairs in key order (docs/design.md, "Key order").
const LARGE_PAYLOAD = new URL('../test/fixtures/php-large-payload.json', import.meta.url).pathname
const KEY = 'php-e2e-signature-key'
const CAPTURE_URL = 'https://shop.example/webhooks/magnetis'

// Asynchronous: the server answering PHP runs in this process.
async function php (...args) {
  const { stdout } = await promisify(execFile)('php', [SENDER, '--key', KEY, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 })
  return stdout
}

if (process.argv.includes('--capture')) {
  for (const [payload, file] of [[PAYLOAD, 'php-sender-requests.json'], [LARGE_PAYLOAD, 'php-sender-large-requests.json']]) {
    const requests = []
    for (const as of ['json', 'form']) {
      for (const tamper of [false, true]) {
        const [signature, contentType, ...body] = (await php('--payload', payload, '--url', CAPTURE_URL, '--as', as, '--print-only', ...(tamper ? ['--tamper'] : []))).split('\n')
        requests.push({ as, tamper, url: CAPTURE_URL, key: KEY, contentType, signature, body: body.join('\n').replace(/\n$/, '') })
      }
    }
    const target = new URL(`../test/fixtures/${file}`, import.meta.url)
    writeFileSync(target, JSON.stringify({ generator: 'node scripts/php-e2e.mjs --capture', requests }, null, 2) + '\n')
    console.log(`wrote ${requests.length} requests to ${target.pathname}`)
  }
} else {
  const lines = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line) => lines.push(JSON.parse(line)) } } })
  let url = ''
  // The endpoint URL is known once the server listens: a resolver reads it then.
  await app.register(magnetisWebhooks, { path: '/webhooks/magnetis', url: () => url, key: KEY })
  url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/webhooks/magnetis`
  let failures = 0
  for (const [name, payload] of [['numbers', PAYLOAD], ['large', LARGE_PAYLOAD]]) {
    for (const as of ['json', 'form']) {
      for (const tamper of [false, true]) {
        const reply = (await php('--payload', payload, '--url', url, '--as', as, ...(tamper ? ['--tamper'] : []))).trim()
        const expected = tamper ? '401' : '200'
        if (!reply.startsWith(expected)) failures++
        console.log(`${name.padEnd(7)} ${as.padEnd(4)} ${tamper ? 'tampered' : 'as signed'}: ${reply.slice(0, 120)}  (expected ${expected})`)
      }
    }
  }
  for (const line of lines.filter((entry) => /signature/.test(entry.msg ?? ''))) console.log('log:', JSON.stringify(line))
  await app.close()
  console.log(failures === 0 ? 'all deliveries as expected' : `${failures} unexpected`)
  process.exitCode = failures === 0 ? 0 : 1
}
