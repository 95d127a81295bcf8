// `send`: what the vendor's test panel does ("Testing the Webhook"); each attempt is recorded for `history`.
import { bodyAs, choosePayload, EXIT, PAYLOAD_OPTIONS, parseCommand, printJson, signatureKey, signBody, UsageError, type CliIo } from './common.js'
import { recordAttempt } from './history.js'

export const HELP = `Usage: magnetis-webhooks send <endpoint> [options]

Posts a signed event to <endpoint>, as the Magnétis test panel does, and prints
the reply's status, the time it took and its body.

Options:
  --key KEY        the webhook's signature key (default: $MAGNETIS_KEY, which is
                   safer: a command line is visible to other users)
  --url URL        the URL to sign, exactly as typed in the Magnétis interface
                   (default: <endpoint>)
  --event NAME     call:completed, call:missed, call:ringing, email:received,
                   lead:created or test (default: test)
  --resource NAME  the sample data of a test event: call, email or lead (default: call)
  --data FILE      your own payload: a JSON object, the whole {"event", "data"}
                   envelope or only its data
  --as form|json   application/x-www-form-urlencoded or application/json (default: json)
  --timeout MS     stop waiting for the reply after MS milliseconds (default: 10000)
  --json           print the result as JSON
  -h, --help       show this help

Exit codes: 0 a 2xx reply, 1 another reply or none, 2 a usage error.
`

/** Runs `send`. @returns 0 for a 2xx reply, 1 for another status or no reply */
export async function send (args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { ...PAYLOAD_OPTIONS, url: { type: 'string' }, timeout: { type: 'string' } }, 1)
  if (values.help === true) {
    io.stdout(HELP)
    return EXIT.ok
  }
  const endpoint = httpUrl(positionals[0])
  const key = signatureKey(values.key, io)
  const as = bodyAs(values.as)
  const timeout = milliseconds(values.timeout ?? '10000')
  const chosen = await choosePayload(values)
  const url = values.url ?? endpoint
  const request = signBody(key, url, chosen.payload, as)

  const time = new Date().toISOString()
  const started = performance.now()
  let status: number | null = null
  let statusText = ''
  let replyType: string | null = null
  let reply = ''
  let error: string | undefined
  try {
    // redirect: 'manual': a 301 to https is a finding to show, not to follow.
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeout)
    })
    reply = await response.text()
    status = response.status
    statusText = response.statusText
    replyType = response.headers.get('content-type')
  } catch (failure) {
    error = describeFailure(failure, timeout)
  }
  const durationMs = Math.round((performance.now() - started) * 10) / 10

  try {
    await recordAttempt(io.env, { time, endpoint, event: chosen.event, resource: chosen.resource, as, status, durationMs, error })
  } catch (failure) {
    io.stderr(`warning: the attempt was not recorded in the history: ${(failure as Error).message}\n`)
  }

  const ok = status !== null && status >= 200 && status < 300
  if (values.json === true) {
    printJson(io, { ok, endpoint, url, event: chosen.event, resource: chosen.resource ?? null, as, status, statusText, durationMs, contentType: replyType, body: reply, error: error ?? null })
  } else {
    const event = chosen.event === 'test' && chosen.resource !== undefined ? `test (${chosen.resource})` : chosen.event
    io.stdout(`POST ${endpoint}  ${event} as ${as}${url === endpoint ? '' : `, signed for ${url}`}\n`)
    io.stdout(status === null ? `no reply: ${error}  ${durationMs} ms\n` : `${status} ${statusText}  ${durationMs} ms\n`)
    if (reply !== '') io.stdout(reply.endsWith('\n') ? reply : reply + '\n')
  }
  return ok ? EXIT.ok : EXIT.failed
}

function httpUrl (endpoint: string | undefined): string {
  if (endpoint === undefined) throw new UsageError('send needs the <endpoint> URL to post to')
  let protocol = ''
  try {
    protocol = new URL(endpoint).protocol
  } catch {}
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new UsageError(`the endpoint must be an http:// or https:// URL, not ${JSON.stringify(endpoint)}`)
  }
  return endpoint
}

function milliseconds (text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`--timeout must be a positive number of milliseconds, not ${JSON.stringify(text)}`)
  return value
}

// fetch() puts why a connection failed in `cause`; a request it refuses to make has none.
function describeFailure (failure: unknown, timeout: number): string {
  const error = failure as Error & { cause?: { code?: string } }
  if (error.name === 'TimeoutError') return `no reply within ${timeout} ms`
  return error.cause?.code ?? error.message
}
