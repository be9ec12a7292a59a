#!/usr/bin/env node
// `npx @plinto/mfa …` (or `plinto …` once installed): the admin command of the native core,
// on the database PLINTO_DATABASE names with PLINTO_SECRET_KEY. `--help` lists the commands.
'use strict'
const { runCli } = require('./native.js')

process.exitCode = runCli(process.argv.slice(2))
