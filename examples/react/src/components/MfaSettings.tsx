// The guide's MfaSettings: status, backup codes, another method, security keys, turning MFA off.
import { useState } from 'react'
import { dialogError } from '../api'
import { dateTime } from '../format'
import { useMfa } from '../hooks/useMfa'
import { BackupCodes } from './BackupCodes'
import { ConfirmDialog } from './ConfirmDialog'
import { MfaSetup } from './MfaSetup'
import { PushDevices } from './PushDevices'
import { SecurityKeys } from './SecurityKeys'

const methodLabels: Record<string, string> = {
  totp: 'Authenticator app',
  sms: 'SMS',
  email: 'Email',
  backup: 'Backup codes',
  webauthn: 'Security key',
  push: 'Push approval',
}

/** Runs a confirmed action; its failure is rethrown with words for the dialog. */
async function confirmed(action: () => Promise<void>): Promise<void> {
  try {
    await action()
  } catch (err) {
    throw dialogError(err, 'That did not work. Try again.')
  }
}

export const MfaSettings = ({ email }: { email?: string }) => {
  const { mfaState, loading, error, disableMfa, regenerateBackupCodes, refresh } = useMfa()
  const [showSetup, setShowSetup] = useState(false)
  const [dialog, setDialog] = useState<'regenerate' | 'disable' | null>(null)
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null)
  const [message, setMessage] = useState('')

  if (loading && !mfaState) {
    return <div className="loading">Loading MFA settings...</div>
  }

  if (showSetup) {
    return (
      <MfaSetup
        email={email}
        onComplete={() => {
          setShowSetup(false)
          setMessage('')
          void refresh()
        }}
        onCancel={() => setShowSetup(false)}
      />
    )
  }

  // With only security keys, there is no code to type but a backup code.
  const onlySecurityKeys = !!mfaState && !mfaState.methods.some((m) => m === 'totp' || m === 'sms' || m === 'email')
  const changed = (text: string) => {
    setMessage(text)
    void refresh()
  }

  return (
    <div className="mfa-settings">
      <h2>Two-Factor Authentication</h2>

      {!mfaState && error && (
        <div className="error" role="alert">
          {error}{' '}
          <button type="button" className="link" onClick={() => void refresh()}>
            Try again
          </button>
        </div>
      )}

      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}

      {dialog === 'regenerate' && (
        <ConfirmDialog
          title="Confirm with your password"
          confirmLabel="Generate"
          busyLabel="Working..."
          onClose={() => setDialog(null)}
          onConfirm={({ password }) =>
            confirmed(async () => {
              const codes = await regenerateBackupCodes(password)
              setDialog(null)
              setMessage('')
              setBackupCodes(codes)
            })
          }
        >
          <p>New backup codes replace your current ones: the old codes stop working.</p>
        </ConfirmDialog>
      )}

      {dialog === 'disable' && (
        <ConfirmDialog
          title="Turn off two-factor authentication?"
          confirmLabel="Disable MFA"
          busyLabel="Disabling..."
          askCode
          codeLabel={onlySecurityKeys ? 'One of your backup codes' : undefined}
          danger
          onClose={() => setDialog(null)}
          onConfirm={({ password, confirmationCode }) =>
            confirmed(async () => {
              await disableMfa(password, confirmationCode)
              setDialog(null)
              setBackupCodes(null)
              setMessage('Two-factor authentication is now off.')
            })
          }
        >
          <p>Without it, your password alone protects your account. Confirm with your password and a current code.</p>
        </ConfirmDialog>
      )}

      {backupCodes && <BackupCodes title="Your New Backup Codes" codes={backupCodes} onDone={() => setBackupCodes(null)} />}

      {mfaState &&
        (!mfaState.isEnabled ? (
          <div className="mfa-disabled">
            <h3>🔒 Secure your account</h3>
            <p>Two-factor authentication adds an extra layer of security to your account. Turn it on to protect against unauthorized access.</p>
            <button type="button" onClick={() => setShowSetup(true)} className="primary">
              Enable Two-Factor Authentication
            </button>
          </div>
        ) : (
          <div className="mfa-enabled">
            <h3>✅ Two-Factor Authentication is enabled</h3>
            <dl className="mfa-info">
              <dt>Active methods</dt>
              <dd>{mfaState.methods.map((m) => methodLabels[m] ?? m).join(', ')}</dd>
              <dt>Backup codes remaining</dt>
              <dd className={mfaState.backupCodesRemaining <= 2 ? 'warn' : undefined}>{mfaState.backupCodesRemaining}</dd>
              {mfaState.lastUsed && (
                <>
                  <dt>Last used</dt>
                  <dd>{dateTime(mfaState.lastUsed)}</dd>
                </>
              )}
            </dl>
            <div className="mfa-actions actions">
              <button type="button" onClick={() => setDialog('regenerate')}>
                Generate New Backup Codes
              </button>
              <button type="button" onClick={() => setShowSetup(true)}>
                Add Another Method
              </button>
              <button type="button" onClick={() => setDialog('disable')} className="danger">
                Disable MFA
              </button>
            </div>
            {mfaState.pushDevices.length > 0 && <PushDevices devices={mfaState.pushDevices} methods={mfaState.methods} onChanged={changed} />}
            <SecurityKeys methods={mfaState.methods} onChanged={changed} />
          </div>
        ))}
    </div>
  )
}
