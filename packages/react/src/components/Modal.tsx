// A modal <dialog>, shown while rendered: focus moves into it and stays there, Escape closes
// it (unless busy), and closing gives the focus back to where it was.
import { useLayoutEffect, useRef, useState, type ReactNode, type RefObject } from 'react'

/** What <Modal> takes. */
export interface ModalProps {
  /** The id of the element naming the dialog (its heading). */
  labelledBy: string
  /** While true, Escape does not close it. */
  busy: boolean
  onClose: () => void
  /** Where the focus goes on closing when the element that opened it is gone (e.g. the
   * Remove button of a removed key). */
  fallbackFocus?: RefObject<HTMLElement | null>
  children: ReactNode
}

/** The dialog both confirmation dialogs are drawn in. */
export function Modal({ labelledBy, busy, onClose, fallbackFocus, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null)
  // Read while first rendering, before a field inside takes the focus.
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null))

  // A layout effect: the focus moves back in the same commit that removes the dialog.
  useLayoutEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => {
      dialog?.close()
      const target = opener?.isConnected ? opener : fallbackFocus?.current
      target?.focus()
    }
  }, [opener, fallbackFocus])

  return (
    <dialog
      ref={ref}
      className="plinto-mfa confirm-dialog"
      aria-labelledby={labelledBy}
      onCancel={(event) => {
        event.preventDefault()
        if (!busy) onClose()
      }}
      // The browser may close it on its own (a second Escape): the state follows.
      onClose={onClose}
    >
      {children}
    </dialog>
  )
}
