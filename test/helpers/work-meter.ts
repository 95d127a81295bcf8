/**
 * Counts work instead of timing it, so that a test can bound how much a call
 * does without a wall-clock threshold (a busy machine slows the clock, never
 * the count). While `measureWork` runs a synchronous function, each call of
 * a built-in that walks a string, an array or an object's keys adds the
 * length it walks (the string's or array's length, or the number of keys it
 * returns); a call that touches one item adds 1.
 *
 * It sees only what goes through these built-ins: a hand-written loop over an
 * array or a `for…in` is not counted. It is a probe for the usual quadratic
 * paths (a scan of all keys, an `indexOf`, a `slice` or a copy per item),
 * not a proof that a function is linear.
 */

type Walked = (self: unknown, args: unknown[], result: unknown) => number

const lengthOfSelf: Walked = (self) => (self as { length?: number }).length ?? 1
const lengthOfResult: Walked = (_self, _args, result) => (result as unknown[]).length
const lengthOfFirstArgument: Walked = (_self, args) => String(args[0]).length
const one: Walked = () => 1

const STRING_METHODS = ['indexOf', 'lastIndexOf', 'includes', 'slice', 'substring', 'split', 'startsWith', 'endsWith',
  'replace', 'replaceAll', 'match', 'matchAll', 'search', 'trim', 'toLowerCase', 'toUpperCase', 'padStart', 'padEnd',
  'repeat', 'concat', 'normalize', 'localeCompare', 'isWellFormed', 'toWellFormed'] as const
const ARRAY_METHODS = ['indexOf', 'lastIndexOf', 'includes', 'slice', 'splice', 'concat', 'join', 'some', 'every', 'find',
  'findIndex', 'findLast', 'findLastIndex', 'filter', 'map', 'flatMap', 'flat', 'forEach', 'reduce', 'reduceRight',
  'sort', 'reverse', 'fill', 'copyWithin', 'unshift', 'shift', 'keys', 'values', 'entries'] as const

interface Patch { owner: object, name: string, walked: Walked }

const PATCHES: Patch[] = [
  ...STRING_METHODS.map((name) => ({ owner: String.prototype, name, walked: lengthOfSelf })),
  ...ARRAY_METHODS.map((name) => ({ owner: Array.prototype, name, walked: lengthOfSelf })),
  { owner: Array.prototype, name: 'push', walked: one },
  { owner: Array.prototype, name: 'pop', walked: one },
  { owner: Array, name: 'from', walked: lengthOfResult },
  { owner: Object, name: 'keys', walked: lengthOfResult },
  { owner: Object, name: 'values', walked: lengthOfResult },
  { owner: Object, name: 'entries', walked: lengthOfResult },
  { owner: Object, name: 'getOwnPropertyNames', walked: lengthOfResult },
  { owner: Object, name: 'assign', walked: one },
  { owner: Reflect, name: 'ownKeys', walked: lengthOfResult },
  { owner: RegExp.prototype, name: 'test', walked: lengthOfFirstArgument },
  { owner: RegExp.prototype, name: 'exec', walked: lengthOfFirstArgument },
  { owner: JSON, name: 'stringify', walked: (_self, _args, result) => String(result).length },
  { owner: JSON, name: 'parse', walked: lengthOfFirstArgument }
]

/** The work `run` does through the built-ins above, and its result. `run` must be synchronous. */
export function measureWork<T> (run: () => T): { work: number, result: T } {
  let work = 0
  // Off while the patches go in (the loop below calls built-ins) and after `run` returns.
  let counting = false
  const saved: Array<[object, string, unknown]> = []
  for (const { owner, name, walked } of PATCHES) {
    const original = (owner as Record<string, unknown>)[name]
    if (typeof original !== 'function') continue
    saved.push([owner, name, original])
    const wrapper = function (this: unknown, ...args: unknown[]): unknown {
      const result = Reflect.apply(original, this, args)
      // The meter's own bookkeeping calls built-ins too: it does not count itself.
      if (counting) {
        counting = false
        work += walked(this, args, result)
        counting = true
      }
      return result
    }
    Object.defineProperty(owner, name, { value: wrapper, writable: true, configurable: true, enumerable: false })
  }
  try {
    counting = true
    const result = run()
    counting = false
    return { work, result }
  } finally {
    counting = false
    for (const [owner, name, original] of saved) {
      Object.defineProperty(owner, name, { value: original, writable: true, configurable: true, enumerable: false })
    }
  }
}
