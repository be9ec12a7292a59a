// Every word the components show comes from the texts: with every text replaced by a marker,
// no English is left on any screen.
import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import {
  BackupCodes,
  ConfirmDialog,
  defaultTexts,
  MfaChallenge,
  MfaProvider,
  MfaSetup,
  PushApproval,
  RenameKeyDialog,
  SecurityKeyRegistration,
  type MfaClient,
  type MfaTexts,
} from '../src/index.js'
import { browserClient } from './support.js'

/** `value` with every string replaced by "§", and every function by one returning "§". */
function marked(value: unknown): unknown {
  if (typeof value === 'string') return '§'
  if (typeof value === 'function') return () => '§'
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, marked(v)]))
  return value
}

const markers = marked(defaultTexts) as MfaTexts

/** The words on screen: text, labels, placeholders and accessible names. */
function wordsOnScreen(): string[] {
  const found: string[] = []
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) found.push(node.textContent ?? '')
  for (const element of Array.from(document.body.querySelectorAll('*'))) {
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      const text = element.getAttribute(name)
      if (text) found.push(text)
    }
  }
  // Emoji icons and the user's own data (codes, names) are not words to translate.
  return found.map((t) => t.replace(/§|[\p{Extended_Pictographic}\uFE0F]|[\s.,:()]/gu, '')).filter((t) => /[A-Za-z]{2,}/.test(t))
}

function renderMarked(client: MfaClient, ui: React.ReactElement) {
  return render(
    <MfaProvider client={client} texts={markers}>
      <main>{ui}</main>
    </MfaProvider>,
  )
}

describe('every word is a text', () => {
  it('holds for each step of MfaSetup, and the challenge, push, key and dialog screens', async () => {
    const client = browserClient()
    const user = userEvent.setup()
    const noop = () => undefined
    const noopAsync = async () => undefined

    const setup = renderMarked(client, <MfaSetup onComplete={noop} onCancel={noop} />)
    expect(wordsOnScreen()).toEqual([])
    // The first method card leads to its setup step.
    await user.click(screen.getAllByRole('button')[0])
    expect(wordsOnScreen()).toEqual([])
    setup.unmount()

    for (const ui of [
      <MfaChallenge sessionId="pending" availableMethods={['totp', 'sms', 'backup', 'webauthn']} onSuccess={noop} onCancel={noop} />,
      <MfaChallenge sessionId="pending" availableMethods={['totp', 'push']} onSuccess={noop} onCancel={noop} />,
      <PushApproval onSuccess={noop} onOtherMethod={noop} />,
      <SecurityKeyRegistration onRegistered={noop} onBack={noop} onCancel={noop} />,
      <BackupCodes title="§" codes={['8041-2297']} onDone={noop} />,
      <ConfirmDialog title="§" confirmLabel="§" busyLabel="§" askCode onConfirm={noopAsync} onClose={noop}>
        <p>§</p>
      </ConfirmDialog>,
      <RenameKeyDialog name="YubiKey" onRename={noopAsync} onClose={noop} />,
    ]) {
      const view = renderMarked(client, ui)
      expect(wordsOnScreen()).toEqual([])
      view.unmount()
    }
  })
})
