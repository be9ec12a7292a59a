// Starts the Express example (the real native core on a fresh SQLite file) once for all test
// files, and stops it afterwards. Its address reaches the tests as inject('baseURL').
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
  }
}

const serve = fileURLToPath(new URL('../../../examples/react/e2e/serve.js', import.meta.url))

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'plinto-react-'))
  const child = spawn(process.execPath, [serve], {
    env: {
      ...process.env,
      PORT: '0',
      NODE_ENV: 'test',
      PLINTO_DATABASE: join(dir, 'plinto.db'),
      PLINTO_SECRET_KEY: randomBytes(32).toString('hex'),
      // Cheap password hashing and no delay between wrong codes: the tests sign up often and
      // type wrong codes on purpose. The core's persisted attempt limits stay as they are.
      PLINTO_CONFIG: JSON.stringify({ password: { memoryKib: 64, iterations: 1 }, rateLimiting: { progressiveDelay: false } }),
      MFA_VERIFY_MAX_PER_WINDOW: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stderr.on('data', (d: Buffer) => (log += d.toString()))
  const baseURL = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 30 s: ${log}`)), 30_000)
    child.stdout.on('data', (d: Buffer) => {
      log += d.toString()
      const match = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(log)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the server exited with ${code}: ${log}`))
    })
  })
  project.provide('baseURL', baseURL)
  return async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    rmSync(dir, { recursive: true, force: true })
  }
}
