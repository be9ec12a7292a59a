// The guide's MfaChallenge: the second step of sign-in, with a code or a security key.
import { useEffect, useState, type FormEvent } from 'react'
import { ApiError, api, errorMessage, retryAfterOf, type MfaMethod, type Session, type User, type VerifyResult } from '../api'
import { minutes } from '../format'
import { useCountdown } from '../hooks/useCountdown'
import { getAssertion, isWebAuthnAvailable, webauthnErrorMessage } from '../webauthn'
import { PushApproval } from './PushApproval'

interface MfaChallengeProps {
  sessionId: string
  availableMethods: MfaMethod[]
  onSuccess: (user: User, session?: Session) => void
  onCancel: () => void
}

const methodNames: Partial<Record<MfaMethod, string>> = {
  totp: 'Authenticator App',
  sms: 'SMS',
  email: 'Email',
  backup: 'Backup Code',
}

// Methods a code can be typed for here (security keys have their own button).
const codeMethods: MfaMethod[] = ['totp', 'sms', 'email', 'backup']

const isSent = (method: MfaMethod) => method === 'sms' || method === 'email'

/** Words for a failed security-key sign-in that is not a refused answer. */
function keyError(err: unknown): string {
  const browser = webauthnErrorMessage(err, 'sign-in')
  if (browser) return browser
  if (err instanceof ApiError && err.code === 'mfa_expired_code') return 'The request expired before the key answered. Try again.'
  return errorMessage(err, 'Signing in with the security key failed')
}

export const MfaChallenge = ({ sessionId, availableMethods, onSuccess, onCancel }: MfaChallengeProps) => {
  const choices = codeMethods.filter((m) => availableMethods.includes(m))
  const hasKey = availableMethods.includes('webauthn')
  const hasPush = availableMethods.includes('push')
  // With push, the page offers it first; "Use another method" shows the rest.
  const [pushFirst, setPushFirst] = useState(hasPush)
  const [selectedMethod, setSelectedMethod] = useState<MfaMethod>(choices[0] ?? 'totp')
  // With a key and nothing but backup codes besides, the code form waits for "Use backup code".
  const [showCodeForm, setShowCodeForm] = useState(!hasKey || choices.some((m) => m !== 'backup'))
  const [keyPhase, setKeyPhase] = useState<'idle' | 'waiting' | 'checking'>('idle')
  const [code, setCode] = useState('')
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const [attemptsRemaining, setAttemptsRemaining] = useState<number | null>(null)
  const [lockedUntil, setLockedUntil] = useState<number | null>(null)
  const [resendAt, setResendAt] = useState<number | null>(null)
  const resendIn = useCountdown(resendAt)

  useEffect(() => {
    if (lockedUntil === null) return
    const timer = setTimeout(() => {
      setLockedUntil(null)
      setError('')
      setAttemptsRemaining(null)
    }, Math.max(0, lockedUntil - Date.now()))
    return () => clearTimeout(timer)
  }, [lockedUntil])

  const chooseMethod = (method: MfaMethod) => {
    setSelectedMethod(method)
    setShowCodeForm(true)
    setCode('')
    setNotice('')
  }

  /** A refused answer (code or key): attempts left, or the lockout. */
  const refused = (result: Extract<VerifyResult, { success: false }>, wrong: string) => {
    if (result.rateLimited) {
      const wait = result.retryAfter ?? 900
      setAttemptsRemaining(0)
      setLockedUntil(Date.now() + wait * 1000)
      setError(`Too many attempts. Sign-in is locked for ${minutes(wait)}.`)
    } else {
      setAttemptsRemaining(result.attemptsRemaining ?? null)
      setError(wrong)
    }
  }

  const signInWithKey = async () => {
    try {
      setError('')
      setNotice('')
      setAttemptsRemaining(null)
      setKeyPhase('waiting')
      const options = await api.auth.webauthn.authenticationOptions({ sessionId })
      const credential = await getAssertion(options.publicKey)
      setKeyPhase('checking')
      const result = await api.auth.webauthn.verifyAuthentication({ challengeId: options.challengeId, credential, sessionId })
      if (result.success) {
        onSuccess(result.user, result.session)
        return
      }
      refused(result, 'Your security key was not accepted. Use a key registered to your account, or another method.')
    } catch (err) {
      setError(keyError(err))
    } finally {
      setKeyPhase('idle')
    }
  }

  const handleSubmit = async (e: FormEvent) => {
    e.preventDefault()
    try {
      setLoading(true)
      setError('')
      setNotice('')
      const result = await api.auth.mfa.challenge({ sessionId, method: selectedMethod, code })
      if (result.success) {
        onSuccess(result.user, result.session)
        return
      }
      setCode('')
      refused(result, result.code === 'mfa_expired_code' ? 'Invalid code: it has expired. Send a new one.' : 'Invalid code')
    } catch (err) {
      setError(errorMessage(err, 'Verification failed'))
    } finally {
      setLoading(false)
    }
  }

  const requestNewCode = async () => {
    if (!isSent(selectedMethod)) return // authenticator and backup codes are not sent
    try {
      setError('')
      setNotice('')
      await api.auth.mfa.requestNewCode({ sessionId, method: selectedMethod })
      setNotice('New code sent!')
    } catch (err) {
      const wait = retryAfterOf(err)
      if (wait) {
        setResendAt(Date.now() + wait * 1000)
        setNotice(`A new code can be sent in ${wait} seconds.`)
      } else {
        setError(errorMessage(err, 'Failed to send new code'))
      }
    }
  }

  const locked = lockedUntil !== null
  const backup = selectedMethod === 'backup'
  const keyBusy = keyPhase !== 'idle'
  const lead = !hasKey
    ? 'Enter a code to finish signing in.'
    : showCodeForm
      ? 'Use your security key or passkey, or enter a code, to finish signing in.'
      : 'Use your security key or passkey to finish signing in.'

  if (pushFirst) {
    return (
      <div className="mfa-challenge">
        <h2>Two-Factor Authentication</h2>
        <p>Your account is protected with a second step. Approve the sign-in on your phone.</p>
        <PushApproval sessionId={sessionId} onSuccess={onSuccess} onOtherMethod={choices.length > 0 || hasKey ? () => setPushFirst(false) : undefined} />
        <div className="actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    )
  }

  return (
    <div className="mfa-challenge">
      <h2>Two-Factor Authentication</h2>
      <p>Your account is protected with a second step. {lead}</p>
      {hasPush && (
        <p>
          <button type="button" className="link" onClick={() => setPushFirst(true)}>
            Approve on your phone instead
          </button>
        </p>
      )}

      {hasKey && (
        <div className="security-key-option">
          <div className="actions">
            <button
              type="button"
              className={showCodeForm ? undefined : 'primary'}
              onClick={() => void signInWithKey()}
              disabled={keyBusy || loading || locked || !isWebAuthnAvailable()}
            >
              <span aria-hidden="true">🔑 </span>
              {keyPhase === 'checking' ? 'Checking...' : keyPhase === 'waiting' ? 'Waiting for your key...' : 'Use security key or passkey'}
            </button>
            {!showCodeForm && (
              <button type="button" onClick={onCancel} disabled={keyBusy}>
                Cancel
              </button>
            )}
          </div>
          {keyPhase === 'waiting' && (
            <p className="notice" role="status">
              Touch your security key when it flashes, or confirm with this device's fingerprint, face or PIN.
            </p>
          )}
          {!isWebAuthnAvailable() && <p className="hint">This browser cannot use security keys on this page: use a backup code instead.</p>}
        </div>
      )}

      {hasKey && showCodeForm && <p className="divider">or</p>}

      {showCodeForm && (
        <form onSubmit={handleSubmit}>
          {choices.length > 1 && (
            <label className="field method-selector">
              <span>Authentication Method</span>
              <select name="method" value={selectedMethod} onChange={(e) => chooseMethod(e.target.value as MfaMethod)}>
                {choices.map((method) => (
                  <option key={method} value={method}>
                    {methodNames[method] ?? method}
                  </option>
                ))}
              </select>
            </label>
          )}

          <label className="field code-input">
            <span>
              {selectedMethod === 'totp'
                ? 'Code from authenticator app'
                : backup
                  ? 'One of your backup codes'
                  : `Code sent via ${methodNames[selectedMethod] ?? selectedMethod}`}
            </span>
            <input
              type="text"
              name="code"
              value={code}
              onChange={(e) =>
                setCode(backup ? e.target.value.replace(/[^0-9A-Za-z-]/g, '').toUpperCase().slice(0, 16) : e.target.value.replace(/\D/g, '').slice(0, 6))
              }
              placeholder={backup ? 'XXXXXXXXXX' : '123456'}
              inputMode={backup ? 'text' : 'numeric'}
              autoComplete="one-time-code"
              autoFocus
              required
            />
          </label>

          <div className="actions">
            <button type="submit" className="primary" disabled={loading || keyBusy || locked || !code}>
              {loading ? 'Verifying...' : 'Verify'}
            </button>
            {isSent(selectedMethod) && (
              <button type="button" onClick={requestNewCode} disabled={locked || resendIn > 0}>
                {resendIn > 0 ? `Send New Code (${resendIn} s)` : 'Send New Code'}
              </button>
            )}
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}

      {error && (
        <div className="error" role="alert">
          {error}
          {attemptsRemaining !== null && attemptsRemaining > 0 && (
            <p>
              {attemptsRemaining} {attemptsRemaining === 1 ? 'attempt' : 'attempts'} remaining
            </p>
          )}
        </div>
      )}

      {choices.includes('backup') && !(backup && showCodeForm) && (
        <div className="backup-option">
          <p>
            Can't access your device?{' '}
            <button type="button" className="link" onClick={() => chooseMethod('backup')}>
              Use backup code
            </button>
          </p>
        </div>
      )}
    </div>
  )
}
