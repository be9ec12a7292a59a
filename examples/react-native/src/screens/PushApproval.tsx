// Push approvals, the phone's side: enroll from the plinto-push:// URI of the enrollment QR
// code, then poll for sign-in requests, show where each comes from, and answer with the number
// the sign-in page shows (number matching), or deny, or report it. Every request the phone
// sends is signed by the device key; every challenge is checked against the server key pinned
// from the QR code's fingerprint (and against the enrolled account) before anything of it is
// shown.
import { useEffect, useState } from 'react'
import { Button, Text, View } from 'react-native'
import {
  openPushChallenge,
  parsePushEnrollment,
  pinPushServerKey,
  pushAnswer,
  pushPoll,
  pushRegistration,
  type ChallengeClaims,
  type PushKeyStore,
} from '@plinto/mfa-react-native'
import { describe } from '../errors'
import { ErrorText } from '../ErrorText'
import { Field } from '../Field'
import { post, serverAllowed } from '../http'
import type { SecretStore } from '../storage'
import { styles } from '../styles'

/**
 * What the phone keeps once enrolled (in the secret store, as JSON); `confirmation` is the code
 * to type on the sign-in page, kept until the user says it is done (so leaving the screen
 * mid-enrollment does not lose it).
 */
type Enrollment = { server: string; account: string; deviceId: string; serverKey: string; confirmation?: string }

const ENROLLMENT = 'push-enrollment'
/** Seconds between polls, counted from the end of the last one. */
const POLL_SECONDS = 2

/** The push screen: `keyStore` holds the device key (the platform keystore in a real app). */
export function PushApproval({ keyStore, store }: { keyStore: PushKeyStore; store: SecretStore }) {
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    store
      .load(ENROLLMENT)
      .then((json) => setEnrollment(json ? (JSON.parse(json) as Enrollment) : null))
      .catch((e: unknown) => setError(`the saved enrollment cannot be read: ${describe(e)}`))
  }, [store])

  const keep = async (next: Enrollment) => {
    await store.save(ENROLLMENT, JSON.stringify(next))
    setEnrollment(next)
  }
  const confirmed = () => {
    if (!enrollment) return
    const { confirmation: _shown, ...rest } = enrollment
    keep(rest).catch((e: unknown) => setError(describe(e)))
  }

  return (
    <View style={styles.screen}>
      <Text accessibilityRole="header" style={styles.title}>
        Sign-in approvals
      </Text>
      {enrollment?.confirmation ? (
        <View accessibilityLiveRegion="polite">
          <Text>Type this code on the sign-in page to finish enrolling this phone:</Text>
          <Text style={styles.code}>{enrollment.confirmation}</Text>
          <Button onPress={confirmed} title="Done" />
        </View>
      ) : enrollment ? (
        <Requests enrollment={enrollment} keyStore={keyStore} onError={setError} />
      ) : (
        <Enroll keyStore={keyStore} onEnrolled={keep} onError={setError} />
      )}
      <ErrorText message={error} />
    </View>
  )
}

type Registered = { deviceId: string; serverKey: string; confirmationCode: string }

function Enroll({
  keyStore,
  onEnrolled,
  onError,
}: {
  keyStore: PushKeyStore
  onEnrolled: (enrollment: Enrollment) => Promise<void>
  onError: (message: string | null) => void
}) {
  const [uri, setUri] = useState('')
  const [server, setServer] = useState('')
  const [busy, setBusy] = useState(false)

  let named: string | null = null
  try {
    named = uri.trim() ? parsePushEnrollment(uri.trim()).serviceUrl || null : null
  } catch {
    named = null
  }

  const enroll = async () => {
    setBusy(true)
    try {
      const link = uri.trim()
      const parsed = parsePushEnrollment(link)
      // The QR code's server comes first (the core checked it); a typed one only fills a gap.
      const url = parsed.serviceUrl || server.trim()
      if (!url) throw new Error('the QR code names no server: type the app’s /api/push URL')
      if (!serverAllowed(url)) throw new Error('the server must be https (plain http only to this machine)')
      const registration = pushRegistration(link, keyStore, 'none', undefined, 'React Native phone')
      const answer = await post<Registered>(url, 'register', 'registration', registration)
      const serverKey = pinPushServerKey(link, answer.serverKey)
      onError(null)
      await onEnrolled({
        server: url,
        account: parsed.account,
        deviceId: answer.deviceId,
        serverKey,
        confirmation: answer.confirmationCode,
      })
    } catch (e) {
      onError(describe(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <View style={styles.screen}>
      <Field label="Enrollment link (plinto-push:// from the QR code)" onChangeText={setUri} value={uri} />
      {named ? (
        <Text>Server: {named}</Text>
      ) : (
        <Field
          inputMode="url"
          label="Server (the QR code names none)"
          onChangeText={setServer}
          placeholder="https://example.com/api/push"
          value={server}
        />
      )}
      <Button disabled={busy || !uri.trim()} onPress={enroll} title="Enroll this phone" />
    </View>
  )
}

type Pending = { challenges: { details: string }[] }

/** Polls for a request while none is shown; shows one until it is answered or expires. */
function Requests({
  enrollment,
  keyStore,
  onError,
}: {
  enrollment: Enrollment
  keyStore: PushKeyStore
  onError: (message: string | null) => void
}) {
  const [challenge, setChallenge] = useState<ChallengeClaims | null>(null)
  const [number, setNumber] = useState('')
  const [status, setStatus] = useState<string | null>(null)
  const [sending, setSending] = useState(false)
  const [now, setNow] = useState(() => Math.floor(Date.now() / 1000))

  useEffect(() => {
    if (challenge) return undefined
    let stopped = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = async () => {
      try {
        const request = pushPoll(enrollment.deviceId, keyStore)
        const pending = await post<Pending>(enrollment.server, 'pending', 'request', request)
        if (stopped) return
        // The first request that the pinned server key signed, for the enrolled account; one
        // that fails either check is refused and does not hide the others.
        let refused: string | null = null
        for (const { details } of pending.challenges) {
          try {
            const opened = openPushChallenge(details, enrollment.serverKey)
            if (opened.account !== enrollment.account) {
              refused = `a request for ${opened.account}, not ${enrollment.account}: ignored`
              continue
            }
            setNow(Math.floor(Date.now() / 1000))
            setChallenge(opened)
            onError(refused)
            return
          } catch (e) {
            refused = `a request was refused: ${describe(e)}`
          }
        }
        onError(refused)
      } catch (e) {
        if (stopped) return
        onError(describe(e))
      }
      timer = setTimeout(poll, POLL_SECONDS * 1000)
    }
    poll()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [challenge, enrollment, keyStore, onError])

  useEffect(() => {
    if (!challenge) return undefined
    const ticker = setInterval(() => setNow(Math.floor(Date.now() / 1000)), 1000)
    return () => clearInterval(ticker)
  }, [challenge])

  const secondsLeft = challenge ? Number(challenge.exp) - now : 0
  useEffect(() => {
    if (challenge && secondsLeft <= 0) {
      setChallenge(null)
      setNumber('')
      setStatus('The request expired.')
    }
  }, [challenge, secondsLeft])

  // An answer's outcome goes to `status`, which polling leaves alone (it clears only its own
  // errors), so a failed answer stays on the screen.
  const answer = async (action: 'approve' | 'deny' | 'report') => {
    const current = challenge
    if (!current || sending) return
    setSending(true)
    try {
      const response = pushAnswer(
        current,
        enrollment.deviceId,
        action,
        keyStore,
        action === 'approve' ? number : undefined,
        action === 'deny' ? 'cancelled' : undefined,
      )
      const result = await post<{ status: string }>(enrollment.server, 'respond', 'response', response)
      setStatus(`Answered: ${result.status}`)
    } catch (e) {
      setStatus(`The answer was not accepted: ${describe(e)}`)
    } finally {
      setSending(false)
    }
    setChallenge((shown) => (shown === current ? null : shown))
    setNumber('')
  }

  if (!challenge) {
    return <Text>{status ?? `Waiting for a request for ${enrollment.account}…`}</Text>
  }
  const what = challenge.purpose === 'step_up' ? 'Confirming a sensitive action' : 'Signing in'
  return (
    <View accessibilityLiveRegion="polite" style={styles.screen}>
      <Text>
        {what} to {challenge.app} as {challenge.account}
      </Text>
      {challenge.ipAddress ? <Text>From {challenge.ipAddress}</Text> : null}
      {challenge.userAgent ? <Text>On {challenge.userAgent}</Text> : null}
      <Text>{secondsLeft} s left</Text>
      <Field
        inputMode="numeric"
        label={`The ${challenge.digits}-digit number the sign-in page shows`}
        maxLength={challenge.digits}
        onChangeText={setNumber}
        value={number}
      />
      <Button
        disabled={sending || number.length !== challenge.digits}
        onPress={() => answer('approve')}
        title="Approve"
      />
      <Button disabled={sending} onPress={() => answer('deny')} title="Deny" />
      <Button disabled={sending} onPress={() => answer('report')} title="It wasn’t me: report" />
    </View>
  )
}
