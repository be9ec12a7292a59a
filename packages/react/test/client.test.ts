import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ApiError, createMfaClient, defaultTexts, errorMessage, retryAfterOf } from '../src/index.js'
import { baseURL, browserClient, PASSWORD, signedUpUser } from './support.js'

describe('createMfaClient', () => {
  it('calls the base URL (a trailing slash is fine) with the given fetch, credentials and headers', async () => {
    const seen: { url: string; credentials?: RequestCredentials; headers: Headers }[] = []
    const recording: typeof fetch = (input, init) => {
      seen.push({ url: String(input), credentials: init?.credentials, headers: new Headers(init?.headers) })
      return fetch(input, init)
    }
    let n = 0
    const client = createMfaClient({ baseUrl: `${baseURL}/`, fetch: recording, credentials: 'include', headers: () => ({ 'x-request-id': String(++n) }) })
    expect(await client.auth.currentSession()).toBeNull()
    await expect(client.auth.getMFAStatus()).rejects.toBeInstanceOf(ApiError)
    expect(seen.map((s) => s.url)).toEqual([`${baseURL}/api/auth/session`, `${baseURL}/api/auth/mfa/status`])
    expect(seen.map((s) => s.credentials)).toEqual(['include', 'include'])
    expect(seen.map((s) => s.headers.get('x-request-id'))).toEqual(['1', '2'])
    expect(seen[0].headers.get('content-type')).toBeNull()

    const fixed = createMfaClient({ baseUrl: baseURL, fetch: recording, headers: { 'x-csrf': 'token' } })
    await fixed.auth.signIn({ email: `nobody-${randomUUID()}@example.com`, password: PASSWORD }).catch(() => undefined)
    const last = seen[seen.length - 1]
    expect(last.headers.get('x-csrf')).toBe('token')
    expect(last.headers.get('content-type')).toBe('application/json')
    expect(last.credentials).toBe('same-origin')
  })

  it("throws the server's refusals as ApiError with its status, stable code and body", async () => {
    const client = browserClient()
    const invalid = await client.auth.signUp({ email: 'not-an-email', password: PASSWORD }).catch((e: unknown) => e)
    expect(invalid).toBeInstanceOf(ApiError)
    expect((invalid as ApiError).status).toBe(400)
    expect((invalid as ApiError).code).toBe('invalid_input')
    expect((invalid as ApiError).body).toMatchObject({ field: 'email' })

    const { email } = await signedUpUser()
    const taken = await client.auth.signUp({ email, password: PASSWORD }).catch((e: unknown) => e)
    expect(taken).toBeInstanceOf(ApiError)
    expect((taken as ApiError).status).toBe(409)
    expect(retryAfterOf(taken)).toBeUndefined()

    const wrong = await client.auth.signIn({ email, password: 'wrong-password-123' }).catch((e: unknown) => e)
    expect((wrong as ApiError).status).toBe(401)
    expect((wrong as ApiError).code).toBe('invalid_credentials')
  })

  it('answers a wrong code as a result, not an exception', async () => {
    const { client } = await signedUpUser()
    await client.auth.enableMFA({ method: 'totp' })
    const result = await client.auth.verifyMFA({ method: 'totp', code: '000000' })
    expect(result.success).toBe(false)
    if (result.success) return
    expect(result.rateLimited).toBe(false)
    expect(result.code).toBe('mfa_invalid_code')
    expect(result.attemptsRemaining).toBeGreaterThan(0)
  })

  it('reaches a server that is not there as a TypeError from fetch', async () => {
    const client = createMfaClient({ baseUrl: 'http://127.0.0.1:9' })
    await expect(client.auth.currentSession()).rejects.toBeInstanceOf(TypeError)
  })
})

describe('what reaches the page', () => {
  it('drops the session token the server returns, keeping the session itself', async () => {
    const raw = await fetch(`${baseURL}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `raw-${randomUUID()}@example.com`, password: PASSWORD }),
    })
    const direct = (await raw.json()) as { session: { token?: string } }
    expect(typeof direct.session.token).toBe('string')

    const signedUp = await browserClient().auth.signUp({ email: `client-${randomUUID()}@example.com`, password: PASSWORD })
    expect(signedUp.session.id).toMatch(/\S/)
    expect(signedUp.session).not.toHaveProperty('token')
    expect(JSON.stringify(signedUp)).not.toContain(direct.session.token)
  })

  it('refuses an id that is not one path segment, before any request', async () => {
    let requests = 0
    const counting: typeof fetch = (input, init) => {
      requests++
      return fetch(input, init)
    }
    const client = createMfaClient({ baseUrl: baseURL, fetch: counting })
    for (const credentialId of ['..', '.', '', 'a/b', 'x?y', '%2e%2e']) {
      const err = await client.auth.webauthn.remove({ credentialId, password: PASSWORD }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ApiError)
      expect((err as ApiError).code).toBe('invalid_input')
      expect((err as ApiError).body).toMatchObject({ field: 'credentialId' })
    }
    const err = await client.auth.mfa.removeFactor({ factorId: '../signout', password: PASSWORD }).catch((e: unknown) => e)
    expect((err as ApiError).body).toMatchObject({ field: 'factorId' })
    expect(requests).toBe(0)
  })

  it("shows none of a proxy's page: the refusal has the status and no message", async () => {
    const proxy: typeof fetch = async () => new Response('<html><body>502 Bad Gateway nginx/1.2</body></html>', { status: 502, headers: { 'content-type': 'text/html' } })
    const client = createMfaClient({ fetch: proxy })
    const err = await client.auth.getMFAStatus().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect((err as ApiError).status).toBe(502)
    expect((err as ApiError).message).toBe('')
    expect(errorMessage(err, 'Could not load', defaultTexts)).toBe('Could not load')
  })
})
