// The 401 says what to fix: logs (info) the URL and likeliest culprit, budgeted per route, and the reply names the problem class (docs/numbers-and-401.md).
import type { FastifyRequest } from 'fastify'
import { InvalidSignatureError } from '../errors.js'
import { findCulprits, type CulpritInput, type Match } from './culprits.js'

/** Diagnosed signature failures per route per minute, by default. */
export const DEFAULT_DIAGNOSES_PER_MINUTE = 10

const MINUTE = 60_000

/** Allows `perMinute` diagnoses per 60 s window (`now` in ms) starting at the first; failures past it are counted. */
export class DiagnosisBudget {
  #windowStart = Number.NEGATIVE_INFINITY
  #used = 0
  #skipped = 0

  constructor (readonly perMinute: number, readonly now: () => number = Date.now) {}

  /** @returns the failures left undiagnosed since the last diagnosis when this one may run, else `undefined` (and it is counted) */
  take (): number | undefined {
    const now = this.now()
    if (now - this.#windowStart >= MINUTE) {
      this.#windowStart = now
      this.#used = 0
    }
    if (this.#used >= this.perMinute) {
      this.#skipped++
      return undefined
    }
    this.#used++
    const skipped = this.#skipped
    this.#skipped = 0
    return skipped
  }
}

const NO_CULPRIT = 'none of the usual mistakes: the signature key differs from the webhook\'s, or the body was changed after signing (by a proxy, say)'
const NO_CULPRIT_ADVICE = 'copy the signature key again from Magnétis (API & Connectors > Webhooks); make sure nothing between Magnétis and this server rewrites the body'
const CUSTOM_READING = 'the plugin\'s built-in reading of the body verifies: the route\'s "pairsFromBody" option reads it otherwise'

/** Diagnoses and logs a mismatched signature if the budget allows. @returns the 401 `InvalidSignatureError` to throw, naming the problem class when a variant matched */
export function diagnoseSignatureFailure (request: FastifyRequest, input: CulpritInput, budget: DiagnosisBudget): InvalidSignatureError {
  const undiagnosed = budget.take()
  if (undiagnosed === undefined) return new InvalidSignatureError()
  const verdict = findCulprits(input)
  const first = verdict.matches[0]
  const culprit = verdict.valid ? CUSTOM_READING : first === undefined ? NO_CULPRIT : first.changes.join('; ')
  // Never the key, the signature or the body: URLs and the names of changes only.
  request.log.info({
    magnetisSignature: {
      url: input.url,
      culprit,
      advice: first?.advice ?? (verdict.valid ? [] : [NO_CULPRIT_ADVICE]),
      otherMatches: Math.max(0, verdict.matches.length - 1),
      undiagnosed
    }
  }, `fastify-magnetis-webhooks: the signature does not match ${input.url}; most likely: ${culprit}. ` +
    'Check a captured request with `npx magnetis-webhooks verify` (it prints every variant that matches)')
  return new InvalidSignatureError(first === undefined ? undefined : problemClass(first))
}

/** What kind of change would have matched, in words that hold no secret. */
function problemClass (match: Match): string {
  const kinds: string[] = []
  if (match.advice.some((advice) => advice.startsWith('make the URL'))) kinds.push('another form of the endpoint URL (scheme, port, trailing slash, or the URL it was received on)')
  if (match.body !== null) kinds.push('the body without a trailing line end or byte-order mark')
  if (match.changes.some((change) => change.startsWith('the body read as'))) kinds.push('the body read another way (media type, flattening or number format)')
  if (match.keyTrimmed) kinds.push('the signature key without its surrounding white space')
  return kinds.join(' and ')
}
