import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { MfaChallenge, type User } from '../src/index.js'
import { browserClient, expectAccessible, nextTotp, PASSWORD, renderWith, totp, userWithTotp } from './support.js'

/** Signs in with the password: the pending sign-in and its methods. */
async function pendingSignIn() {
  const { email, secret } = await userWithTotp()
  const client = browserClient()
  const signIn = await client.auth.signIn({ email, password: PASSWORD })
  expect(signIn.requiresMfa).toBe(true)
  return { client, email, secret, sessionId: signIn.sessionId ?? '', methods: signIn.mfaMethods }
}

describe('MfaChallenge', () => {
  it('finishes a sign-in with the authenticator code, typed and submitted from the keyboard', async () => {
    const { client, email, secret, sessionId, methods } = await pendingSignIn()
    expect(await client.auth.currentSession()).toBeNull()
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
    const { client, secret, sessionId, methods } = await pendingSignIn()
    const user = userEvent.setup()
    const onSuccess = vi.fn()
    renderWith(client, <MfaChallenge sessionId={sessionId} availableMethods={methods} onSuccess={onSuccess} onCancel={() => undefined} />)
    const right = totp(secret)
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0')

    await user.type(screen.getByLabelText('Code from authenticator app'), wrong)
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toMatch(/^Invalid code\d+ attempts? remaining$/)
    await expectAccessible()

    // The code that confirmed the setup was used already in this time step.
    await user.type(screen.getByLabelText('Code from authenticator app'), right)
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/^Invalid code/))
    expect(onSuccess).not.toHaveBeenCalled()
  })

  it('switches to a backup code, which signs in once', async () => {
    const { client, sessionId, methods } = await pendingSignIn()
    expect(methods).toContain('backup')
    const user = userEvent.setup()
    const onSuccess = vi.fn()
    renderWith(client, <MfaChallenge sessionId={sessionId} availableMethods={methods} onSuccess={onSuccess} onCancel={() => undefined} />)
    await user.click(screen.getByRole('button', { name: 'Use backup code' }))
    expect((screen.getByRole('combobox', { name: 'Authentication Method' }) as HTMLSelectElement).value).toBe('backup')
    expect(screen.getByLabelText('One of your backup codes')).toBeTruthy()
    expect(screen.queryByRole('button', { name: 'Use backup code' })).toBeNull()
    await user.type(screen.getByLabelText('One of your backup codes'), 'not-a-code')
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Invalid code/)
    expect(onSuccess).not.toHaveBeenCalled()
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
