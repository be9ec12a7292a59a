// A modal <dialog>, shown while rendered: focus moves into it and stays there, Escape closes
// it (unless busy), and closing gives the focus back to where it was.
import { useEffect, useRef, useState, type ReactNode } from 'react'

/** What <Modal> takes. */
export interface ModalProps {
  /** The id of the element naming the dialog (its heading). */
  labelledBy: string
  /** While true, Escape does not close it. */
  busy: boolean
  onClose: () => void
  children: ReactNode
}

/** The dialog both confirmation dialogs are drawn in. */
export function Modal({ labelledBy, busy, onClose, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null)
  // Read while first rendering, before a field inside takes the focus.
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null))

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => {
      dialog?.close()
      opener?.focus()
    }
  }, [opener])

  return (
    <dialog
      ref={ref}
      className="plinto-mfa confirm-dialog"
      aria-labelledby={labelledBy}
      onCancel={(event) => {
        event.preventDefault()
        if (!busy) onClose()
      }}
    >
      {children}
    </dialog>
  )
}
