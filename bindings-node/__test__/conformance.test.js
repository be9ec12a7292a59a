// @ts-check
// The operation conformance vectors (tests/vectors/operations/*.json) through the package's
// own methods: the same scenarios core and every other binding run.
'use strict'
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { mkdtempSync, readdirSync, readFileSync } = require('node:fs')
const { tmpdir } = require('node:os')
const { join } = require('node:path')
const plintoMfa = require('..')

const VECTORS = join(__dirname, '..', '..', 'tests', 'vectors')
const KEY = '3c'.repeat(32)
/** @type {{ operations: Array<{ name: string, node: string }> }} */
const TABLE = JSON.parse(readFileSync(join(VECTORS, 'operations.json'), 'utf8'))

/** @param {any} v @param {Record<string, any>} saved @returns {any} */
function resolve(v, saved) {
  if (typeof v === 'string' && v.startsWith('$')) {
    const [name, ...path] = v.slice(1).split('.')
    assert.ok(name in saved, `nothing saved as ${v}`)
    return path.reduce((cur, p) => cur?.[p], saved[name])
  }
  if (Array.isArray(v)) return v.map((x) => resolve(x, saved))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x, saved)]))
  return v
}

/** @param {any} pattern @param {any} got @returns {boolean} */
function matches(pattern, got) {
  const present = got !== undefined && got !== null
  if (pattern === '$absent') return !present
  if (pattern === '$present') return present
  if (pattern === '$string') return typeof got === 'string'
  if (pattern === '$number') return typeof got === 'number'
  if (Array.isArray(pattern)) return Array.isArray(got) && pattern.length === got.length && pattern.every((p, i) => matches(p, got[i]))
  if (pattern && typeof pattern === 'object') return present && Object.entries(pattern).every(([k, p]) => matches(p, got[k]))
  return pattern === got
}

/** The method of `op` on an instance, by the path operations.json gives. @param {any} instance @param {string} op */
function method(instance, op) {
  const row = TABLE.operations.find((o) => o.name === op)
  assert.ok(row, `${op} is not in the operation table`)
  const path = row.node.split('.')
  const holder = path.length === 1 ? plintoMfa : path.slice(0, -1).reduce((cur, p) => cur[p], instance)
  const fn = /** @type {any} */ (holder)[path[path.length - 1]]
  assert.equal(typeof fn, 'function', `no method for ${op} at ${row.node}`)
  return fn
}

for (const file of readdirSync(join(VECTORS, 'operations')).filter((f) => f.endsWith('.json')).sort()) {
  test(`conformance: ${file}`, async () => {
    const vector = JSON.parse(readFileSync(join(VECTORS, 'operations', file), 'utf8'))
    const dir = mkdtempSync(join(tmpdir(), 'plinto-conformance-'))
    const instance = plintoMfa.createPlinto({
      database: join(dir, 'p.db'),
      secretKey: KEY,
      password: { memoryKib: 64, iterations: 1 },
      ...(vector.options ?? {}),
    })
    /** @type {Record<string, any>} */
    const saved = { key: KEY }
    for (const [i, step] of vector.steps.entries()) {
      const at = `${file} step ${i} (${step.op})`
      const args = resolve(step.args, saved)
      let result
      let error
      try {
        result = await method(instance, step.op)(args)
      } catch (e) {
        error = e
      }
      if (step.expect.ok !== undefined) {
        assert.equal(error, undefined, `${at}: ${error}`)
        assert.ok(matches(step.expect.ok, result), `${at}: ${JSON.stringify(result)} does not match ${JSON.stringify(step.expect.ok)}`)
        if (step.save) saved[step.save] = result
      } else {
        assert.ok(error instanceof plintoMfa.MfaError, `${at}: expected an MfaError, got ${JSON.stringify(result)}`)
        const got = { code: error.code, field: error.field, reason: error.reason }
        assert.ok(matches(step.expect.error, got), `${at}: ${JSON.stringify(got)} does not match ${JSON.stringify(step.expect.error)}`)
      }
    }
  })
}

test('every core operation is a method here, or a documented exclusion', () => {
  const instance = plintoMfa.createPlinto({ database: ':memory:', secretKey: KEY })
  /** @type {{ operations: Array<{ name: string, node: string, note?: string, custom: { node: boolean } }> }} */
  const table = JSON.parse(readFileSync(join(VECTORS, 'operations.json'), 'utf8'))
  for (const op of table.operations) {
    if (op.custom.node) {
      assert.ok(op.note, `${op.name} is left out of Node without a reason`)
      continue
    }
    assert.equal(typeof method(instance, op.name), 'function', op.name)
  }
  assert.equal(typeof instance.auth.mfa.challenge, 'function')
  assert.equal(typeof instance.auth.mfa.setSender, 'function')
})
