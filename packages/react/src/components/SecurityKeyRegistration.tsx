// Registers a security key (USB/NFC) or a passkey on this device: the kind, a name, then the
// browser's prompt to touch the key or unlock the device.
import { useId, useState, type FormEvent } from 'react'
import { ApiError } from '../client.js'
import { useMfaClient, useMfaTexts } from '../context.js'
import { errorMessage, webauthnErrorMessage } from '../messages.js'
import type { KeyRegistrationResult, KeyType } from '../types.js'
import { createCredential, isWebAuthnAvailable } from '../webauthn.js'
import { MAX_KEY_NAME } from './RenameKeyDialog.js'
import { Status } from './Status.js'

/** What <SecurityKeyRegistration> takes. */
export interface SecurityKeyRegistrationProps {
  /** Heading level 2 inside the setup flow, 3 inside settings. */
  heading?: 'h2' | 'h3'
  onRegistered: (result: KeyRegistrationResult, kind: KeyType) => void
  onBack?: () => void
  onCancel: () => void
}

type Phase = 'idle' | 'starting' | 'waiting' | 'saving'

/** The options, asking the browser for this device's own authenticator (not a USB/NFC key). */
function onThisDevice(publicKey: PublicKeyCredentialCreationOptionsJSON): PublicKeyCredentialCreationOptionsJSON {
  return { ...publicKey, authenticatorSelection: { ...publicKey.authenticatorSelection, authenticatorAttachment: 'platform' } }
}

const kindsInOrder: KeyType[] = ['securityKey', 'passkey']

/** The form that registers a key or passkey for the signed-in user. */
export function SecurityKeyRegistration({ heading: Heading = 'h2', onRegistered, onBack, onCancel }: SecurityKeyRegistrationProps) {
  const api = useMfaClient()
  const texts = useMfaTexts()
  const words = texts.registration
  const hintId = useId()
  const [name, setName] = useState('')
  const [kind, setKind] = useState<KeyType>('securityKey')
  const [phase, setPhase] = useState<Phase>('idle')
  const [error, setError] = useState('')
  const available = isWebAuthnAvailable()
  const busy = phase !== 'idle'

  /** Words for a failed registration: the browser's, else the server's. */
  const registrationError = (err: unknown): string => {
    const browser = webauthnErrorMessage(err, 'register', texts)
    if (browser) return browser
    if (err instanceof ApiError && err.code === 'mfa_invalid_code') return words.refused
    return errorMessage(err, words.failed, texts)
  }

  const register = async (event: FormEvent) => {
    event.preventDefault()
    if (!name.trim()) {
      setError(words.nameMissing)
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

  const busyLabel = phase === 'starting' ? words.starting : phase === 'waiting' ? words.waiting : words.saving

  return (
    <form className="plinto-mfa security-key-registration" onSubmit={register} noValidate>
      <Heading>{words.title}</Heading>
      <p>{words.intro}</p>
      {!available && (
        <p className="error" role="alert">
          {words.unavailable}
        </p>
      )}
      <fieldset className="key-kinds" disabled={busy}>
        <legend>{words.kind}</legend>
        {kindsInOrder.map((k) => (
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
              <strong>{words.kinds[k].label}</strong>
              <small className="hint">{words.kinds[k].hint}</small>
            </span>
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>{words.name}</span>
        <input
          type="text"
          name="keyName"
          value={name}
          onChange={(e) => {
            setName(e.target.value.slice(0, MAX_KEY_NAME))
            setError('')
          }}
          placeholder={words.kinds[kind].placeholder}
          aria-describedby={hintId}
          autoComplete="off"
          disabled={busy}
          required
          autoFocus
        />
      </label>
      <p id={hintId} className="hint field-hint">
        {words.nameHint}
      </p>
      <Status text={phase === 'waiting' ? words.kinds[kind].waiting : ''} />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy || !available}>
          {phase === 'idle' ? words.kinds[kind].submit : busyLabel}
        </button>
        {onBack && (
          <button type="button" onClick={onBack} disabled={busy}>
            {texts.common.back}
          </button>
        )}
        <button type="button" onClick={onCancel} disabled={busy}>
          {texts.common.cancel}
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
