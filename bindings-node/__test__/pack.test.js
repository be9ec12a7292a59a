// @ts-check
// The packages as published (pack.js: @plinto/mfa and its platform package
// @plinto/mfa-linux-x64-gnu, in napi-rs's layout) install offline into a fresh project and
// work there from CommonJS, ESM, TypeScript and the admin command.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const { mkdtempSync, readdirSync, writeFileSync, existsSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')

const pkgDir = join(__dirname, '..')

/** The file list of a tarball.
 * @param {string} tarball */
const listing = (tarball) => execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''))

test('the root and platform packages install offline into a fresh project and work (CommonJS, ESM, TypeScript, CLI)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'plinto-pack-'))
  /** @type {string[]} */
  const tarballs = JSON.parse(execFileSync(process.execPath, ['pack.js', outDir], { cwd: pkgDir, encoding: 'utf8' }))
  assert.deepEqual(tarballs, ['plinto-mfa-0.1.0.tgz', 'plinto-mfa-linux-x64-gnu-0.1.0.tgz'])

  const rootFiles = listing(join(outDir, tarballs[0]))
  for (const f of ['cli.js', 'index.js', 'index.mjs', 'index.d.ts', 'native.js', 'native.d.ts', 'operations.js', 'operations.d.ts', 'package.json']) {
    assert.ok(rootFiles.includes(f), `${f} in ${rootFiles}`)
  }
  assert.ok(!rootFiles.some((f) => f.endsWith('.node')), `no addon in the root package: ${rootFiles}`)
  assert.deepEqual(listing(join(outDir, tarballs[1])).sort(), ['README.md', 'package.json', 'plinto-mfa.linux-x64-gnu.node'])

  const app = mkdtempSync(join(tmpdir(), 'plinto-app-'))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--offline', ...tarballs.map((t) => join(outDir, t))], { cwd: app, stdio: 'pipe' })
  const installed = readdirSync(join(app, 'node_modules', '@plinto')).sort()
  assert.deepEqual(installed, ['mfa', 'mfa-linux-x64-gnu'])
  const root = require(join(app, 'node_modules', '@plinto', 'mfa', 'package.json'))
  assert.equal(root.optionalDependencies['@plinto/mfa-linux-x64-gnu'], '0.1.0')
  assert.ok(!existsSync(join(app, 'node_modules', '@plinto', 'mfa', 'plinto-mfa.linux-x64-gnu.node')))

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
  writeFileSync(join(app, 'check.mjs'), `import { createPlinto } from '@plinto/mfa'; console.log(typeof createPlinto)`)
  assert.equal(execFileSync(process.execPath, ['check.mjs'], { cwd: app, encoding: 'utf8' }).trim(), 'function')

  // A TypeScript consumer type-checks against the installed declarations (this package's own
  // TypeScript compiler, run in the fresh project).
  writeFileSync(join(app, 'check.ts'), `
    import { createPlinto, MfaError, type VerifyMfaResult } from '@plinto/mfa'
    const p = createPlinto({ database: 'app.db', secretKey: '44'.repeat(32) })
    export async function verify(userId: string, code: string): Promise<boolean> {
      try {
        const result: VerifyMfaResult = await p.auth.verifyMFA({ userId, method: 'totp', code })
        return result.success
      } catch (e) {
        if (e instanceof MfaError) return e.code === 'mfa_invalid_code' ? false : Promise.reject(e)
        throw e
      }
    }
  `)
  writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', types: [] },
    files: ['check.ts']
  }))
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', app], { cwd: app, encoding: 'utf8' })
})
