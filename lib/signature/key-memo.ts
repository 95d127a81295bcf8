// The vendor sends the same keys in every delivery, so what is derived from a key is worth remembering, within bounds.

/** A bounded memo from a POST variable's key to what is derived from it: at most `maxEntries` keys of at most `maxKeyLength` characters. */
export class KeyMemo<V> {
  readonly #entries = new Map<string, KeyMemoEntry<V>>()

  constructor (readonly maxEntries = 1024, readonly maxKeyLength = 128) {}

  /** `derive(key)`, remembered; `derive` gets a copy of a key that will be kept, so nothing kept shares the body's memory. */
  get (key: string, derive: (key: string) => V): V {
    const entry = this.entry(key, derive)
    return entry === undefined ? derive(key) : entry.value
  }

  /** The remembered entry of `key` (its kept copy and `derive(copy)`), made now if need be; `undefined` for a key too long to keep. */
  entry (key: string, derive: (key: string) => V): KeyMemoEntry<V> | undefined {
    const known = this.#entries.get(key)
    if (known !== undefined) return known
    if (key.length > this.maxKeyLength) return undefined
    // A copy: a key may be a slice of the whole body, which the map would otherwise keep alive.
    const own = Buffer.from(key, 'utf16le').toString('utf16le')
    const entry = { key: own, value: derive(own) }
    if (this.#entries.size === this.maxEntries) this.#entries.clear()
    this.#entries.set(own, entry)
    return entry
  }

  /** How many keys are remembered (for tests: the memory they take is bounded). */
  get size (): number {
    return this.#entries.size
  }
}

/** One remembered key: the memo's own copy of it, and what was derived from it. */
export interface KeyMemoEntry<V> {
  readonly key: string
  readonly value: V
}
