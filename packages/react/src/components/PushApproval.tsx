// "Approve on your phone": sends a push approval, shows the number to type on the phone with a
// countdown, and waits (polling its status) for the phone's answer.
import { useEffect, useRef, useState } from 'react'
import { retryAfterOf } from '../client.js'
import { useMfaClient, useMfaTexts } from '../context.js'
import { useCountdown } from '../hooks/useCountdown.js'
import { useLatest } from '../hooks/useLatest.js'
import { errorMessage } from '../messages.js'
import type { PushChallenge, Session, User } from '../types.js'
import { Status } from './Status.js'

/** What <PushApproval> takes. */
export interface PushApprovalProps {
  /** The pending sign-in; without it, a step-up of the signed-in session. */
  sessionId?: string
  onSuccess: (user: User, session?: Session) => void
  /** The user chose another method. */
  onOtherMethod?: () => void
  /** Milliseconds between status checks (default 1500). */
  pollInterval?: number
}

/** Failed polls in a row before the page gives up on the request. */
const POLL_RETRIES = 3

/** The push button, then the number to type and the wait for the phone's answer. */
export const PushApproval = ({ sessionId, onSuccess, onOtherMethod, pollInterval = 1500 }: PushApprovalProps) => {
  const api = useMfaClient()
  const texts = useMfaTexts()
  const words = texts.push
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
  const latest = useLatest(texts)

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
          timer = setTimeout(() => void poll(), pollInterval)
          return
        }
        setChallenge(null)
        setExpiresAt(null)
        if (status.success && status.user) {
          done.current(status.user, status.session)
          return
        }
        const { outcomes, notApproved } = latest.current.push
        setError(Object.hasOwn(outcomes, status.status) ? outcomes[status.status as keyof typeof outcomes] : notApproved)
      } catch (err) {
        if (stopped) return
        // A dropped request is tried again before the page gives up (the phone may already
        // have approved: a new push would cancel that).
        if (++failures < POLL_RETRIES) {
          timer = setTimeout(() => void poll(), pollInterval * failures)
          return
        }
        setChallenge(null)
        setExpiresAt(null)
        setError(errorMessage(err, latest.current.push.readFailed, latest.current))
      }
    }
    timer = setTimeout(() => void poll(), pollInterval)
    return () => {
      stopped = true
      if (timer) clearTimeout(timer)
    }
  }, [api, challenge, sessionId, pollInterval, latest])

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
      setError(wait ? words.tooMany(wait) : errorMessage(err, words.sendFailed, texts))
    } finally {
      setSending(false)
    }
  }

  return (
    <div className="plinto-mfa push-approval">
      {challenge ? (
        <div className="push-waiting" ref={waiting} tabIndex={-1}>
          <p>{words.instructions}</p>
          <p className="push-number" aria-hidden="true">
            {challenge.number}
          </p>
          <p className="notice">{words.waiting(left)}</p>
          {challenge.delivered === 0 && <p className="hint">{words.noNotification}</p>}
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="primary" onClick={() => void send()} disabled={sending || retryIn > 0}>
            <span aria-hidden="true">📲 </span>
            {sending ? words.sending : retryIn > 0 ? words.sendIn(retryIn) : words.send}
          </button>
        </div>
      )}
      {/* Announced once: the number digit by digit, then that the page waits. */}
      <Status className="visually-hidden" text={challenge ? words.announce(challenge.number) : ''} />
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {onOtherMethod && (
        <p>
          <button type="button" className="link" onClick={onOtherMethod}>
            {words.otherMethod}
          </button>
        </p>
      )}
    </div>
  )
}
