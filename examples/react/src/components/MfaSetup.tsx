// The guide's MfaSetup: choose a method, start it, confirm with a first code (or register a
// security key), save backup codes.
import { useEffect, useState, type FormEvent } from 'react'
import { api, errorMessage, retryAfterOf, type MfaMethod, type MfaSetupResult } from '../api'
import { minutes } from '../format'
import { useCountdown } from '../hooks/useCountdown'
import { BackupCodes } from './BackupCodes'
import { QrCode } from './QrCode'
import { SecurityKeyRegistration } from './SecurityKeyRegistration'

interface MfaSetupProps {
  /** The signed-in user's email, for the email method. */
  email?: string
  onComplete: () => void
  onCancel: () => void
}

type SetupMethod = Extract<MfaMethod, 'totp' | 'sms' | 'email' | 'webauthn' | 'push'>

const methods: { id: SetupMethod; name: string; description: string; icon: string }[] = [
  { id: 'totp', name: 'Authenticator App', description: 'Use Google Authenticator, Authy, or similar apps', icon: '📱' },
  { id: 'sms', name: 'SMS Messages', description: 'Receive codes via text message', icon: '💬' },
  { id: 'email', name: 'Email', description: 'Receive codes via email', icon: '✉️' },
  { id: 'push', name: 'Push Approval', description: 'Approve sign-ins in the authenticator app by typing the number shown', icon: '📲' },
  { id: 'webauthn', name: 'Security Key', description: 'Touch a USB or NFC key (such as a YubiKey), or use a passkey on this device', icon: '🔑' },
]

/** What backup codes stand in for, per method. */
const devices: Record<SetupMethod, string> = {
  totp: 'your authenticator app',
  sms: 'your phone',
  email: 'your email',
  webauthn: 'your security key',
  push: 'your phone',
}

/** The base32 key in groups of four, as authenticator apps show it. */
const groupKey = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim()

export const MfaSetup = ({ email, onComplete, onCancel }: MfaSetupProps) => {
  const [step, setStep] = useState<'method' | 'setup' | 'verify' | 'backup'>('method')
  const [selectedMethod, setSelectedMethod] = useState<SetupMethod>('totp')
  const [setupData, setSetupData] = useState<MfaSetupResult | null>(null)
  const [verificationCode, setVerificationCode] = useState('')
  const [phoneNumber, setPhoneNumber] = useState('')
  const [backupCodes, setBackupCodes] = useState<string[]>([])
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState('')
  const [notice, setNotice] = useState('')
  const [attemptsRemaining, setAttemptsRemaining] = useState<number | null>(null)
  const [lockedUntil, setLockedUntil] = useState<number | null>(null)
  const [resendAt, setResendAt] = useState<number | null>(null)
  const resendIn = useCountdown(resendAt)
  const method = methods.find((m) => m.id === selectedMethod)

  // Re-enable Verify when a lockout ends.
  useEffect(() => {
    if (lockedUntil === null) return
    const timer = setTimeout(() => {
      setLockedUntil(null)
      setError('')
    }, Math.max(0, lockedUntil - Date.now()))
    return () => clearTimeout(timer)
  }, [lockedUntil])

  const handleMethodSelect = (id: SetupMethod) => {
    setSelectedMethod(id)
    setError('')
    setStep('setup')
  }

  const setupMfa = async (event?: FormEvent) => {
    event?.preventDefault()
    if (selectedMethod === 'sms' && !phoneNumber.trim()) {
      setError('Enter your phone number, with the country code (for example +14155550123).')
      return
    }
    try {
      setLoading(true)
      setError('')
      setNotice('')
      const setup = await api.auth.enableMFA({
        method: selectedMethod,
        phoneNumber: selectedMethod === 'sms' ? phoneNumber.trim() : undefined,
        deviceName: selectedMethod === 'push' ? 'Phone' : undefined,
        label: 'Plinto MFA Example',
      })
      setSetupData(setup)
      setVerificationCode('')
      setAttemptsRemaining(null)
      setStep('verify')
    } catch (err) {
      setError(errorMessage(err, 'Setup failed'))
    } finally {
      setLoading(false)
    }
  }

  const resend = async () => {
    try {
      setLoading(true)
      setError('')
      await api.auth.mfa.requestNewCode({ method: selectedMethod })
      setNotice('A new code is on its way.')
    } catch (err) {
      const wait = retryAfterOf(err)
      if (wait) {
        setResendAt(Date.now() + wait * 1000)
        setNotice(`A new code can be sent in ${wait} seconds.`)
      } else {
        setError(errorMessage(err, 'Could not send a new code'))
      }
    } finally {
      setLoading(false)
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
        if (result.backupCodes?.length) {
          setBackupCodes(result.backupCodes)
          setStep('backup')
        } else {
          onComplete()
        }
      } else if (result.rateLimited) {
        setAttemptsRemaining(0)
        setLockedUntil(Date.now() + (result.retryAfter ?? 900) * 1000)
        setError(`Too many attempts. Try again in ${minutes(result.retryAfter ?? 900)}.`)
      } else {
        setAttemptsRemaining(result.attemptsRemaining ?? null)
        setError(result.code === 'mfa_expired_code' ? 'This code has expired. Send a new one.' : 'Invalid code. Check the code and try again.')
        setVerificationCode('')
      }
    } catch (err) {
      setError(errorMessage(err, 'Verification failed'))
    } finally {
      setLoading(false)
    }
  }

  const locked = lockedUntil !== null

  return (
    <div className="mfa-setup">
      {step === 'method' && (
        <div>
          <h2>Choose Authentication Method</h2>
          <div className="method-grid">
            {methods.map((m) => (
              <button key={m.id} type="button" className="method-card" onClick={() => handleMethodSelect(m.id)}>
                <span className="method-icon" aria-hidden="true">
                  {m.icon}
                </span>
                <h3>{m.name}</h3>
                <p>{m.description}</p>
              </button>
            ))}
          </div>
          <div className="actions">
            <button type="button" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </div>
      )}

      {step === 'setup' && selectedMethod === 'webauthn' && (
        <SecurityKeyRegistration
          onRegistered={(result) => {
            if (result.backupCodes?.length) {
              setBackupCodes(result.backupCodes)
              setStep('backup')
            } else {
              onComplete()
            }
          }}
          onBack={() => setStep('method')}
          onCancel={onCancel}
        />
      )}

      {step === 'setup' && selectedMethod !== 'webauthn' && (
        <form onSubmit={setupMfa} noValidate>
          <h2>Setup {method?.name}</h2>
          {selectedMethod === 'totp' && (
            <p>You will scan a QR code with an authenticator app on your phone, then type the 6-digit code it shows.</p>
          )}
          {selectedMethod === 'sms' && (
            <label className="field">
              <span>Phone Number</span>
              <input
                type="tel"
                name="phoneNumber"
                autoComplete="tel"
                value={phoneNumber}
                onChange={(e) => setPhoneNumber(e.target.value)}
                placeholder="+14155550123"
                required
              />
            </label>
          )}
          {selectedMethod === 'email' && <p>We will send a 6-digit code to {email ? <strong>{email}</strong> : 'your email address'}.</p>}
          {selectedMethod === 'push' && (
            <p>You will scan a QR code with the authenticator app on your phone. It then shows a 6-digit code to type here.</p>
          )}
          <div className="actions">
            <button type="submit" className="primary" disabled={loading}>
              {loading ? 'Setting up...' : 'Continue'}
            </button>
            <button type="button" onClick={() => setStep('method')} disabled={loading}>
              Back
            </button>
            <button type="button" onClick={onCancel} disabled={loading}>
              Cancel
            </button>
          </div>
        </form>
      )}

      {step === 'verify' && (
        <form onSubmit={verifySetup}>
          <h2>Verify Setup</h2>

          {selectedMethod === 'totp' && setupData?.secret && (
            <div className="totp-enroll">
              <p>Scan this QR code with your authenticator app:</p>
              {setupData.qrCodeDataUrl && <QrCode dataUrl={setupData.qrCodeDataUrl} label="QR code to add this account to an authenticator app" />}
              <p>
                Or enter this key manually: <code className="manual-key">{groupKey(setupData.secret)}</code>
              </p>
            </div>
          )}

          {selectedMethod === 'push' && setupData?.qrCodeDataUrl && (
            <div className="push-enroll">
              <p>Scan this QR code with the authenticator app on your phone, within {minutes(setupData.expiresIn ?? 300)}:</p>
              <QrCode dataUrl={setupData.qrCodeDataUrl} label="QR code to enroll your phone for push approvals" />
              <p>Then type the code your phone shows.</p>
            </div>
          )}

          {(selectedMethod === 'sms' || selectedMethod === 'email') && (
            <p>
              A verification code has been sent to{' '}
              {setupData?.destination ? <strong>{setupData.destination}</strong> : `your ${selectedMethod === 'sms' ? 'phone' : 'email'}`}.{' '}
              <button type="button" className="link" onClick={resend} disabled={loading || resendIn > 0}>
                {resendIn > 0 ? `Resend code (${resendIn} s)` : 'Resend code'}
              </button>
            </p>
          )}

          <label className="field">
            <span>Verification Code</span>
            <input
              type="text"
              name="verificationCode"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={verificationCode}
              onChange={(e) => setVerificationCode(e.target.value.replace(/\D/g, '').slice(0, 6))}
              placeholder="123456"
              maxLength={6}
            />
          </label>

          <div className="actions">
            <button type="submit" className="primary" disabled={loading || locked || verificationCode.length !== 6}>
              {loading ? 'Verifying...' : 'Verify'}
            </button>
            <button type="button" onClick={() => setStep('setup')} disabled={loading}>
              Back
            </button>
          </div>
          {notice && (
            <p className="notice" role="status">
              {notice}
            </p>
          )}
          {attemptsRemaining !== null && attemptsRemaining > 0 && error && (
            <p className="hint">
              {attemptsRemaining} {attemptsRemaining === 1 ? 'attempt' : 'attempts'} remaining
            </p>
          )}
        </form>
      )}

      {step === 'backup' && (
        <BackupCodes
          title="Save your backup codes"
          codes={backupCodes}
          device={devices[selectedMethod]}
          onDone={onComplete}
        />
      )}

      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  )
}

