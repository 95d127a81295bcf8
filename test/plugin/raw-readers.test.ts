// A content-type parser of the webhook route's scope that reads request.raw
// itself (a common raw-body recipe) would wait forever for bytes the plugin
// already read: the delivery gets a 500 naming the fix, and an error log
// line, well within 10 s (it needs milliseconds). A parser that reads its
// `payload` argument works, and so does a handler that touches request.raw.
import t from 'tap'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { Writable } from 'node:stream'
import magnetisWebhooks from '../../lib/index.js'
import { captureLogs, deliver, envelope, fetchPost, injectPost, listen, URL, type Answer } from '../helpers/plugin-harness.js'

type Parser = (request: FastifyRequest, payload: NodeJS.ReadableStream, done: (error: Error | null, body?: unknown) => void) => void

/** Raw-body recipes found in the wild, each reading request.raw instead of `payload`. */
const RAW_READERS: Record<string, Parser> = {
  'on("data") and on("end")': (request, _payload, done) => {
    let text = ''
    request.raw.on('data', (chunk: Buffer) => { text += chunk.toString() })
    request.raw.on('end', () => { done(null, JSON.parse(text)) })
  },
  'once("end") after setEncoding': (request, _payload, done) => {
    const chunks: string[] = []
    request.raw.setEncoding('utf8')
    request.raw.on('data', (chunk: string) => chunks.push(chunk))
    request.raw.once('end', () => { done(null, JSON.parse(chunks.join(''))) })
  },
  'pipe into a writable': (request, _payload, done) => {
    const chunks: Buffer[] = []
    request.raw.pipe(new Writable({
      write (chunk: Buffer, _encoding, next) { chunks.push(chunk); next() },
      final (next) {
        try {
          done(null, JSON.parse(Buffer.concat(chunks).toString()))
        } catch (error) {
          done(error as Error)
        }
        next()
      }
    }))
  },
  'on("aborted"), on("close"), then on("end") before on("data")': (request, _payload, done) => {
    const chunks: Buffer[] = []
    request.raw.on('aborted', () => { done(new Error('aborted')) })
    request.raw.on('close', () => {})
    request.raw.on('end', () => { done(null, JSON.parse(Buffer.concat(chunks).toString())) })
    request.raw.on('data', (chunk: Buffer) => chunks.push(chunk))
  },
  'once("end") alone, the bytes taken from the payload': (request, payload, done) => {
    // Only an "end" listener on request.raw: the capture already ended it, so it would never fire.
    let text = ''
    payload.on('data', (chunk: Buffer) => { text += chunk.toString() })
    request.raw.once('end', () => { done(null, JSON.parse(text)) })
  },
  'on("readable") alone, ending when read() gives nothing': (request, _payload, done) => {
    const chunks: Buffer[] = []
    request.raw.on('readable', () => {
      let chunk: Buffer | null
      while ((chunk = request.raw.read() as Buffer | null) !== null) chunks.push(chunk)
      if (request.raw.readableEnded) done(null, JSON.parse(Buffer.concat(chunks).toString()))
    })
  },
  'on("readable") and read()': (request, _payload, done) => {
    const chunks: Buffer[] = []
    request.raw.on('readable', () => {
      let chunk: Buffer | null
      while ((chunk = request.raw.read() as Buffer | null) !== null) chunks.push(chunk)
    })
    request.raw.on('end', () => { done(null, JSON.parse(Buffer.concat(chunks).toString())) })
  }
}

const TEN_SECONDS = 10_000

/** The answer, or a failure if none came within 10 s: a hang must fail the test, not stall it. */
async function withinTenSeconds (answer: Promise<Answer>): Promise<Answer | 'no reply within 10 s'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'no reply within 10 s'>((resolve) => { timer = setTimeout(() => resolve('no reply within 10 s'), TEN_SECONDS) })
  try {
    return await Promise.race([answer, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function appWithParser (parser: Parser, logs: ReturnType<typeof captureLogs>, handled: string[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  await app.register(magnetisWebhooks)
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', parser)
    scope.post('/hook', { config: { magnetis: { url: URL, key: 'k' } } }, async (request) => {
      handled.push(String(request.magnetisEvent?.name))
      return { event: request.magnetisEvent?.name }
    })
  })
  return app
}

for (const [recipe, parser] of Object.entries(RAW_READERS)) {
  t.test(`a scope parser that reads request.raw (${recipe}): 500 naming the fix, and an error log line, instead of no reply`, async t => {
    const logs = captureLogs()
    const handled: string[] = []
    const app = await appWithParser(parser, logs, handled)
    t.teardown(() => app.close())
    const answer = await withinTenSeconds(injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: 'k' })))
    if (typeof answer === 'string') {
      t.fail(answer)
      return
    }
    t.equal(answer.status, 500)
    t.equal(answer.body.code, 'FST_MAGNETIS_CONFIGURATION')
    t.match(answer.body.message, /route POST \/hook: something in this route's scope, most likely a content-type parser, reads request\.raw/)
    t.match(answer.body.message, /read its `payload` argument/, 'names the fix')
    t.match(answer.body.message, /or declare the webhook route in a scope without that parser, or use the plugin's `path` option$/, 'and the other two')
    t.same(handled, [], 'the handler did not run')
    const line = logs.lines().find((entry) => entry.level === 50 && /reads request\.raw/.test(entry.msg))
    t.ok(line, 'an error log line says it')
  })
}

t.test('over a real socket too: the delivery gets its 500 within 10 s', async t => {
  const logs = captureLogs()
  const app = await appWithParser(RAW_READERS['on("data") and on("end")'] as Parser, logs, [])
  t.teardown(() => app.close())
  const origin = await listen(app)
  const answer = await withinTenSeconds(fetchPost(origin, '/hook', deliver(envelope('call:completed'), 'json', { key: 'k' })))
  t.equal(typeof answer === 'string' ? answer : answer.status, 500)
})

t.test('a scope parser that reads its payload argument gets the same bytes, and the delivery is verified', async t => {
  const handled: string[] = []
  const app = await appWithParser((_request, payload, done) => {
    let text = ''
    payload.on('data', (chunk: Buffer) => { text += chunk.toString() })
    payload.on('end', () => { done(null, { parsedBy: 'scope', ...JSON.parse(text) }) })
  }, captureLogs(), handled)
  t.teardown(() => app.close())
  t.same((await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: 'k' }))).body, { event: 'call:completed' })
  t.equal((await app.inject({ method: 'POST', url: '/hook', payload: envelope('call:completed') })).statusCode, 401, 'unsigned: still refused')
  t.same(handled, ['call:completed'])
})

t.test('a scope parser that reads its payload and listens to other events of request.raw ("close", "error", "aborted") is not refused', async t => {
  const handled: string[] = []
  const app = await appWithParser((request, payload, done) => {
    for (const event of ['close', 'error', 'aborted']) request.raw.on(event, () => {})
    let text = ''
    payload.on('data', (chunk: Buffer) => { text += chunk.toString() })
    payload.on('end', () => { done(null, JSON.parse(text)) })
  }, captureLogs(), handled)
  t.teardown(() => app.close())
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: 'k' }))
  t.equal(answer.status, 200)
  t.same(handled, ['call:completed'])
})

t.test('once verified, the route\'s handler may listen to request.raw: nothing is refused', async t => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(magnetisWebhooks)
  app.post('/hook', { config: { magnetis: { url: URL, key: 'k' } } }, async (request) => {
    request.raw.on('end', () => {})
    return { event: request.magnetisEvent?.name }
  })
  t.same((await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: 'k' }))).body, { event: 'call:completed' })
})

t.test('a reader that attaches after the reply was sent changes nothing', async t => {
  const logs = captureLogs()
  let attached: () => void = () => {}
  const lateListener = new Promise<void>((resolve) => { attached = resolve })
  const app = await appWithParser((request, _payload, done) => {
    // Fails on its own first (400), then listens to request.raw too late to matter.
    done(Object.assign(new Error('refused by the scope parser'), { statusCode: 400 }))
    setImmediate(() => {
      request.raw.on('end', () => {})
      attached()
    })
  }, logs, [])
  t.teardown(() => app.close())
  const answer = await injectPost(app, '/hook', deliver(envelope('call:completed'), 'json', { key: 'k' }))
  t.equal(answer.status, 400)
  t.equal(answer.body.message, 'refused by the scope parser')
  await lateListener
  t.notOk(logs.lines().some((entry) => /reads request\.raw/.test(entry.msg)), 'and logs nothing about it')
})
