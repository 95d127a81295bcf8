// The published shape: the built package and its subpaths (/inbox, /signature) load by their names from
// ESM and from CommonJS (Node 20), with the same exports, and its plugin serves a
// signed request either way. Runs the build output in plain Node processes.
import t from 'tap'
import { execFile } from 'node:child_process'
import { ROOT, ensureBuilt } from './fixtures/cli.js'

// The public names of each entry point: every one is in the README's API section; anything else is internal.
const PUBLIC = {
  '.': ['Call', 'EVENT_NAMES', 'Email', 'HandlerError', 'InvalidEventError', 'Lead', 'MagnetisWebhookError', 'MagnetisWebhooks', 'default',
    'isWebhookEvent', 'magnetisWebhooks', 'samplePayload', 'signedRequest'],
  './inbox': ['InboxUnavailableError', 'postgresInbox', 'sqliteInbox'],
  './signature': ['SIGNATURE_HEADER', 'pairsFromBody', 'sign', 'signatureBaseString', 'verifyRawBody', 'verifySignature']
}

// Each script prints what it found as JSON; the package is reached by its own name (package.json "exports").
const probe = (load: string): string => `${load}
const subpaths = { './inbox': inbox, './signature': signature }
const Fastify = require('fastify')
const app = Fastify()
app.register(pkg.default, { path: '/hook', url: 'https://shop.example/hook', key: 'k', onCallCompleted: async () => {} })
const request = pkg.signedRequest('k', 'https://shop.example/hook', pkg.samplePayload('call:completed', 'call'), 'form')
const verified = signature.verifySignature({ key: 'k', url: 'https://shop.example/hook', payload: signature.pairsFromBody(request.body, request.headers['content-type']), signature: request.headers[signature.SIGNATURE_HEADER] }) &&
  signature.verifyRawBody({ key: 'k', url: 'https://shop.example/hook', rawBody: request.body, contentType: request.headers['content-type'], signature: request.headers[signature.SIGNATURE_HEADER] })
app.inject({ method: 'POST', url: '/hook', headers: request.headers, payload: request.body }).then((response) => {
  const exports = Object.fromEntries(Object.entries({ '.': pkg, ...subpaths }).map(([path, names]) => [path, Object.keys(names).filter((name) => name !== 'module.exports').sort()]))
  console.log(JSON.stringify({ exports, verified, sharedErrors: new inbox.InboxUnavailableError('down') instanceof pkg.MagnetisWebhookError, status: response.statusCode, body: response.json() }))
  return app.close()
})`

/** One loading statement per entry point: `pkg`, `inbox`, `signature`. */
function entries (load: (name: string, specifier: string) => string): string {
  return Object.entries({ pkg: '', inbox: '/inbox', signature: '/signature' }).map(([name, path]) => load(name, `fastify-magnetis-webhooks${path}`)).join('\n')
}

function run (args: string[]): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', _TAPJS_PROCESSINFO_COVERAGE_: '0' } }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`${error.message}\n${stderr}`))
      else resolve(JSON.parse(stdout))
    })
  })
}

t.before(ensureBuilt)

t.test('the package and its /inbox and /signature subpaths load by name from CommonJS and from ESM, with the same exports, and serve a signed request', async t => {
  const fromRequire = await run(['-e', probe(entries((name, specifier) => `const ${name} = require('${specifier}')`))])
  const fromImport = await run(['--input-type=module', '-e', probe("import { createRequire } from 'node:module'\nconst require = createRequire(process.cwd() + '/')\n" +
    entries((name, specifier) => `const ${name} = await import('${specifier}')`))])
  for (const [name, result] of [['require', fromRequire], ['import', fromImport]] as const) {
    t.equal(result.status, 200, `${name}: the shorthand route answers 200`)
    t.same(result.body, { ok: true, event: 'call:completed', id: 'call-0c5ac87f-6d8b-4e94-9ce2-f4773bced2f5' }, name)
    t.same(result.exports, PUBLIC, `${name}: the main entry, /inbox and /signature export their public names, and only those`)
    t.equal(result.verified, true, `${name}: /signature verifies what signedRequest signed, from the raw body`)
    t.equal(result.sharedErrors, true, `${name}: /inbox's error is an instance of the main entry's base class (one copy of the code)`)
  }
})

t.test('/signature loads nothing of Fastify, for servers that are not Fastify', async t => {
  const fastifyModules = (specifier: string): Promise<Record<string, any>> => run(['-e', `require('${specifier}')\n` +
    "console.log(JSON.stringify(Object.keys(require.cache).filter((file) => /[\\\\/]node_modules[\\\\/](fastify|fastify-plugin)[\\\\/]/.test(file))))"])
  t.same(await fastifyModules('fastify-magnetis-webhooks/signature'), [], 'neither fastify nor fastify-plugin was loaded')
  t.ok((await fastifyModules('fastify-magnetis-webhooks')).length > 0, 'while the main entry loads fastify-plugin (the check can fail)')
})
