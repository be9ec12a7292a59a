import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { MfaChallenge, type User } from '../src/index.js'
import { browserClient, expectAccessible, nextTotp, PASSWORD, renderWith, userWithTotp } from './support.js'

/** Signs in with the password: the pending sign-in and its methods. */
async function pendingSignIn() {
  const { email, secret, code, backupCodes } = await userWithTotp()
  const client = browserClient()
  const signIn = await client.auth.signIn({ email, password: PASSWORD })
  expect(signIn.requiresMfa).toBe(true)
  expect(signIn.session).toBeUndefined()
  return { client, email, secret, spent: code, backupCodes, sessionId: signIn.sessionId ?? '', methods: signIn.mfaMethods }
}

describe('MfaChallenge', () => {
  it('finishes a sign-in with the authenticator code, typed and submitted from the keyboard', async () => {
    const { client, email, secret, sessionId, methods } = await pendingSignIn()
    expect(await client.auth.currentSession()).toBeNull()
    expect(methods).toEqual(expect.arrayContaining(['totp', 'backup']))
    const user = userEvent.setup()
    const onSuccess = vi.fn<(user: User) => void>()
    renderWith(client, <MfaChallenge sessionId={sessionId} availableMethods={methods} onSuccess={onSuccess} onCancel={() => undefined} />)

    // The code field has the focus as the challenge opens.
    const field = screen.getByLabelText('Code from authenticator app')
    expect(document.activeElement).toBe(field)
    await expectAccessible()
    await user.keyboard(nextTotp(secret))
    await user.keyboard('{Enter}')

    await waitFor(() => expect(onSuccess).toHaveBeenCalledOnce())
    expect(onSuccess.mock.calls[0][0].email).toBe(email)
    expect((await client.auth.currentSession())?.user.email).toBe(email)
  })

  it('refuses a wrong code with the attempts left, and a replayed code', async () => {
    const { client, spent, sessionId, methods } = await pendingSignIn()
    const user = userEvent.setup()
    const onSuccess = vi.fn()
    renderWith(client, <MfaChallenge sessionId={sessionId} availableMethods={methods} onSuccess={onSuccess} onCancel={() => undefined} />)
    const wrong = String((Number(spent) + 500_000) % 1_000_000).padStart(6, '0')

    await user.type(screen.getByLabelText('Code from authenticator app'), wrong)
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toMatch(/^Invalid code\d+ attempts? remaining$/)
    await expectAccessible()

    // The code that confirmed the setup was spent then: it is not accepted again.
    await user.type(screen.getByLabelText('Code from authenticator app'), spent)
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^Invalid code/))
    expect(onSuccess).not.toHaveBeenCalled()
  })

  it('switches to a backup code, which signs in once', async () => {
    const { client, email, backupCodes, sessionId, methods } = await pendingSignIn()
    expect(methods).toContain('backup')
    const user = userEvent.setup()
    const onSuccess = vi.fn()
    renderWith(client, <MfaChallenge sessionId={sessionId} availableMethods={methods} onSuccess={onSuccess} onCancel={() => undefined} />)
    await user.click(screen.getByRole('button', { name: 'Use backup code' }))
    expect((screen.getByRole('combobox', { name: 'Authentication Method' }) as HTMLSelectElement).value).toBe('backup')
    expect(screen.getByLabelText('One of your backup codes')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Use backup code' })).toBeNull()
    const field = screen.getByLabelText('One of your backup codes')
    await user.type(field, 'not-a-code')
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Invalid code/)
    expect(onSuccess).not.toHaveBeenCalled()

    await user.type(field, backupCodes[0])
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    await waitFor(() => expect(onSuccess).toHaveBeenCalledOnce())
    // The session handed over carries no token: the cookie is the session.
    expect(onSuccess.mock.calls[0][1]).not.toHaveProperty('token')

    // Once: the same code does not finish another sign-in.
    const again = browserClient()
    const second = await again.auth.signIn({ email, password: PASSWORD })
    const replay = await again.auth.mfa.challenge({ sessionId: second.sessionId ?? '', method: 'backup', code: backupCodes[0] })
    expect(replay.success).toBe(false)
  })

  it('offers the push approval first to a user with a phone, and the other methods after', async () => {
    const { client, sessionId, methods } = await pendingSignIn()
    const user = userEvent.setup()
    renderWith(
      client,
      <MfaChallenge sessionId={sessionId} availableMethods={[...methods, 'push']} onSuccess={() => undefined} onCancel={() => undefined} />,
    )
    expect(screen.getByRole('button', { name: 'Approve on your phone' })).toBeTruthy()
    expect(screen.queryByLabelText('Code from authenticator app')).toBeNull()
    await expectAccessible()
    await user.click(screen.getByRole('button', { name: 'Use another method' }))
    expect(screen.getByLabelText('Code from authenticator app')).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Approve on your phone instead' })).toBeTruthy()
  })
})
