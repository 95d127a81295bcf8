/**
 * `magnetis-webhooks verify`: does a captured request verify, and if not,
 * which usual mistake explains it? The culprit finder (lib/diagnosis/culprits.ts,
 * shared with the plugin's 401 log) names every variant that would have
 * matched, with what to change. It never prints the key.
 */
import { findCulprits, READINGS, type CulpritInput, type Verdict } from '../diagnosis/culprits.js'
import { EXIT, parseCommand, printJson, readInput, signatureKey, UsageError, type CliIo } from './common.js'

export const HELP = `Usage: magnetis-webhooks verify --url URL --signature SIG --content-type TYPE --body-file FILE [options]

Says whether a captured request verifies. If it does not, tries the usual
culprits and names each one that would have matched, and what to change:
http vs https, the default port written or not, a trailing slash, the URL the
request was received on; a body file with a trailing newline (or CRLF) or a
byte-order mark the request did not sign; the body read as JSON-flattened
pairs, as top-level JSON values, with numbers written otherwise than PHP
writes them, or as one raw string; and a key with stray white space.

Options:
  --url URL           the endpoint URL as configured (typed in the Magnétis interface)
  --signature SIG     the X-CALLTRACKING-SIGNATURE header received
  --content-type T    the Content-Type header received
  --body-file FILE    the raw body received, byte for byte
  --received-url URL  the URL the request was received on (behind a proxy, often
                      http:// and another host or port)
  --key KEY           the webhook's signature key (default: $MAGNETIS_KEY)
  --json              print the result as JSON
  -h, --help          show this help

Exit codes: 0 valid, 1 invalid, 2 a usage error.
`

/** Runs `verify`. @returns 0 when the request verifies as configured, 1 when it does not */
export async function verify (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, {
    url: { type: 'string' },
    signature: { type: 'string' },
    'content-type': { type: 'string' },
    'body-file': { type: 'string' },
    'received-url': { type: 'string' },
    key: { type: 'string' }
  })
  if (values.help === true) {
    io.stdout(HELP)
    return EXIT.ok
  }
  for (const name of ['url', 'signature', 'content-type', 'body-file'] as const) {
    if (values[name] === undefined) throw new UsageError(`verify needs --${name}`)
  }
  const key = signatureKey(values.key, io)
  const input: CulpritInput = {
    url: values.url!,
    receivedUrl: values['received-url'],
    signature: values.signature!,
    contentType: values['content-type'],
    rawBody: await readInput(values['body-file']!),
    key
  }
  const verdict = findCulprits(input)
  if (values.json === true) printJson(io, verdict)
  else io.stdout(describeVerdict(verdict, input))
  return verdict.valid ? EXIT.ok : EXIT.failed
}

/** The verdict in words, for people. */
export function describeVerdict (verdict: Verdict, input: Pick<CulpritInput, 'url' | 'signature'>): string {
  if (verdict.valid) return `valid: the signature matches ${input.url} with ${READINGS[verdict.reading!]}\n`
  let text = `invalid: the signature does not match ${input.url} with ${verdict.reading === null ? 'this body' : READINGS[verdict.reading]}\n`
  if (verdict.readingError !== null) text += `  the plugin would refuse the body: ${verdict.readingError}\n`
  text += `  received  ${JSON.stringify(input.signature)}\n`
  if (verdict.expected !== null) text += `  expected  ${JSON.stringify(verdict.expected)}\n`
  if (verdict.matches.length === 0) {
    return text + 'no usual culprit explains it: check the key (copy it again from API & Connectors > Webhooks) and that the body file holds the raw bytes received, not a parsed and re-serialised copy\n'
  }
  text += 'would have matched:\n'
  for (const match of verdict.matches) {
    text += `  - ${match.changes.join('; ')}\n`
    for (const advice of match.advice) text += `    change: ${advice}\n`
  }
  return text
}
