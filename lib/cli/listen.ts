// `listen`: the plugin on a real server that prints every request, so a user sees exactly what the vendor's test panel sends.
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { FastifyRequest } from 'fastify'
import { readStream } from '../body/capture.js'
import { SIGNATURE_HEADER } from '../signature/sign.js'
import { EXIT, parseCommand, printJson, signatureKey, UsageError, type CliIo } from './common.js'
import { findCulprits, READINGS, type Verdict } from '../diagnosis/culprits.js'

export const HELP = `Usage: magnetis-webhooks listen [options]

Runs a local webhook endpoint (the plugin on a Fastify server) and prints every
request it receives: method, headers (the signature only as present or
absent), media type, body, the reply, and whether the signature verified and
with which reading of the body. Stop it with Ctrl-C.

Options:
  --port N     the port to listen on (default: 0, any free port, printed)
  --host H     the address to listen on (default: 127.0.0.1)
  --path P     the endpoint's path (default: /webhooks/magnetis)
  --url URL    the URL typed in the Magnétis interface, e.g. your tunnel's public
               URL (default: http://H:N/P as listening)
  --key KEY    the webhook's signature key (default: $MAGNETIS_KEY)
  --json       print one JSON object per line: first where it listens, then each request
  -h, --help   show this help
`

// The largest body captured, as Fastify's default body limit.
const BODY_LIMIT = 1048576

interface Seen {
  rawBody?: Buffer
  event?: { name: string, resource: string | undefined, id: string | null }
  error?: string
}

/** Runs `listen` until `io.signal` aborts (by default SIGINT or SIGTERM). @returns 0 once closed, 1 when it cannot listen */
export async function listen (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    path: { type: 'string' },
    url: { type: 'string' },
    key: { type: 'string' }
  })
  if (values.help === true) {
    io.stdout(HELP)
    return EXIT.ok
  }
  const port = Number(values.port ?? '0')
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number (0 to 65535), not ${JSON.stringify(values.port)}`)
  const host = values.host ?? '127.0.0.1'
  const path = values.path ?? '/webhooks/magnetis'
  if (!path.startsWith('/')) throw new UsageError(`--path must start with "/", not ${JSON.stringify(path)}`)
  const key = signatureKey(values.key, io)

  // Loaded here, so that the other commands work where Fastify is not installed.
  const [{ default: Fastify }, { default: magnetisWebhooks }] = await Promise.all([import('fastify'), import('../index.js')])
  const app = Fastify({ bodyLimit: BODY_LIMIT })
  const seen = new WeakMap<FastifyRequest, Seen>()
  const seenBy = (request: FastifyRequest): Seen => seen.get(request) ?? (seen.set(request, {}), seen.get(request)!)
  let url = values.url ?? ''

  // Before the plugin, so the body is kept even when the plugin refuses a request unread (415, 401).
  app.addHook('preParsing', async (request, _reply, payload) => {
    const rawBody = await readStream(payload, BODY_LIMIT)
    seenBy(request).rawBody = rawBody
    return Object.assign(Readable.from([rawBody]), { receivedEncodedLength: rawBody.length })
  })
  app.addHook('onError', async (request, _reply, error) => {
    // Every error here carries a code (Fastify's and the plugin's); a bare one would show its message alone.
    seenBy(request).error = [(error as { code?: string }).code, error.message].filter((part) => part !== undefined).join(': ')
  })
  app.addHook('onResponse', async (request, reply) => {
    const report = describeRequest(request, reply.statusCode, reply.elapsedTime, seenBy(request), url, key)
    if (values.json === true) printJson(io, report)
    else io.stdout(formatReport(report))
  })
  await app.register(magnetisWebhooks, {
    path,
    url: () => url,
    key,
    // Verified events, and signed ones that failed their schema (422).
    onAny: (event, request) => { seenBy(request).event = eventSummary(event) },
    onError: (_error, event, request) => { seenBy(request).event = eventSummary(event) }
  })

  let address: string
  try {
    address = await app.listen({ port, host })
  } catch (error) {
    io.stderr(`magnetis-webhooks listen: cannot listen on ${host}:${port}: ${(error as Error).message}\n`)
    await app.close()
    return EXIT.failed
  }
  const endpoint = address + path
  if (url === '') url = endpoint
  if (values.json === true) printJson(io, { listening: endpoint, port: (app.server.address() as AddressInfo).port, url })
  else io.stdout(`listening on ${endpoint}\nsigned URL: ${url}\nCtrl-C to stop\n`)

  await stopped(io.signal)
  await app.close()
  return EXIT.ok
}

function eventSummary (event: { name: string, resource: string | undefined, data: unknown }): NonNullable<Seen['event']> {
  const id = (event.data as { id?: unknown } | null)?.id
  return { name: event.name, resource: event.resource, id: typeof id === 'string' ? id : null }
}

function stopped (signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal !== undefined) {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
      return
    }
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

// `reading`: the reading of the body that matched as configured; `wouldMatch`: variants that would have.
interface Report {
  method: string
  url: string
  status: number
  durationMs: number
  headers: Record<string, string | string[] | undefined>
  mediaType: string | null
  signature: 'present' | 'absent'
  body: string | null
  verified: boolean
  reading: string | null
  wouldMatch: string[]
  event: NonNullable<Seen['event']> | null
  error: string | null
}

function describeRequest (request: FastifyRequest, status: number, elapsed: number, seen: Seen, url: string, key: string): Report {
  const headers = { ...request.headers }
  const signature = headers[SIGNATURE_HEADER]
  if (signature !== undefined) headers[SIGNATURE_HEADER] = '(present)'
  const contentType = request.headers['content-type']
  let verdict: Verdict | undefined
  if (seen.rawBody !== undefined && typeof signature === 'string') {
    verdict = findCulprits({
      url,
      receivedUrl: `${request.protocol}://${request.host}${request.url}`,
      signature,
      contentType,
      rawBody: seen.rawBody,
      key
    })
  }
  return {
    method: request.method,
    url: request.url,
    status,
    durationMs: Math.round(elapsed * 10) / 10,
    headers,
    mediaType: contentType === undefined ? null : contentType.split(';')[0]!.trim(),
    signature: signature === undefined ? 'absent' : 'present',
    body: seen.rawBody === undefined ? null : seen.rawBody.toString('utf8'),
    verified: verdict?.valid === true,
    reading: verdict?.valid === true ? verdict.reading : null,
    wouldMatch: verdict?.matches.map((match) => match.changes.join('; ')) ?? [],
    event: seen.event ?? null,
    error: seen.error ?? null
  }
}

function formatReport (report: Report): string {
  let text = `\n${report.method} ${report.url}  ${report.status}  ${report.durationMs} ms\n`
  for (const [name, value] of Object.entries(report.headers)) text += `  ${name}: ${String(value)}\n`
  if (report.signature === 'absent') text += `  ${SIGNATURE_HEADER}: (absent)\n`
  text += `media type: ${report.mediaType ?? '(none)'}\n`
  text += `body: ${report.body === null ? '(none)' : report.body === '' ? '(empty)' : report.body}\n`
  if (report.verified) {
    text += `signature: verified, with ${READINGS[report.reading as keyof typeof READINGS]}\n`
  } else {
    text += `signature: ${report.signature === 'absent' ? 'absent' : 'not verified'}\n`
    for (const variant of report.wouldMatch) text += `  would have matched with: ${variant}\n`
  }
  const event = report.event
  if (event !== null) text += `event: ${event.name}${event.resource === undefined ? '' : ` (${event.resource})`}${event.id === null ? '' : ` ${event.id}`}\n`
  if (report.error !== null) text += `error: ${report.error}\n`
  return text
}
