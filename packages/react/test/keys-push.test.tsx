import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { ApiError, PushApproval, SecurityKeys } from '../src/index.js'
import { expectAccessible, renderWith, userWithTotp } from './support.js'

describe('SecurityKeys', () => {
  it("lists the user's keys (none yet) and opens the registration form", async () => {
    const { client } = await userWithTotp()
    const user = userEvent.setup()
    const onChanged = vi.fn()
    renderWith(client, <SecurityKeys methods={['totp', 'backup']} onChanged={onChanged} />)
    expect(await screen.findByText('No security keys or passkeys yet. Add one to sign in with a touch.')).toBeTruthy()
    await expectAccessible()
    await user.click(screen.getByRole('button', { name: 'Add Security Key' }))
    expect(screen.getByRole('heading', { name: 'Add a security key or passkey', level: 3 })).toBeTruthy()
    expect(screen.getByRole('radio', { name: /Security key/ })).toHaveProperty('checked', true)
    await user.click(screen.getByRole('radio', { name: /Passkey on this device/ }))
    expect(screen.getByRole('button', { name: 'Create Passkey' })).toBeTruthy()
    await expectAccessible()
    await user.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(screen.getByRole('button', { name: 'Add Security Key' })).toBeTruthy()
    expect(onChanged).not.toHaveBeenCalled()
  })
})

describe('PushApproval', () => {
  it("shows the server's refusal when the user has no phone enrolled", async () => {
    const { client } = await userWithTotp()
    const user = userEvent.setup()
    const onSuccess = vi.fn()
    renderWith(client, <PushApproval onSuccess={onSuccess} />)
    await user.click(screen.getByRole('button', { name: 'Approve on your phone' }))
    const alert = await screen.findByRole('alert')
    // Without words of the host's for its code, the server's own.
    expect(alert.textContent).toMatch(/push is not set up for this user/)
    expect(screen.getByRole('button', { name: 'Approve on your phone' })).toBeTruthy()
    expect(onSuccess).not.toHaveBeenCalled()
    await expectAccessible()
  })
})

describe('texts.errors', () => {
  it("shows the host's words for a refusal's code instead of the server's", async () => {
    const { client } = await userWithTotp()
    const refused = await client.auth.mfa.pushChallenge({}).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(ApiError)
    const code = (refused as ApiError).code ?? ''
    expect(code).toMatch(/^[a-z_]+$/)
    const user = userEvent.setup()
    renderWith(client, <PushApproval onSuccess={() => undefined} />, { errors: { [code]: 'Aucun téléphone enregistré.' } })
    await user.click(screen.getByRole('button', { name: 'Approve on your phone' }))
    expect((await screen.findByRole('alert')).textContent).toBe('Aucun téléphone enregistré.')
  })
})
