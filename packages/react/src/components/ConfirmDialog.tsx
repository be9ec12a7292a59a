// A modal dialog asking for the password (and optionally a code) before a sensitive change.
// Rendered only while open, so nothing of it is in the page otherwise.
import { useId, useState, type FormEvent, type ReactNode } from 'react'
import { useMfaTexts } from '../context.js'
import { Modal, type ModalProps } from './Modal.js'

/** What the user typed into a <ConfirmDialog>. */
export interface ConfirmValues {
  password: string
  confirmationCode: string
}

/** What <ConfirmDialog> takes. */
export interface ConfirmDialogProps {
  title: string
  children: ReactNode
  /** Label of the confirming button, e.g. "Generate". */
  confirmLabel: string
  busyLabel: string
  /** Also ask for a current authenticator or backup code. */
  askCode?: boolean
  /** The code field's label, when askCode. */
  codeLabel?: string
  danger?: boolean
  /** Where the focus goes on closing if the opener is gone (see Modal). */
  fallbackFocus?: ModalProps['fallbackFocus']
  /** Resolves when done; a rejection's message is shown in the dialog. */
  onConfirm: (values: ConfirmValues) => Promise<void>
  onClose: () => void
}

/** Asks for the password (and a code) and runs `onConfirm` with them. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busyLabel,
  askCode,
  codeLabel,
  danger,
  fallbackFocus,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  const texts = useMfaTexts()
  const titleId = useId()
  const [password, setPassword] = useState('')
  const [confirmationCode, setConfirmationCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError('')
    try {
      await onConfirm({ password, confirmationCode: confirmationCode.trim() })
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : texts.dialog.failed)
      setBusy(false)
    }
  }

  return (
    <Modal labelledBy={titleId} busy={busy} onClose={onClose} fallbackFocus={fallbackFocus}>
      <form onSubmit={submit}>
        <h3 id={titleId}>{title}</h3>
        <div className="dialog-body">{children}</div>
        <label className="field">
          <span>{texts.dialog.password}</span>
          <input type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus />
        </label>
        {askCode && (
          <label className="field">
            <span>{codeLabel ?? texts.dialog.codeLabel}</span>
            <input
              type="text"
              name="confirmationCode"
              autoComplete="one-time-code"
              value={confirmationCode}
              onChange={(e) => setConfirmationCode(e.target.value.replace(/[^0-9A-Za-z-]/g, '').slice(0, 16))}
              required
            />
          </label>
        )}
        {error && (
          <p className="dialog-error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className={danger ? 'danger' : 'primary'} disabled={busy || !password || (askCode && !confirmationCode)}>
            {busy ? busyLabel : confirmLabel}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            {texts.common.cancel}
          </button>
        </div>
      </form>
    </Modal>
  )
}
