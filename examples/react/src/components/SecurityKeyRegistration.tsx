// Registers a security key (USB/NFC) or a passkey on this device: the kind, a name, then the
// browser's prompt to touch the key or unlock the device.
import { useId, useState, type FormEvent } from 'react'
import { api, errorMessage, type KeyRegistrationResult, type KeyType } from '../api'
import { createCredential, isWebAuthnAvailable, webauthnErrorMessage } from '../webauthn'

interface SecurityKeyRegistrationProps {
  /** Heading level 2 inside the setup flow, 3 inside settings. */
  heading?: 'h2' | 'h3'
  onRegistered: (result: KeyRegistrationResult, kind: KeyType) => void
  onBack?: () => void
  onCancel: () => void
}

type Phase = 'idle' | 'starting' | 'waiting' | 'saving'

const busyLabels: Record<Exclude<Phase, 'idle'>, string> = {
  starting: 'Starting...',
  waiting: 'Waiting for your key...',
  saving: 'Saving...',
}

/** What each kind is called, and what the user does with it. */
const kinds: Record<KeyType, { label: string; hint: string; placeholder: string; submit: string; waiting: string }> = {
  securityKey: {
    label: 'Security key',
    hint: 'A USB or NFC device, such as a YubiKey',
    placeholder: 'e.g. YubiKey on my keyring',
    submit: 'Register Security Key',
    waiting: 'Insert your security key and touch it when it flashes.',
  },
  passkey: {
    label: 'Passkey on this device',
    hint: "Unlocked with this device's fingerprint, face or PIN",
    placeholder: 'e.g. My laptop',
    submit: 'Create Passkey',
    waiting: "Confirm with this device's fingerprint, face or PIN.",
  },
}

/** Words for a failed registration: the browser's, else the server's. */
function registrationError(err: unknown): string {
  const browser = webauthnErrorMessage(err, 'register')
  if (browser) return browser
  const message = errorMessage(err, 'The security key could not be registered.')
  return /^(invalid code|mfa_invalid_code)/i.test(message) ? 'The security key was not accepted. Try again.' : message
}

/** The options, asking the browser for this device's own authenticator (not a USB/NFC key). */
function onThisDevice(publicKey: PublicKeyCredentialCreationOptionsJSON): PublicKeyCredentialCreationOptionsJSON {
  return { ...publicKey, authenticatorSelection: { ...publicKey.authenticatorSelection, authenticatorAttachment: 'platform' } }
}

export function SecurityKeyRegistration({ heading: Heading = 'h2', onRegistered, onBack, onCancel }: SecurityKeyRegistrationProps) {
  const hintId = useId()
  const [name, setName] = useState('')
  const [kind, setKind] = useState<KeyType>('securityKey')
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
      const options = await api.auth.webauthn.registrationOptions({ authenticatorType: kind })
      setPhase('waiting')
      const credential = await createCredential(kind === 'passkey' ? onThisDevice(options.publicKey) : options.publicKey)
      setPhase('saving')
      const result = await api.auth.webauthn.verifyRegistration({ challengeId: options.challengeId, credential, name: name.trim() })
      onRegistered(result, kind)
    } catch (err) {
      setError(registrationError(err))
      setPhase('idle')
    }
  }

  return (
    <form className="security-key-registration" onSubmit={register} noValidate>
      <Heading>Add a security key or passkey</Heading>
      <p>
        A security key is a small USB or NFC device (such as a YubiKey) that you touch; a passkey lives on this device and is
        unlocked with its screen lock. Either way you sign in with nothing to type.
      </p>
      {!available && (
        <p className="error" role="alert">
          This browser cannot use security keys on this page. Try a current version of Chrome, Edge, Firefox or Safari.
        </p>
      )}
      <fieldset className="key-kinds" disabled={busy}>
        <legend>Kind</legend>
        {(Object.keys(kinds) as KeyType[]).map((k) => (
          <label key={k} className={k === kind ? 'key-kind selected' : 'key-kind'}>
            <input
              type="radio"
              name="authenticatorType"
              value={k}
              checked={k === kind}
              onChange={() => {
                setKind(k)
                setError('')
              }}
            />
            <span>
              <strong>{kinds[k].label}</strong>
              <small className="hint">{kinds[k].hint}</small>
            </span>
          </label>
        ))}
      </fieldset>
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
          placeholder={kinds[kind].placeholder}
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
          {kinds[kind].waiting}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !available}>
          {phase === 'idle' ? kinds[kind].submit : busyLabels[phase]}
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
