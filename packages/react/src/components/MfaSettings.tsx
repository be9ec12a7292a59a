// The guide's MfaSettings: status, backup codes, another method, security keys, phones,
// turning MFA off.
import { useState } from 'react'
import { useMfaTexts } from '../context.js'
import { useMfa } from '../hooks/useMfa.js'
import { dialogError } from '../messages.js'
import { BackupCodes } from './BackupCodes.js'
import { ConfirmDialog } from './ConfirmDialog.js'
import { MfaSetup, type MfaSetupProps } from './MfaSetup.js'
import { PushDevices } from './PushDevices.js'
import { SecurityKeys } from './SecurityKeys.js'
import { Status } from './Status.js'

/** What <MfaSettings> takes. */
export interface MfaSettingsProps {
  /** The signed-in user's email, for setting up the email method. */
  email?: string
  /** The methods "Add Another Method" offers (default: all five). */
  methods?: MfaSetupProps['methods']
  /** The account's name in the authenticator app (default: the server's). */
  label?: string
}

/** The signed-in user's two-factor settings page section. */
export const MfaSettings = ({ email, methods, label }: MfaSettingsProps) => {
  const texts = useMfaTexts()
  const words = texts.settings
  const { mfaState, loading, error, disableMfa, regenerateBackupCodes, refresh } = useMfa()
  const [showSetup, setShowSetup] = useState(false)
  const [dialog, setDialog] = useState<'regenerate' | 'disable' | null>(null)
  const [backupCodes, setBackupCodes] = useState<string[] | null>(null)
  const [message, setMessage] = useState('')

  /** Runs a confirmed action; its failure is rethrown with words for the dialog. */
  const confirmed = async (action: () => Promise<void>): Promise<void> => {
    try {
      await action()
    } catch (err) {
      throw dialogError(err, texts.dialog.failed, texts)
    }
  }

  if (loading && !mfaState) {
    return <div className="plinto-mfa loading">{words.loading}</div>
  }

  if (showSetup) {
    return (
      <MfaSetup
        email={email}
        methods={methods}
        label={label}
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
    <div className="plinto-mfa mfa-settings">
      <h2>{words.title}</h2>

      {!mfaState && error && (
        <div className="error" role="alert">
          {error}{' '}
          <button type="button" className="link" onClick={() => void refresh()}>
            {texts.common.tryAgain}
          </button>
        </div>
      )}

      <Status text={message} />

      {dialog === 'regenerate' && (
        <ConfirmDialog
          title={words.regenerateTitle}
          confirmLabel={words.regenerateConfirm}
          busyLabel={words.working}
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
          <p>{words.regenerateBody}</p>
        </ConfirmDialog>
      )}

      {dialog === 'disable' && (
        <ConfirmDialog
          title={words.disableTitle}
          confirmLabel={words.disableConfirm}
          busyLabel={words.disabling}
          askCode
          codeLabel={onlySecurityKeys ? texts.dialog.backupCodeLabel : undefined}
          danger
          onClose={() => setDialog(null)}
          onConfirm={({ password, confirmationCode }) =>
            confirmed(async () => {
              await disableMfa(password, confirmationCode)
              setDialog(null)
              setBackupCodes(null)
              setMessage(words.disabled)
            })
          }
        >
          <p>{words.disableBody}</p>
        </ConfirmDialog>
      )}

      {backupCodes && <BackupCodes title={words.newCodesTitle} codes={backupCodes} onDone={() => setBackupCodes(null)} />}

      {mfaState &&
        (!mfaState.isEnabled ? (
          <div className="mfa-disabled">
            <h3>{words.offTitle}</h3>
            <p>{words.offBody}</p>
            <button type="button" onClick={() => setShowSetup(true)} className="primary">
              {words.enable}
            </button>
          </div>
        ) : (
          <div className="mfa-enabled">
            <h3>{words.onTitle}</h3>
            <dl className="mfa-info">
              <dt>{words.activeMethods}</dt>
              <dd>{mfaState.methods.map((m) => texts.common.methodNames[m] ?? m).join(', ')}</dd>
              <dt>{words.backupRemaining}</dt>
              <dd className={mfaState.backupCodesRemaining <= 2 ? 'warn' : undefined}>{mfaState.backupCodesRemaining}</dd>
              {mfaState.lastUsed && (
                <>
                  <dt>{words.lastUsed}</dt>
                  <dd>{texts.common.dateTime(mfaState.lastUsed)}</dd>
                </>
              )}
            </dl>
            <div className="mfa-actions actions">
              <button type="button" onClick={() => setDialog('regenerate')}>
                {words.regenerate}
              </button>
              <button type="button" onClick={() => setShowSetup(true)}>
                {words.addMethod}
              </button>
              <button type="button" onClick={() => setDialog('disable')} className="danger">
                {words.disable}
              </button>
            </div>
            {mfaState.pushDevices.length > 0 && <PushDevices devices={mfaState.pushDevices} methods={mfaState.methods} onChanged={changed} />}
            <SecurityKeys methods={mfaState.methods} onChanged={changed} />
          </div>
        ))}
    </div>
  )
}
