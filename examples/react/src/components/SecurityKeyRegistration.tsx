// Registers a security key: a name for it, then the browser's prompt to touch the key.
import { useId, useState, type FormEvent } from 'react'
import { api, errorMessage, type KeyRegistrationResult } from '../api'
import { createCredential, isWebAuthnAvailable, webauthnErrorMessage } from '../webauthn'

interface SecurityKeyRegistrationProps {
  /** Heading level 2 inside the setup flow, 3 inside settings. */
  heading?: 'h2' | 'h3'
  onRegistered: (result: KeyRegistrationResult) => void
  onBack?: () => void
  onCancel: () => void
}

type Phase = 'idle' | 'starting' | 'waiting' | 'saving'

const busyLabels: Record<Exclude<Phase, 'idle'>, string> = {
  starting: 'Starting...',
  waiting: 'Waiting for your key...',
  saving: 'Saving...',
}

/** Words for a failed registration: the browser's, else the server's. */
function registrationError(err: unknown): string {
  const browser = webauthnErrorMessage(err, 'register')
  if (browser) return browser
  const message = errorMessage(err, 'The security key could not be registered.')
  return /^(invalid code|mfa_invalid_code)/i.test(message) ? 'The security key was not accepted. Try again.' : message
}

export function SecurityKeyRegistration({ heading: Heading = 'h2', onRegistered, onBack, onCancel }: SecurityKeyRegistrationProps) {
  const hintId = useId()
  const [name, setName] = useState('')
  const [phase, setPhase] = useState<Phase>('idle')
  const [error, setError] = useState('')
  const available = isWebAuthnAvailable()
  const busy = phase !== 'idle'

  const register = async (event: FormEvent) => {
    event.preventDefault()
    if (!name.trim()) {
      setError('Give the key a name, so you can tell your keys apart.')
      return
    }
    try {
      setError('')
      setPhase('starting')
      const options = await api.auth.webauthn.registrationOptions({ authenticatorType: 'securityKey' })
      setPhase('waiting')
      const credential = await createCredential(options.publicKey)
      setPhase('saving')
      const result = await api.auth.webauthn.verifyRegistration({ challengeId: options.challengeId, credential, name: name.trim() })
      onRegistered(result)
    } catch (err) {
      setError(registrationError(err))
      setPhase('idle')
    }
  }

  return (
    <form className="security-key-registration" onSubmit={register} noValidate>
      <Heading>Add a security key</Heading>
      <p>A security key is a small USB or NFC device (such as a YubiKey). You touch it to sign in: nothing to type.</p>
      {!available && (
        <p className="error" role="alert">
          This browser cannot use security keys on this page. Try a current version of Chrome, Edge, Firefox or Safari.
        </p>
      )}
      <label className="field">
        <span>Key name</span>
        <input
          type="text"
          name="keyName"
          value={name}
          onChange={(e) => {
            setName(e.target.value.slice(0, 64))
            setError('')
          }}
          placeholder="e.g. YubiKey on my keyring"
          aria-describedby={hintId}
          autoComplete="off"
          disabled={busy}
          required
          autoFocus
        />
        <small id={hintId} className="hint">
          Shown in your settings, so you can tell your keys apart.
        </small>
      </label>
      {phase === 'waiting' && (
        <p className="notice" role="status">
          Insert your security key and touch it when it flashes.
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !available}>
          {phase === 'idle' ? 'Register Security Key' : busyLabels[phase]}
        </button>
        {onBack && (
          <button type="button" onClick={onBack} disabled={busy}>
            Back
          </button>
        )}
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </form>
  )
}
