import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { defaultTexts, MfaChallenge, MfaSetup, mergeTexts, type MfaTextOverrides } from '../src/index.js'
import { browserClient, expectAccessible, PASSWORD, renderWith, userWithTotp } from './support.js'

const french: MfaTextOverrides = {
  common: { cancel: 'Annuler', verify: 'Vérifier', attemptsRemaining: (n) => `${n} essai${n === 1 ? '' : 's'} restant${n === 1 ? '' : 's'}` },
  setup: { chooseTitle: 'Choisissez une méthode', methods: { totp: { name: 'Application' } } },
  challenge: { title: 'Double authentification', invalid: 'Code invalide', totpCodeLabel: "Code de l'application" },
}

describe('texts', () => {
  it('lays overrides over the English words, group by group', () => {
    const texts = mergeTexts(french)
    expect(texts.common.cancel).toBe('Annuler')
    expect(texts.common.back).toBe('Back')
    expect(texts.setup.chooseTitle).toBe('Choisissez une méthode')
    expect(texts.setup.continue).toBe('Continue')
    expect(texts.keys).toEqual(defaultTexts.keys)
    expect(defaultTexts.common.cancel).toBe('Cancel')
    // At any depth: one method's name, its description and the other methods kept.
    expect(texts.setup.methods.totp).toEqual({ name: 'Application', description: defaultTexts.setup.methods.totp.description })
    expect(texts.setup.methods.sms).toEqual(defaultTexts.setup.methods.sms)
    expect(texts.common.attemptsRemaining(2)).toBe('2 essais restants')
  })

  it('shows the words of the provider in every component below it', async () => {
    const { client } = await userWithTotp()
    renderWith(client, <MfaSetup onComplete={() => undefined} onCancel={() => undefined} />, french)
    expect(screen.getByRole('heading', { name: 'Choisissez une méthode' })).toBeTruthy()
    expect(screen.getByRole('button', { name: /^Application/ })).toBeTruthy()
    expect(screen.getByRole('button', { name: 'Annuler' })).toBeTruthy()
    // Untranslated words stay English.
    expect(screen.getByRole('button', { name: /SMS Messages/ })).toBeTruthy()
  })

  it('uses the translated words for a refused code', async () => {
    const { email } = await userWithTotp()
    const client = browserClient()
    const signIn = await client.auth.signIn({ email, password: PASSWORD })
    const user = userEvent.setup()
    renderWith(
      client,
      <MfaChallenge sessionId={signIn.sessionId ?? ''} availableMethods={signIn.mfaMethods} onSuccess={() => undefined} onCancel={() => undefined} />,
      french,
    )
    expect(screen.getByRole('heading', { name: 'Double authentification' })).toBeTruthy()
    await user.type(screen.getByLabelText("Code de l'application"), '000000')
    await user.click(screen.getByRole('button', { name: 'Vérifier' }))
    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toMatch(/^Code invalide\d+ essais? restants?$/)
    await expectAccessible()
  })

  it('works without a provider, in English', () => {
    render(<MfaSetup onComplete={() => undefined} onCancel={() => undefined} />)
    expect(screen.getByRole('heading', { name: 'Choose Authentication Method' })).toBeTruthy()
  })
})
