// The hostile-input matrix, signature header rows (issue 4): each row is a
// request with its exact status, error code and number of handler calls.
// The rows themselves are in test/helpers/hostile-rows-signature.ts, so that
// test/hostile-logging.test.ts can replay them with the logger at trace.
import t from 'tap'
import { defineRow } from '../helpers/hostile-harness.js'
import { signatureRows } from '../helpers/hostile-rows-signature.js'

for (const row of signatureRows) defineRow(t, row)
