// @ts-check
// `npm pack` makes a tarball that installs into a fresh directory and works there.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const { mkdtempSync, writeFileSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')

test('npm pack → npm install in a fresh directory → works (CommonJS and ESM)', () => {
  const pkgDir = join(__dirname, '..')
  const outDir = mkdtempSync(join(tmpdir(), 'plinto-pack-'))
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], { cwd: pkgDir, encoding: 'utf8' }))
  const files = packed[0].files.map((/** @type {{path: string}} */ f) => f.path)
  for (const f of ['cli.js', 'index.js', 'index.mjs', 'index.d.ts', 'native.js', 'native.d.ts', 'package.json']) {
    assert.ok(files.includes(f), `${f} in ${files}`)
  }
  assert.ok(files.some((/** @type {string} */ f) => f.endsWith('.node')), 'native addon packed')
  const app = mkdtempSync(join(tmpdir(), 'plinto-app-'))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', join(outDir, packed[0].filename)], { cwd: app, stdio: 'pipe' })
  const script = `
    const { createPlinto, MfaError } = require('@plinto/mfa');
    const p = createPlinto({ database: 'app.db', secretKey: '44'.repeat(32) });
    p.auth.signUp({ email: 'pack@example.com', password: 'TestPassword123!' })
      .then(r => p.auth.getMFAStatus({ userId: 7 }).catch(e => console.log(r.user.email, e instanceof MfaError, e.code)))`
  assert.equal(execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' }).trim(), 'pack@example.com true invalid_input')
  // The admin command, as `npx @plinto/mfa …` runs it from the installed package, on the
  // database the script above made.
  const env = { ...process.env, PLINTO_DATABASE: join(app, 'app.db'), PLINTO_SECRET_KEY: '44'.repeat(32) }
  const status = JSON.parse(execFileSync('npx', ['--offline', '@plinto/mfa', '--json', 'rollout', 'status'], { cwd: app, env, encoding: 'utf8' }))
  assert.equal(status.phase, 'optional')
  const esm = `import { createPlinto } from '@plinto/mfa'; console.log(typeof createPlinto)`
  writeFileSync(join(app, 'check.mjs'), esm)
  assert.equal(execFileSync(process.execPath, ['check.mjs'], { cwd: app, encoding: 'utf8' }).trim(), 'function')
})
