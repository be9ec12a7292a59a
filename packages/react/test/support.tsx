// What the component tests stand on: a client with a cookie jar against the running server,
// rendering inside <MfaProvider>, TOTP codes from otplib, and axe-core.
import { render } from '@testing-library/react'
import axe from 'axe-core'
import { authenticator } from 'otplib'
import { randomUUID } from 'node:crypto'
import type { ReactElement } from 'react'
import { expect, inject } from 'vitest'
import { createMfaClient, MfaProvider, type MfaClient, type MfaTextOverrides } from '../src/index.js'

export const PASSWORD = 'Component-Test-Password-42'
export const baseURL = inject('baseURL')

/** A client of the test server that keeps its session cookie, as a browser would. */
export function browserClient(): MfaClient {
  let cookie = ''
  const withCookie: typeof fetch = async (input, init) => {
    const headers = new Headers(init?.headers)
    if (cookie) headers.set('cookie', cookie)
    const response = await fetch(input, { ...init, headers })
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';')[0]
      if (pair.startsWith('session=')) cookie = pair.endsWith('=') ? '' : pair
    }
    return response
  }
  return createMfaClient({ baseUrl: baseURL, fetch: withCookie })
}

/** A new user, signed in, and the client holding their session. */
export async function signedUpUser(): Promise<{ client: MfaClient; email: string }> {
  const client = browserClient()
  const email = `user-${randomUUID()}@example.com`
  await client.auth.signUp({ email, password: PASSWORD })
  return { client, email }
}

/** A user with TOTP confirmed, still signed in (with the check fresh) on `client`: the secret,
 * the code that confirmed it (spent) and the backup codes issued then. */
export async function userWithTotp(): Promise<{ client: MfaClient; email: string; secret: string; code: string; backupCodes: string[] }> {
  const { client, email } = await signedUpUser()
  const setup = await client.auth.enableMFA({ method: 'totp' })
  const secret = setup.secret ?? ''
  const code = authenticator.generate(secret)
  const confirmed = await client.auth.verifyMFA({ method: 'totp', code })
  if (!confirmed.success) throw new Error('the setup was not confirmed')
  return { client, email, secret, code, backupCodes: confirmed.backupCodes ?? [] }
}

/** The current code of an authenticator holding `secret` (base32, as the page shows it). */
export const totp = (secret: string) => authenticator.generate(secret.replace(/\s+/g, ''))

/** The code of the next time step: still inside the server's drift window, and not the
 * step a setup confirmation just spent (a code is accepted once per step). */
export const nextTotp = (secret: string) =>
  authenticator.clone({ epoch: Date.now() + 30_000 }).generate(secret.replace(/\s+/g, ''))

/** Renders `ui` under a provider with `client` (and `texts`), in a page's <main> landmark. */
export function renderWith(client: MfaClient, ui: ReactElement, texts?: MfaTextOverrides) {
  return render(
    <MfaProvider client={client} texts={texts}>
      <main>{ui}</main>
    </MfaProvider>,
  )
}

/** That axe-core finds no violations in `root` (jsdom computes no colours, so the contrast rule is off). */
export async function expectAccessible(root: Element = document.body) {
  const result = await axe.run(root, { rules: { 'color-contrast': { enabled: false } } })
  const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
  expect(found).toEqual([])
}
