// The diagnosis budget, on an injected clock: counts, never wall-clock time.
import t from 'tap'
import { DEFAULT_DIAGNOSES_PER_MINUTE, DiagnosisBudget } from '../../lib/diagnosis/signature-failure.js'

t.test('perMinute diagnoses per window of a minute from the first; the rest are counted and handed to the next', async t => {
  let now = 1_000_000
  const budget = new DiagnosisBudget(2, () => now)
  t.equal(budget.take(), 0)
  t.equal(budget.take(), 0)
  t.equal(budget.take(), undefined, 'the third in the window is counted, not diagnosed')
  t.equal(budget.take(), undefined)
  now += 59_999
  t.equal(budget.take(), undefined, 'still the same window')
  now += 1
  t.equal(budget.take(), 3, 'a new window: the next diagnosis reports the 3 undiagnosed')
  t.equal(budget.take(), 0)
  t.equal(budget.take(), undefined)
})

t.test('zero allows none; the default is 10 per minute and uses Date.now', async t => {
  const none = new DiagnosisBudget(0, () => 0)
  t.equal(none.take(), undefined)
  t.equal(none.take(), undefined)
  t.equal(DEFAULT_DIAGNOSES_PER_MINUTE, 10)
  const real = new DiagnosisBudget(1)
  t.equal(real.take(), 0)
  t.equal(real.take(), undefined)
})
