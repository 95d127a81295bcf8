// The hostile-input matrix, body rows (issue 4): empty, blank, odd media
// types and encodings, hostile form and JSON shapes, sizes at and past the
// limit over inject and over a real socket. Rows: test/helpers/hostile-rows-body.ts.
import t from 'tap'
import { defineRow } from '../helpers/hostile-harness.js'
import { bodyRows } from '../helpers/hostile-rows-body.js'

for (const row of bodyRows) defineRow(t, row)
