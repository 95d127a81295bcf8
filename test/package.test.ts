// The published shape: the built package loads by its name from ESM and
// from CommonJS (Node 20), with the same exports, and its plugin serves a
// signed request either way. Runs the build output in plain Node processes.
import t from 'tap'
import { execFile } from 'node:child_process'
import { ROOT, ensureBuilt } from './fixtures/cli.js'

// Each script prints what it found as JSON; the package is reached by its own name (package.json "exports").
const probe = (load: string): string => `${load}
const Fastify = require('fastify')
const app = Fastify()
app.register(pkg.default, { path: '/hook', url: 'https://shop.example/hook', key: 'k', onCallCompleted: async () => {} })
const request = pkg.signedRequest('k', 'https://shop.example/hook', pkg.samplePayload('call:completed', 'call'), 'form')
app.inject({ method: 'POST', url: '/hook', headers: request.headers, payload: request.body }).then((response) => {
  console.log(JSON.stringify({ exports: Object.keys(pkg).sort(), status: response.statusCode, body: response.json() }))
  return app.close()
})`

function run (args: string[]): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COVERAGE_: '0' } }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${error.message}\n${stderr}`))
      else resolve(JSON.parse(stdout))
    })
  })
}

t.before(ensureBuilt)

t.test('the package loads by name from CommonJS and from ESM, with the same exports, and serves a signed request', async t => {
  const fromRequire = await run(['-e', probe("const pkg = require('fastify-magnetis-webhooks')")])
  const fromImport = await run(['--input-type=module', '-e', probe("import { createRequire } from 'node:module'\nconst require = createRequire(process.cwd() + '/')\nconst pkg = await import('fastify-magnetis-webhooks')")])
  for (const [name, result] of [['require', fromRequire], ['import', fromImport]] as const) {
    t.equal(result.status, 200, `${name}: the shorthand route answers 200`)
    t.same(result.body, { ok: true, event: 'call:completed', id: 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5' }, name)
    for (const exported of ['default', 'magnetisWebhooks', 'MagnetisWebhooks', 'sign', 'verifySignature', 'signatureBaseString', 'pairsFromBody', 'signedRequest', 'isWebhookEvent', 'Call', 'Email', 'Lead']) {
      t.ok(result.exports.includes(exported), `${name} exports ${exported}`)
    }
  }
  t.same(fromImport.exports.filter((name: string) => name !== 'module.exports'), fromRequire.exports, 'the same names both ways')
})
