import { createRequire } from 'node:module'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const require = createRequire(import.meta.url)
const { createPlinto } = require('../bindings-node')
const { authenticator } = require('otplib')
const dir = mkdtempSync(join(tmpdir(), 'pf-'))
const plinto = createPlinto({ database: join(dir, 'a.db'), secretKey: '42'.repeat(32), password: { memoryKib: 64, iterations: 1 }, storage: { durability: process.env.D ?? 'full' } })
const N = Number(process.env.N ?? 5000)
const C = Number(process.env.C ?? 16)
const users = []
for (let i = 0; i < N; i += 50) {
  users.push(...await Promise.all(Array.from({ length: 50 }, async (_, j) => {
    const { user, session } = await plinto.auth.signUp({ email: `u${i + j}@b.example`, password: 'Bench-Password-1' })
    const setup = await plinto.auth.enableMFA({ userId: user.id, method: 'totp', sessionToken: session.token })
    await plinto.auth.verifyMFA({ userId: user.id, method: 'totp', code: authenticator.generate(setup.secret), sessionToken: session.token })
    return { id: user.id, secret: setup.secret }
  })))
}
const codes = users.map((u) => authenticator.clone({ epoch: Date.now() + 30_000 }).generate(u.secret))
console.error('ready', Date.now())
await new Promise((r) => setTimeout(r, 500))
let next = 0
const t = performance.now()
await Promise.all(Array.from({ length: C }, async () => {
  while (next < N) { const i = next++; const res = await plinto.auth.verifyMFA({ userId: users[i].id, method: 'totp', code: codes[i] }); if (!res.success) throw new Error('x') }
}))
console.log('ops/s', N / ((performance.now() - t) / 1000))
