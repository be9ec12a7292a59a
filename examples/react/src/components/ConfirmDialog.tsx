// A modal <dialog> asking for the password (and optionally a code) before a sensitive change.
// Rendered only while open, so nothing of it is in the page otherwise.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react'

export interface ConfirmValues {
  password: string
  confirmationCode: string
}

interface ConfirmDialogProps {
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
  /** Resolves when done; a rejection's message is shown in the dialog. */
  onConfirm: (values: ConfirmValues) => Promise<void>
  onClose: () => void
}

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busyLabel,
  askCode,
  codeLabel = 'Code from your authenticator app, or a backup code',
  danger,
  onConfirm,
  onClose,
}: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const [password, setPassword] = useState('')
  const [confirmationCode, setConfirmationCode] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError('')
    try {
      await onConfirm({ password, confirmationCode: confirmationCode.trim() })
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : 'That did not work. Try again.')
      setBusy(false)
    }
  }

  return (
    <dialog
      ref={ref}
      className="confirm-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault()
        if (!busy) onClose()
      }}
    >
      <form onSubmit={submit}>
        <h3 id={titleId}>{title}</h3>
        <div className="dialog-body">{children}</div>
        <label className="field">
          <span>Password</span>
          <input type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required autoFocus />
        </label>
        {askCode && (
          <label className="field">
            <span>{codeLabel}</span>
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
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  )
}
