// The generated TypeScript skips type checking (`// @ts-nocheck`), so nothing else would notice
// a runtime that lacks what it imports: every value the generated files import from
// `@ubjs/core` must be exported by the runtime this package installs, and the runtime must be
// the version of the generator that wrote them.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { test } from 'node:test'

const generated = new URL('../src/generated/', import.meta.url)
const require = createRequire(import.meta.url)

/** The value (not type-only) names a file imports from `@ubjs/core`. */
function runtimeImports(source) {
  const names = []
  for (const [, list] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*["']@ubjs\/core["']/g)) {
    for (const item of list.split(',').map((s) => s.trim())) {
      if (item && !item.startsWith('type ')) names.push(item.split(/\s+as\s+/)[0])
    }
  }
  return names
}

test('the runtime exports every value the generated bindings import', async () => {
  const runtime = await import('@ubjs/core')
  const files = readdirSync(generated).filter((f) => f.endsWith('.ts'))
  assert.ok(files.length >= 4, `generated files: ${files}`)
  let checked = 0
  for (const file of files) {
    for (const name of runtimeImports(readFileSync(new URL(file, generated), 'utf8'))) {
      assert.ok(name in runtime, `${file} imports ${name}, which @ubjs/core does not export`)
      checked += 1
    }
  }
  assert.ok(checked > 20, `only ${checked} imports found: the pattern no longer matches the generated code`)
})

test('the runtime is the generator’s version', () => {
  const runtime = require('@ubjs/core/package.json')
  const generator = require('uniffi-bindgen-react-native/package.json')
  assert.equal(runtime.version, generator.version)
})
