// @vitest-environment node
// What `npm pack` would publish, and that Node loads it as an ES module with its declarations.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('the package', () => {
  it('packs the built ES modules, their declarations, the stylesheet and the README', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--silent'], { cwd: root, encoding: 'utf8' })) as {
      files: { path: string }[]
    }[]
    const files = packed.files.map((f) => f.path).sort()
    expect(files).toContain('dist/index.js')
    expect(files).toContain('dist/index.d.ts')
    expect(files).toContain('dist/styles.css')
    expect(files).toContain('dist/components/MfaSetup.js')
    expect(files).toContain('dist/components/MfaSetup.d.ts')
    expect(files).toContain('README.md')
    expect(files.filter((f) => !/^dist\/.+\.(js|d\.ts|css)$/.test(f)).sort()).toEqual(['README.md', 'package.json'])
  })

  it('loads in Node as an ES module, through its exports', () => {
    const script = `
      const m = await import('@plinto/mfa-react')
      const names = ['MfaSetup', 'MfaChallenge', 'MfaSettings', 'useMfa', 'SecurityKeys', 'PushApproval', 'PushDevices', 'MfaProvider', 'createMfaClient']
      console.log(JSON.stringify(names.filter((n) => typeof m[n] !== 'function')))
    `
    // The package resolves itself by name from its own folder (a package may import itself).
    const missing = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' })
    expect(JSON.parse(missing)).toEqual([])
  })
})
