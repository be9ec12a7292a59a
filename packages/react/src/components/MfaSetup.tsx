// The guide's MfaSetup: choose a method, start it, confirm with a first code (or register a
// security key), save backup codes.
import { useState, type FormEvent } from 'react'
import { retryAfterOf } from '../client.js'
import { useMfaClient, useMfaTexts } from '../context.js'
import { useCodeCheck } from '../hooks/useCodeCheck.js'
import { errorMessage } from '../messages.js'
import type { SetupMethod } from '../texts.js'
import type { MfaSetupResult } from '../types.js'
import { BackupCodes } from './BackupCodes.js'
import { QrCode } from './QrCode.js'
import { SecurityKeyRegistration } from './SecurityKeyRegistration.js'
import { Status } from './Status.js'

/** What <MfaSetup> takes. */
export interface MfaSetupProps {
  /** The signed-in user's email, for the email method. */
  email?: string
  /** The methods offered, in this order (default: all five). */
  methods?: SetupMethod[]
  /** The account's name in the authenticator app (default: the server's). */
  label?: string
  onComplete: () => void
  onCancel: () => void
}

const allMethods: SetupMethod[] = ['totp', 'sms', 'email', 'push', 'webauthn']
const icons: Record<SetupMethod, string> = { totp: '📱', sms: '💬', email: '✉️', push: '📲', webauthn: '🔑' }

/** The base32 key in groups of four, as authenticator apps show it. */
const groupKey = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim()

/** Sets up one more method for the signed-in user, from the choice to the backup codes. */
export const MfaSetup = ({ email, methods = allMethods, label, onComplete, onCancel }: MfaSetupProps) => {
  const api = useMfaClient()
  const texts = useMfaTexts()
  const words = texts.setup
  const [step, setStep] = useState<'method' | 'setup' | 'verify' | 'backup'>('method')
  const [selectedMethod, setSelectedMethod] = useState<SetupMethod>(methods[0] ?? 'totp')
  const [setupData, setSetupData] = useState<MfaSetupResult | null>(null)
  const [verificationCode, setVerificationCode] = useState('')
  const [phoneNumber, setPhoneNumber] = useState('')
  const [backupCodes, setBackupCodes] = useState<string[]>([])
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const { attemptsRemaining, setAttemptsRemaining, locked, lockFor, resendIn, resendAfter } = useCodeCheck(() => setError(''))

  const handleMethodSelect = (id: SetupMethod) => {
    setSelectedMethod(id)
    setError('')
    setStep('setup')
  }

  const setupMfa = async (event?: FormEvent) => {
    event?.preventDefault()
    if (selectedMethod === 'sms' && !phoneNumber.trim()) {
      setError(words.phoneMissing)
      return
    }
    try {
      setLoading(true)
      setError('')
      setNotice('')
      const setup = await api.auth.enableMFA({
        method: selectedMethod,
        phoneNumber: selectedMethod === 'sms' ? phoneNumber.trim() : undefined,
        deviceName: selectedMethod === 'push' ? words.pushDeviceName : undefined,
        label,
      })
      setSetupData(setup)
      setVerificationCode('')
      setAttemptsRemaining(null)
      setStep('verify')
    } catch (err) {
      setError(errorMessage(err, words.setupFailed, texts))
    } finally {
      setLoading(false)
    }
  }

  const resend = async () => {
    try {
      setLoading(true)
      setError('')
      await api.auth.mfa.requestNewCode({ method: selectedMethod })
      setNotice(words.resent)
    } catch (err) {
      const wait = retryAfterOf(err)
      if (wait) {
        resendAfter(wait)
        setNotice(texts.common.resendIn(wait))
      } else {
        setError(errorMessage(err, words.resendFailed, texts))
      }
    } finally {
      setLoading(false)
    }
  }

  const finished = (codes: string[] | undefined) => {
    // The secret and QR code are no longer needed once the method is confirmed.
    setSetupData(null)
    if (codes?.length) {
      setBackupCodes(codes)
      setStep('backup')
    } else {
      onComplete()
    }
  }

  const verifySetup = async (event: FormEvent) => {
    event.preventDefault()
    try {
      setLoading(true)
      setError('')
      setNotice('')
      const result = await api.auth.verifyMFA({ method: selectedMethod, code: verificationCode })
      if (result.success) {
        finished(result.backupCodes)
      } else if (result.rateLimited) {
        const wait = result.retryAfter ?? 900
        lockFor(wait)
        setError(words.tooManyAttempts(texts.common.minutes(wait)))
      } else {
        setAttemptsRemaining(result.attemptsRemaining ?? null)
        setError(result.code === 'mfa_expired_code' ? words.expired : words.invalid)
        setVerificationCode('')
      }
    } catch (err) {
      setError(errorMessage(err, words.failed, texts))
    } finally {
      setLoading(false)
    }
  }

  const sent = selectedMethod === 'sms' || selectedMethod === 'email'

  return (
    <div className="plinto-mfa mfa-setup">
      {step === 'method' && (
        <div>
          <h2>{words.chooseTitle}</h2>
          <div className="method-grid">
            {methods.map((m) => (
              <button key={m} type="button" className="method-card" onClick={() => handleMethodSelect(m)}>
                <span className="method-icon" aria-hidden="true">
                  {icons[m]}
                </span>
                <strong className="method-name">{words.methods[m].name}</strong>
                <span className="method-description">{words.methods[m].description}</span>
              </button>
            ))}
          </div>
          <div className="actions">
            <button type="button" onClick={onCancel}>
              {texts.common.cancel}
            </button>
          </div>
        </div>
      )}

      {step === 'setup' && selectedMethod === 'webauthn' && (
        <SecurityKeyRegistration onRegistered={(result) => finished(result.backupCodes)} onBack={() => setStep('method')} onCancel={onCancel} />
      )}

      {step === 'setup' && selectedMethod !== 'webauthn' && (
        <form onSubmit={setupMfa} noValidate>
          <h2>{words.setupTitle(words.methods[selectedMethod].name)}</h2>
          {selectedMethod === 'totp' && <p>{words.totpIntro}</p>}
          {selectedMethod === 'sms' && (
            <label className="field">
              <span>{words.phoneLabel}</span>
              <input
                type="tel"
                name="phoneNumber"
                autoComplete="tel"
                value={phoneNumber}
                onChange={(e) => setPhoneNumber(e.target.value)}
                placeholder={words.phonePlaceholder}
                required
              />
            </label>
          )}
          {selectedMethod === 'email' && <p>{words.emailIntro(email)}</p>}
          {selectedMethod === 'push' && <p>{words.pushIntro}</p>}
          <div className="actions">
            <button type="submit" className="primary" disabled={loading}>
              {loading ? words.settingUp : words.continue}
            </button>
            <button type="button" onClick={() => setStep('method')} disabled={loading}>
              {texts.common.back}
            </button>
            <button type="button" onClick={onCancel} disabled={loading}>
              {texts.common.cancel}
            </button>
          </div>
        </form>
      )}

      {step === 'verify' && (
        <form onSubmit={verifySetup}>
          <h2>{words.verifyTitle}</h2>

          {selectedMethod === 'totp' && setupData?.secret && (
            <div className="totp-enroll">
              <p>{words.scanTotp}</p>
              {setupData.qrCodeDataUrl && <QrCode dataUrl={setupData.qrCodeDataUrl} label={words.totpQrLabel} />}
              <p>
                {words.manualKey} <code className="manual-key">{groupKey(setupData.secret)}</code>
              </p>
            </div>
          )}

          {selectedMethod === 'push' && setupData?.qrCodeDataUrl && (
            <div className="push-enroll">
              <p>{words.scanPush(texts.common.minutes(setupData.expiresIn ?? 300))}</p>
              <QrCode dataUrl={setupData.qrCodeDataUrl} label={words.pushQrLabel} />
              <p>{words.pushThen}</p>
            </div>
          )}

          {sent && (
            <p>
              {words.codeSentTo} {setupData?.destination ? <strong>{setupData.destination}</strong> : words.codeSentToYour(selectedMethod)}.{' '}
              <button type="button" className="link" onClick={() => void resend()} disabled={loading || resendIn > 0}>
                {resendIn > 0 ? words.resendIn(resendIn) : words.resend}
              </button>
            </p>
          )}

          <label className="field">
            <span>{words.codeLabel}</span>
            <input
              type="text"
              name="verificationCode"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={verificationCode}
              onChange={(e) => setVerificationCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
              placeholder={texts.common.codePlaceholder}
              maxLength={6}
            />
          </label>

          <div className="actions">
            <button type="submit" className="primary" disabled={loading || locked || verificationCode.length !== 6}>
              {loading ? texts.common.verifying : texts.common.verify}
            </button>
            <button type="button" onClick={() => setStep('setup')} disabled={loading}>
              {texts.common.back}
            </button>
          </div>
          <Status text={notice} />
          {attemptsRemaining !== null && attemptsRemaining > 0 && error && <p className="hint">{texts.common.attemptsRemaining(attemptsRemaining)}</p>}
        </form>
      )}

      {step === 'backup' && <BackupCodes heading="h2" title={words.backupTitle} codes={backupCodes} device={words.devices[selectedMethod]} onDone={onComplete} />}

      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  )
}
