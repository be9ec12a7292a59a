// A live region that stays in the page while its words change, so screen readers announce
// each new message (a region added together with its text is often missed).
/** What <Status> takes. */
export interface StatusProps {
  /** The message; empty shows nothing and announces nothing. */
  text: string
  /** The class of the shown message (default `notice`). */
  className?: string
}

/** A polite live region showing `text`. */
export function Status({ text, className = 'notice' }: StatusProps) {
  return <div role="status">{text ? <p className={className}>{text}</p> : null}</div>
}
