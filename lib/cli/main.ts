// `magnetis-webhooks`: dispatches to one module per command; bin/magnetis-webhooks.js calls `main`.
import { EXIT, printJson, UsageError, type CliIo } from './common.js'
import { history, HELP as HISTORY_HELP } from './history.js'
import { listen, HELP as LISTEN_HELP } from './listen.js'
import { send, HELP as SEND_HELP } from './send.js'
import { sign, HELP as SIGN_HELP } from './sign.js'
import { verify, HELP as VERIFY_HELP } from './verify.js'

export type { CliIo } from './common.js'

const COMMANDS: Record<string, { run: (args: string[], io: CliIo) => Promise<number>, help: string }> = {
  send: { run: send, help: SEND_HELP },
  sign: { run: sign, help: SIGN_HELP },
  verify: { run: verify, help: VERIFY_HELP },
  listen: { run: listen, help: LISTEN_HELP },
  history: { run: history, help: HISTORY_HELP }
}

export const HELP = `Usage: magnetis-webhooks <command> [options]

Commands:
  send <endpoint>  post a signed event (a built-in sample or your payload) and show the reply
  sign             print the X-CALLTRACKING-SIGNATURE of a payload
  verify           check a captured request and name the culprit if it does not verify
  listen           run a local endpoint that prints every request and whether it verifies
  history          show the last 10 attempts of send

Run "magnetis-webhooks <command> --help" for a command's options.
The signature key comes from --key or MAGNETIS_KEY; it is never printed.
With --json, a command's result is JSON on standard output, and so is a usage
error: {"ok": false, "exitCode": 2, "error": "…", "help": "…"}.
Exit codes: 0 ok or valid, 1 invalid signature or non-2xx reply, 2 usage error.
`

const processIo: CliIo = {
  stdout: (text) => { process.stdout.write(text) },
  stderr: (text) => { process.stderr.write(text) },
  env: process.env
}

/** Runs one command line (the arguments after the program name); returns the exit code: 0 ok, 1 invalid or non-2xx, 2 usage error. */
export async function main (argv: string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv
  if (name === '--help' || name === '-h' || name === 'help') {
    const command = args[0] === undefined ? undefined : COMMANDS[args[0]]
    io.stdout(command?.help ?? HELP)
    return EXIT.ok
  }
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined
  if (command === undefined) {
    if (name !== undefined && wantsJson(args)) return usageError(io, `unknown command ${JSON.stringify(name)}`, 'magnetis-webhooks --help')
    io.stderr((name === undefined ? '' : `magnetis-webhooks: unknown command ${JSON.stringify(name)}\n\n`) + HELP)
    return EXIT.usage
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    const help = `magnetis-webhooks ${name} --help`
    if (wantsJson(args)) return usageError(io, error.message, help)
    io.stderr(`magnetis-webhooks ${name}: ${error.message}\nRun "${help}" for its options.\n`)
    return EXIT.usage
  }
}

// Arguments after "--" are positionals, never options.
function wantsJson (args: string[]): boolean {
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).includes('--json')
}

/** With `--json`, a usage error is one JSON line on standard output too, so scripts read one format: `{ ok: false, exitCode: 2, error, help }`. */
function usageError (io: CliIo, message: string, help: string): number {
  printJson(io, { ok: false, exitCode: EXIT.usage, error: message, help })
  return EXIT.usage
}
