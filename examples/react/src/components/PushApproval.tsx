// "Approve on your phone": sends a push approval, shows the number to type on the phone with a
// countdown, and waits (polling its status) for the phone's answer.
import { useEffect, useRef, useState } from 'react'
import { api, errorMessage, retryAfterOf, type PushChallenge, type Session, type User } from '../api'
import { useCountdown } from '../hooks/useCountdown'

interface PushApprovalProps {
  sessionId: string
  onSuccess: (user: User, session?: Session) => void
  /** The user chose another method. */
  onOtherMethod?: () => void
}

/** What each final status tells the user. */
const outcomes: Record<string, string> = {
  denied: 'The request was denied on your phone.',
  wrong_number: 'The number typed on your phone did not match. Send a new request and type the number shown here.',
  reported: 'You reported the request, so push approvals are paused. Sign in with another method.',
  expired: 'The request expired before it was approved.',
  cancelled: 'A newer request replaced this one.',
  refused: 'The approval could not complete the sign-in. Try again in a moment.',
  used: 'This request was already used.',
}

const POLL_MS = 1500
/** Failed polls in a row before the page gives up on the request. */
const POLL_RETRIES = 3

export const PushApproval = ({ sessionId, onSuccess, onOtherMethod }: PushApprovalProps) => {
  const [challenge, setChallenge] = useState<PushChallenge | null>(null)
  const [expiresAt, setExpiresAt] = useState<number | null>(null)
  const [retryAt, setRetryAt] = useState<number | null>(null)
  const [sending, setSending] = useState(false)
  const [error, setError] = useState('')
  const left = useCountdown(expiresAt)
  const retryIn = useCountdown(retryAt)
  const done = useRef(onSuccess)
  done.current = onSuccess
  const waiting = useRef<HTMLDivElement>(null)

  // The waiting block takes the focus from the button it replaces.
  useEffect(() => {
    if (challenge) waiting.current?.focus()
  }, [challenge])

  // Poll while a request waits for the phone.
  useEffect(() => {
    if (!challenge) return
    let stopped = false
    let failures = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async () => {
      try {
        const status = await api.auth.mfa.pushStatus({ sessionId, challengeId: challenge.challengeId })
        failures = 0
        if (stopped) return
        if (status.status === 'pending') {
          timer = setTimeout(() => void poll(), POLL_MS)
          return
        }
        setChallenge(null)
        setExpiresAt(null)
        if (status.success && status.user) {
          done.current(status.user, status.session)
          return
        }
        setError(outcomes[status.status] ?? 'The request was not approved.')
      } catch (err) {
        if (stopped) return
        // A dropped request is tried again before the page gives up (the phone may already
        // have approved: a new push would cancel that).
        if (++failures < POLL_RETRIES) {
          timer = setTimeout(() => void poll(), POLL_MS * failures)
          return
        }
        setChallenge(null)
        setExpiresAt(null)
        setError(errorMessage(err, 'Could not read the request'))
      }
    }
    timer = setTimeout(() => void poll(), POLL_MS)
    return () => {
      stopped = true
      if (timer) clearTimeout(timer)
    }
  }, [challenge, sessionId])

  const send = async () => {
    try {
      setSending(true)
      setError('')
      const sent = await api.auth.mfa.pushChallenge({ sessionId })
      setChallenge(sent)
      setExpiresAt(Date.now() + sent.expiresIn * 1000)
    } catch (err) {
      const wait = retryAfterOf(err)
      if (wait) setRetryAt(Date.now() + wait * 1000)
      setError(wait ? `Too many requests. You can send another in ${wait} seconds.` : errorMessage(err, 'Could not send the request'))
    } finally {
      setSending(false)
    }
  }

  return (
    <div className="push-approval">
      {challenge ? (
        <div className="push-waiting" ref={waiting} tabIndex={-1}>
          <p>Open the authenticator app on your phone and type this number to approve:</p>
          <p className="push-number" aria-hidden="true">
            {challenge.number}
          </p>
          {/* Announced once: the number digit by digit, then that the page waits. */}
          <p className="visually-hidden" role="status">
            Type {challenge.number.split('').join(' ')} on your phone. Waiting for your approval.
          </p>
          <p className="notice">Waiting for your approval… {left > 0 ? `${left} s left` : ''}</p>
          {challenge.delivered === 0 && <p className="hint">If no notification arrives, open the app: it finds the request on its own.</p>}
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="primary" onClick={() => void send()} disabled={sending || retryIn > 0}>
            <span aria-hidden="true">📲 </span>
            {sending ? 'Sending…' : retryIn > 0 ? `Approve on your phone (${retryIn} s)` : 'Approve on your phone'}
          </button>
        </div>
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {onOtherMethod && (
        <p>
          <button type="button" className="link" onClick={onOtherMethod}>
            Use another method
          </button>
        </p>
      )}
    </div>
  )
}
