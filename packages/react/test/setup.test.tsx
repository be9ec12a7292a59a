import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { MfaSetup } from '../src/index.js'
import { expectAccessible, renderWith, signedUpUser, totp } from './support.js'

describe('MfaSetup', () => {
  it('enrolls an authenticator app using only the keyboard, and shows the backup codes once', async () => {
    const { client } = await signedUpUser()
    const user = userEvent.setup()
    const onComplete = vi.fn()
    renderWith(client, <MfaSetup onComplete={onComplete} onCancel={() => undefined} />)

    expect(screen.getByRole('heading', { name: 'Choose Authentication Method' })).toBeTruthy()
    await expectAccessible()
    // The method cards come first in the tab order, then Cancel.
    await user.tab()
    expect(document.activeElement?.textContent).toContain('Authenticator App')
    await user.keyboard('{Enter}')

    expect(screen.getByRole('heading', { name: 'Setup Authenticator App' })).toBeTruthy()
    await user.tab()
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Continue' }))
    await user.keyboard('{Enter}')

    const key = await screen.findByText((_, element) => element?.classList.contains('manual-key') ?? false)
    const secret = key.textContent ?? ''
    expect(secret.replace(/\s/g, '')).toMatch(/^[A-Z2-7]{32,}$/)
    expect(screen.getByRole('img', { name: 'QR code to add this account to an authenticator app' })).toBeTruthy()
    await expectAccessible()

    // The code field is the first stop after the QR code.
    await user.tab()
    expect(document.activeElement).toBe(screen.getByLabelText('Verification Code'))
    await user.keyboard(totp(secret))
    await user.keyboard('{Enter}')

    const panel = await screen.findByRole('region', { name: 'Save your backup codes' })
    expect(within(panel).getByRole('heading', { level: 2 })).toBeTruthy()
    expect(document.querySelector('.manual-key')).toBeNull()
    const codes = within(panel).getAllByRole('listitem').map((item) => item.textContent)
    expect(codes).toHaveLength(10)
    expect(new Set(codes).size).toBe(10)
    await expectAccessible()
    expect(onComplete).not.toHaveBeenCalled()
    await user.click(within(panel).getByRole('button', { name: "I've saved these codes" }))
    expect(onComplete).toHaveBeenCalledOnce()

    const status = await client.auth.getMFAStatus()
    expect(status.enabled).toBe(true)
    expect(status.methods).toContain('totp')
    expect(status.backupCodesRemaining).toBe(10)
  })

  it('announces a wrong code in an alert, with the attempts left', async () => {
    const { client } = await signedUpUser()
    const user = userEvent.setup()
    renderWith(client, <MfaSetup onComplete={() => undefined} onCancel={() => undefined} />)
    await user.click(screen.getByRole('button', { name: /Authenticator App/ }))
    await user.click(screen.getByRole('button', { name: 'Continue' }))
    const key = await screen.findByText((_, element) => element?.classList.contains('manual-key') ?? false)
    const right = totp(key.textContent ?? '')
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0')

    await user.type(screen.getByLabelText('Verification Code'), wrong)
    await user.click(screen.getByRole('button', { name: 'Verify' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toBe('Invalid code. Check the code and try again.')
    expect(screen.getByText(/attempts? remaining$/).textContent).toMatch(/^\d+ attempts? remaining$/)
    expect((screen.getByLabelText('Verification Code') as HTMLInputElement).value).toBe('')
    await expectAccessible()
    expect((await client.auth.getMFAStatus()).enabled).toBe(false)
  })

  it('asks for a phone number before sending an SMS, naming what is missing', async () => {
    const { client } = await signedUpUser()
    const user = userEvent.setup()
    renderWith(client, <MfaSetup onComplete={() => undefined} onCancel={() => undefined} />)
    await user.click(screen.getByRole('button', { name: /SMS Messages/ }))
    await user.click(screen.getByRole('button', { name: 'Continue' }))
    expect(screen.getByRole('alert').textContent).toMatch(/Enter your phone number/)

    await user.type(screen.getByLabelText('Phone Number'), '12')
    await user.click(screen.getByRole('button', { name: 'Continue' }))
    // The server's refusal (invalid_input on phoneNumber) is shown as its words.
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/phone/i))
    expect(screen.getByRole('heading', { name: 'Setup SMS Messages' })).toBeTruthy()
  })

  it('offers only the methods it is given, and cancels', async () => {
    const { client } = await signedUpUser()
    const user = userEvent.setup()
    const onCancel = vi.fn()
    renderWith(client, <MfaSetup methods={['webauthn', 'totp']} onComplete={() => undefined} onCancel={onCancel} />)
    const cards = Array.from(document.querySelectorAll('.method-name')).map((name) => name.textContent)
    expect(cards).toEqual(['Security Key', 'Authenticator App'])
    await user.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(onCancel).toHaveBeenCalledOnce()
  })

  it('says when this browser cannot use security keys', async () => {
    const { client } = await signedUpUser()
    const user = userEvent.setup()
    renderWith(client, <MfaSetup onComplete={() => undefined} onCancel={() => undefined} />)
    await user.click(screen.getByRole('button', { name: /Security Key/ }))
    expect(screen.getByRole('alert').textContent).toMatch(/cannot use security keys/)
    expect((screen.getByRole('button', { name: 'Register Security Key' }) as HTMLButtonElement).disabled).toBe(true)
    await expectAccessible()
  })
})
