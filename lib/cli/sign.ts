// `sign`: the X-CALLTRACKING-SIGNATURE of a payload ("Generating a Signature"), for requests of your own or to compare.
import { signatureBaseString } from '../signature/sign.js'
import { bodyAs, choosePayload, EXIT, PAYLOAD_OPTIONS, parseCommand, printJson, signatureKey, signBody, UsageError, type CliIo } from './common.js'

export const HELP = `Usage: magnetis-webhooks sign --url URL [--data FILE] [options]

Prints the X-CALLTRACKING-SIGNATURE of a payload (the whole {"event", "data"}
envelope) sent to URL. A form body and a JSON body of the same payload carry
the same POST variables, so they have the same signature.

Options:
  --url URL        the endpoint URL exactly as typed in the Magnétis interface (required)
  --key KEY        the webhook's signature key (default: $MAGNETIS_KEY)
  --data FILE      the payload: a JSON object, the whole envelope or only its data
                   (default: the built-in sample of --event and --resource)
  --event NAME     the event (default: test, or the one in FILE)
  --resource NAME  the sample data of a test event: call, email or lead (default: call)
  --as form|json   the body given by --json (default: json)
  --show-base      also print the signature base string (what is HMAC'd)
  --json           print url, signature, content type and body as JSON
  -h, --help       show this help
`

/** Runs `sign`. @returns exit code 0 */
export async function sign (args: string[], io: CliIo): Promise<number> {
  const { values } = parseCommand(args, { ...PAYLOAD_OPTIONS, url: { type: 'string' }, 'show-base': { type: 'boolean' } })
  if (values.help === true) {
    io.stdout(HELP)
    return EXIT.ok
  }
  const url = values.url
  if (url === undefined || url === '') throw new UsageError('sign needs --url, the endpoint URL exactly as typed in the Magnétis interface')
  const key = signatureKey(values.key, io)
  const as = bodyAs(values.as)
  const chosen = await choosePayload(values)
  const request = signBody(key, url, chosen.payload, as)
  const signature = request.headers['x-calltracking-signature']
  const base = values['show-base'] === true ? signatureBaseString(url, chosen.payload) : undefined

  if (values.json === true) {
    printJson(io, { url, event: chosen.event, signature, contentType: request.headers['content-type'], body: request.body, ...(base === undefined ? {} : { base }) })
  } else if (base === undefined) {
    // The bare signature, so that SIG=$(magnetis-webhooks sign …) works.
    io.stdout(signature + '\n')
  } else {
    io.stdout(`signature: ${signature}\nsignature base string: ${base}\n`)
  }
  return EXIT.ok
}
