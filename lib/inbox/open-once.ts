/** A store's `open()`: concurrent callers share one attempt; a failed attempt is forgotten so the next call tries again, and `reset()` (at close) allows a new one. */
export class OpenOnce {
  readonly #open: () => Promise<void>
  #opening: Promise<void> | undefined

  constructor (open: () => Promise<void>) {
    this.#open = open
  }

  run (): Promise<void> {
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined
      throw error
    })
    return this.#opening
  }

  reset (): void {
    this.#opening = undefined
  }
}
