// A modal <dialog> (the look of ConfirmDialog) asking for a key's new name.
// Rendered only while open, so nothing of it is in the page otherwise.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react'

interface RenameKeyDialogProps {
  /** The key's current name, to start from. */
  name: string
  /** Resolves when saved; a rejection's message is shown in the dialog. */
  onRename: (name: string) => Promise<void>
  onClose: () => void
}

/** As many characters as a new key's name may have. */
const MAX_NAME = 64

export function RenameKeyDialog({ name: current, onRename, onClose }: RenameKeyDialogProps) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const [name, setName] = useState(current)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const trimmed = name.trim()

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!trimmed) {
      setError('Give the key a name, so you can tell your keys apart.')
      return
    }
    setBusy(true)
    setError('')
    try {
      await onRename(trimmed)
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
      <form onSubmit={submit} noValidate>
        <h3 id={titleId}>Rename {current}</h3>
        <label className="field">
          <span>New name</span>
          <input
            type="text"
            name="newKeyName"
            value={name}
            onChange={(e) => {
              setName(e.target.value.slice(0, MAX_NAME))
              setError('')
            }}
            autoComplete="off"
            disabled={busy}
            required
            autoFocus
          />
        </label>
        {error && (
          <p className="dialog-error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || trimmed === current}>
            {busy ? 'Saving...' : 'Save Name'}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  )
}
