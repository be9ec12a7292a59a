// The guide's MfaChallenge: the second step of sign-in, with a code, a security key or a push.
import { useState, type FormEvent } from 'react'
import { ApiError, retryAfterOf } from '../client.js'
import { useMfaClient, useMfaTexts } from '../context.js'
import { useCodeCheck } from '../hooks/useCodeCheck.js'
import { errorMessage, webauthnErrorMessage } from '../messages.js'
import type { MfaMethod, Session, User, VerifyResult } from '../types.js'
import { getAssertion, isWebAuthnAvailable } from '../webauthn.js'
import { PushApproval } from './PushApproval.js'
import { Status } from './Status.js'

/** What <MfaChallenge> takes. */
export interface MfaChallengeProps {
  /** The pending sign-in, from signIn()'s answer. */
  sessionId: string
  /** The user's methods, from signIn()'s answer. */
  availableMethods: MfaMethod[]
  onSuccess: (user: User, session?: Session) => void
  onCancel: () => void
}

type CodeMethod = 'totp' | 'sms' | 'email' | 'backup'

// Methods a code can be typed for here (security keys have their own button).
const codeMethods: CodeMethod[] = ['totp', 'sms', 'email', 'backup']

const isSent = (method: MfaMethod) => method === 'sms' || method === 'email'

/** Asks for the second step of a pending sign-in and calls `onSuccess` once it is accepted. */
export const MfaChallenge = ({ sessionId, availableMethods, onSuccess, onCancel }: MfaChallengeProps) => {
  const api = useMfaClient()
  const texts = useMfaTexts()
  const words = texts.challenge
  const choices = codeMethods.filter((m) => availableMethods.includes(m))
  const hasKey = availableMethods.includes('webauthn')
  const hasPush = availableMethods.includes('push')
  // With push, the page offers it first; "Use another method" shows the rest.
  const [pushFirst, setPushFirst] = useState(hasPush)
  const [selectedMethod, setSelectedMethod] = useState<CodeMethod>(choices[0] ?? 'totp')
  // With a key and nothing but backup codes besides, the code form waits for "Use backup code".
  const [showCodeForm, setShowCodeForm] = useState(!hasKey || choices.some((m) => m !== 'backup'))
  const [keyPhase, setKeyPhase] = useState<'idle' | 'waiting' | 'checking'>('idle')
  const [code, setCode] = useState('')
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const { attemptsRemaining, setAttemptsRemaining, locked, lockFor, resendIn, resendAfter } = useCodeCheck(() => setError(''))

  const chooseMethod = (method: CodeMethod) => {
    setSelectedMethod(method)
    setShowCodeForm(true)
    setCode('')
    setNotice('')
  }

  /** A refused answer (code or key): attempts left, or the lockout. */
  const refused = (result: Extract<VerifyResult, { success: false }>, wrong: string) => {
    if (result.rateLimited) {
      const wait = result.retryAfter ?? 900
      lockFor(wait)
      setError(words.locked(texts.common.minutes(wait)))
    } else {
      setAttemptsRemaining(result.attemptsRemaining ?? null)
      setError(wrong)
    }
  }

  /** Words for a failed security-key sign-in that is not a refused answer. */
  const keyError = (err: unknown): string => {
    const browser = webauthnErrorMessage(err, 'sign-in', texts)
    if (browser) return browser
    if (err instanceof ApiError && err.code === 'mfa_expired_code') return words.keyExpired
    return errorMessage(err, words.keyFailed, texts)
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
      refused(result, words.keyRefused)
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
      refused(result, result.code === 'mfa_expired_code' ? words.expired : words.invalid)
    } catch (err) {
      setError(errorMessage(err, words.failed, texts))
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
      setNotice(words.newCodeSent)
    } catch (err) {
      const wait = retryAfterOf(err)
      if (wait) {
        resendAfter(wait)
        setNotice(texts.common.resendIn(wait))
      } else {
        setError(errorMessage(err, words.sendFailed, texts))
      }
    }
  }

  const backup = selectedMethod === 'backup'
  const keyBusy = keyPhase !== 'idle'
  const lead = !hasKey ? words.leadCode : showCodeForm ? words.leadKeyOrCode : words.leadKey

  if (pushFirst) {
    return (
      <div className="plinto-mfa mfa-challenge">
        <h2>{words.title}</h2>
        <p>
          {words.intro} {words.pushLead}
        </p>
        <PushApproval sessionId={sessionId} onSuccess={onSuccess} onOtherMethod={choices.length > 0 || hasKey ? () => setPushFirst(false) : undefined} />
        <div className="actions">
          <button type="button" onClick={onCancel}>
            {texts.common.cancel}
          </button>
        </div>
      </div>
    )
  }

  return (
    <div className="plinto-mfa mfa-challenge">
      <h2>{words.title}</h2>
      <p>
        {words.intro} {lead}
      </p>
      {hasPush && (
        <p>
          <button type="button" className="link" onClick={() => setPushFirst(true)}>
            {words.pushInstead}
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
              {keyPhase === 'checking' ? words.checking : keyPhase === 'waiting' ? words.waitingForKey : words.useKey}
            </button>
            {!showCodeForm && (
              <button type="button" onClick={onCancel} disabled={keyBusy}>
                {texts.common.cancel}
              </button>
            )}
          </div>
          <Status text={keyPhase === 'waiting' ? words.touchKey : ''} />
          {!isWebAuthnAvailable() && <p className="hint">{words.keyUnavailable}</p>}
        </div>
      )}

      {hasKey && showCodeForm && <p className="divider">{words.or}</p>}

      {showCodeForm && (
        <form onSubmit={handleSubmit}>
          {choices.length > 1 && (
            <label className="field method-selector">
              <span>{words.methodLabel}</span>
              <select name="method" value={selectedMethod} onChange={(e) => chooseMethod(e.target.value as CodeMethod)}>
                {choices.map((method) => (
                  <option key={method} value={method}>
                    {words.methodNames[method]}
                  </option>
                ))}
              </select>
            </label>
          )}

          <label className="field code-input">
            <span>
              {selectedMethod === 'totp' ? words.totpCodeLabel : backup ? words.backupCodeLabel : words.sentCodeLabel(words.methodNames[selectedMethod])}
            </span>
            <input
              type="text"
              name="code"
              value={code}
              onChange={(e) =>
                setCode(backup ? e.target.value.replace(/[^0-9A-Za-z-]/g, '').toUpperCase().slice(0, 16) : e.target.value.replace(/\D/g, '').slice(0, 6))
              }
              placeholder={backup ? words.backupPlaceholder : texts.common.codePlaceholder}
              inputMode={backup ? 'text' : 'numeric'}
              autoComplete="one-time-code"
              autoFocus
              required
            />
          </label>

          <div className="actions">
            <button type="submit" className="primary" disabled={loading || keyBusy || locked || !code}>
              {loading ? texts.common.verifying : texts.common.verify}
            </button>
            {isSent(selectedMethod) && (
              <button type="button" onClick={() => void requestNewCode()} disabled={locked || resendIn > 0}>
                {resendIn > 0 ? words.sendNewCodeIn(resendIn) : words.sendNewCode}
              </button>
            )}
            <button type="button" onClick={onCancel}>
              {texts.common.cancel}
            </button>
          </div>
        </form>
      )}

      <Status text={notice} />

      {error && (
        <div className="error" role="alert">
          {error}
          {attemptsRemaining !== null && attemptsRemaining > 0 && <p>{texts.common.attemptsRemaining(attemptsRemaining)}</p>}
        </div>
      )}

      {choices.includes('backup') && !(backup && showCodeForm) && (
        <div className="backup-option">
          <p>
            {words.noDevice}{' '}
            <button type="button" className="link" onClick={() => chooseMethod('backup')}>
              {words.useBackup}
            </button>
          </p>
        </div>
      )}
    </div>
  )
}
