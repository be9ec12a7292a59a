// A modal dialog (the look of ConfirmDialog) asking for a key's new name.
// Rendered only while open, so nothing of it is in the page otherwise.
import { useId, useState, type FormEvent } from 'react'
import { useMfaTexts } from '../context.js'
import { Modal } from './Modal.js'

/** What <RenameKeyDialog> takes. */
export interface RenameKeyDialogProps {
  /** The key's current name, to start from. */
  name: string
  /** Resolves when saved; a rejection's message is shown in the dialog. */
  onRename: (name: string) => Promise<void>
  onClose: () => void
}

/** As many characters as a key's name may have here. */
export const MAX_KEY_NAME = 64

/** Asks for a key's new name and runs `onRename` with it, trimmed. */
export function RenameKeyDialog({ name: current, onRename, onClose }: RenameKeyDialogProps) {
  const texts = useMfaTexts()
  const words = texts.renameKey
  const titleId = useId()
  const [name, setName] = useState(current)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const trimmed = name.trim()

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!trimmed) {
      setError(words.nameMissing)
      return
    }
    setBusy(true)
    setError('')
    try {
      await onRename(trimmed)
    } catch (err) {
      setError(err instanceof Error && err.message ? err.message : texts.dialog.failed)
      setBusy(false)
    }
  }

  return (
    <Modal labelledBy={titleId} busy={busy} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <h3 id={titleId}>{words.title(current)}</h3>
        <label className="field">
          <span>{words.newName}</span>
          <input
            type="text"
            name="newKeyName"
            value={name}
            onChange={(e) => {
              setName(e.target.value.slice(0, MAX_KEY_NAME))
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
            {busy ? words.saving : words.save}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            {texts.common.cancel}
          </button>
        </div>
      </form>
    </Modal>
  )
}
