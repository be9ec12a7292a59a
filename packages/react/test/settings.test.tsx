import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { MfaSettings } from '../src/index.js'
import { browserClient, expectAccessible, nextTotp, PASSWORD, renderWith, signedUpUser, userWithTotp } from './support.js'

describe('MfaSettings', () => {
  it('invites a user without MFA to turn it on', async () => {
    const { client } = await signedUpUser()
    const user = userEvent.setup()
    renderWith(client, <MfaSettings />)
    const enable = await screen.findByRole('button', { name: 'Enable Two-Factor Authentication' })
    await expectAccessible()
    await user.click(enable)
    expect(screen.getByRole('heading', { name: 'Choose Authentication Method' })).toBeTruthy()
    await user.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(await screen.findByRole('button', { name: 'Enable Two-Factor Authentication' })).toBeTruthy()
  })

  it('shows the methods and codes left, and regenerates the codes behind the password in a modal dialog', async () => {
    const { client, email } = await userWithTotp()
    const user = userEvent.setup()
    renderWith(client, <MfaSettings />)
    await screen.findByRole('heading', { name: '✅ Two-Factor Authentication is enabled' })
    const info = document.querySelector('.mfa-info') as HTMLElement
    expect(within(info).getByText('Authenticator app, Backup codes')).toBeTruthy()
    expect(within(info).getByText('10')).toBeTruthy()
    await expectAccessible()

    const opener = screen.getByRole('button', { name: 'Generate New Backup Codes' })
    await user.click(opener)
    const dialog = screen.getByRole('dialog', { name: 'Confirm with your password' })
    expect(dialog.hasAttribute('open')).toBe(true)
    const password = within(dialog).getByLabelText('Password')
    expect(document.activeElement).toBe(password)
    await expectAccessible()

    await user.keyboard('not-the-password{Enter}')
    expect((await within(dialog).findByRole('alert')).textContent).toBe('Wrong password.')
    await user.clear(password)
    await user.type(password, `${PASSWORD}{Enter}`)

    const panel = await screen.findByRole('region', { name: 'Your New Backup Codes' })
    const codes = within(panel).getAllByRole('listitem').map((li) => li.textContent ?? '')
    expect(codes).toHaveLength(10)
    expect(screen.queryByRole('dialog')).toBeNull()
    // Closing the dialog gave the focus back to the button that opened it.
    expect(document.activeElement).toBe(opener)
    // The codes shown are the server's: one of them finishes a new sign-in.
    const other = browserClient()
    const signIn = await other.auth.signIn({ email, password: PASSWORD })
    const verified = await other.auth.mfa.challenge({ sessionId: signIn.sessionId ?? '', method: 'backup', code: codes[3] })
    expect(verified.success).toBe(true)
    expect((await client.auth.getMFAStatus()).backupCodesRemaining).toBe(9)
  })

  it("closes the dialog on cancel (the Escape key's event), giving the focus back, and turns MFA off with the password and a current code", async () => {
    const { client, secret } = await userWithTotp()
    const user = userEvent.setup()
    renderWith(client, <MfaSettings />)
    const opener = await screen.findByRole('button', { name: 'Disable MFA' })
    await user.click(opener)
    const dialog = screen.getByRole('dialog', { name: 'Turn off two-factor authentication?' })
    // jsdom's <dialog> does not turn Escape into a cancel event itself: the browser's does.
    dialog.dispatchEvent(new Event('cancel', { cancelable: true }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(document.activeElement).toBe(opener)

    await user.click(screen.getByRole('button', { name: 'Disable MFA' }))
    const again = screen.getByRole('dialog', { name: 'Turn off two-factor authentication?' })
    const confirm = within(again).getByRole('button', { name: 'Disable MFA' }) as HTMLButtonElement
    expect(confirm.disabled).toBe(true)
    await user.type(within(again).getByLabelText('Password'), PASSWORD)
    expect(confirm.disabled).toBe(true)
    await user.type(within(again).getByLabelText('Code from your authenticator app, or a backup code'), nextTotp(secret))
    await user.click(confirm)
    // Announced in the live region that was already in the page.
    const done = await screen.findByText('Two-factor authentication is now off.')
    expect(done.closest('[role="status"]')).not.toBeNull()
    expect(await screen.findByRole('button', { name: 'Enable Two-Factor Authentication' })).toBeTruthy()
    expect((await client.auth.getMFAStatus()).enabled).toBe(false)
  })
})
