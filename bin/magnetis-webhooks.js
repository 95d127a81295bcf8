#!/usr/bin/env node
// The `magnetis-webhooks` command: runs the built CLI (dist/esm/cli/main.js).
import { main } from '../dist/esm/cli/main.js'

process.exitCode = await main(process.argv.slice(2))
