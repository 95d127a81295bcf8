// The hostile-input matrix, endpoint URL rows (issue 4): the URL is signed as
// typed, never rebuilt from the request. Rows: test/helpers/hostile-rows-url.ts.
import t from 'tap'
import { defineRow } from '../helpers/hostile-harness.js'
import { urlRows } from '../helpers/hostile-rows-url.js'

for (const row of urlRows) defineRow(t, row)
