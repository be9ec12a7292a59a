// Push approvals, the phone's side: enroll from the plinto-push:// URI of the enrollment QR
// code, then poll for sign-in requests, show where each comes from, and answer with the number
// the sign-in page shows (number matching), or deny, or report it. Every request the phone
// sends is signed by the device key; every challenge is checked against the server key pinned
// from the QR code's fingerprint before anything of it is shown.
import { useEffect, useState } from 'react'
import { Button, Text, TextInput, View } from 'react-native'
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
import { post } from '../http'
import type { SecretStore } from '../storage'
import { styles } from '../styles'

/** What the phone keeps once enrolled (in the secret store, as JSON). */
type Enrollment = { server: string; account: string; deviceId: string; serverKey: string }

const ENROLLMENT = 'push-enrollment'

/** The push screen: `key` is the device key (the platform keystore in a real app). */
export function PushApproval({ keyStore, store }: { keyStore: PushKeyStore; store: SecretStore }) {
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    store.load(ENROLLMENT).then((json) => setEnrollment(json ? (JSON.parse(json) as Enrollment) : null))
  }, [store])

  const enrolled = async (next: Enrollment) => {
    await store.save(ENROLLMENT, JSON.stringify(next))
    setEnrollment(next)
  }

  return (
    <View style={styles.screen}>
      <Text style={styles.title}>Sign-in approvals</Text>
      {enrollment ? (
        <Requests enrollment={enrollment} keyStore={keyStore} onError={setError} />
      ) : (
        <Enroll keyStore={keyStore} onEnrolled={enrolled} onError={setError} />
      )}
      {error ? (
        <Text accessibilityLiveRegion="assertive" style={styles.error}>
          {error}
        </Text>
      ) : null}
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
  const [confirmation, setConfirmation] = useState<string | null>(null)

  const enroll = async () => {
    try {
      const parsed = parsePushEnrollment(uri.trim())
      const url = server.trim() || parsed.serviceUrl
      if (!url) throw new Error('the QR code names no server: type the app’s /api/push URL')
      const registration = pushRegistration(uri.trim(), keyStore, 'none', undefined, 'React Native phone')
      const answer = await post<Registered>(url, 'register', 'registration', registration)
      const serverKey = pinPushServerKey(uri.trim(), answer.serverKey)
      setConfirmation(answer.confirmationCode)
      onError(null)
      await onEnrolled({ server: url, account: parsed.account, deviceId: answer.deviceId, serverKey })
    } catch (e) {
      onError(describe(e))
    }
  }

  return (
    <View style={styles.screen}>
      <Text nativeID="push-uri-label">Enrollment link (plinto-push:// from the QR code)</Text>
      <TextInput
        accessibilityLabelledBy="push-uri-label"
        autoCapitalize="none"
        autoCorrect={false}
        onChangeText={setUri}
        style={styles.input}
        value={uri}
      />
      <Text nativeID="push-server-label">Server (if the QR code names none)</Text>
      <TextInput
        accessibilityLabelledBy="push-server-label"
        autoCapitalize="none"
        autoCorrect={false}
        inputMode="url"
        onChangeText={setServer}
        placeholder="https://example.com/api/push"
        style={styles.input}
        value={server}
      />
      <Button disabled={!uri.trim()} onPress={enroll} title="Enroll this phone" />
      {confirmation ? <Text>Type this code on the sign-in page to finish: {confirmation}</Text> : null}
    </View>
  )
}

type Pending = { challenges: { details: string }[] }

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

  useEffect(() => {
    if (challenge) return undefined
    let stopped = false
    const poll = async () => {
      try {
        const request = pushPoll(enrollment.deviceId, keyStore)
        const pending = await post<Pending>(enrollment.server, 'pending', 'request', request)
        const first = pending.challenges[0]
        if (!stopped && first) setChallenge(openPushChallenge(first.details, enrollment.serverKey))
      } catch (e) {
        if (!stopped) onError(describe(e))
      }
    }
    const timer = setInterval(poll, 2000)
    poll()
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [challenge, enrollment, keyStore, onError])

  const answer = async (action: 'approve' | 'deny' | 'report') => {
    if (!challenge) return
    try {
      const response = pushAnswer(
        challenge,
        enrollment.deviceId,
        action,
        keyStore,
        action === 'approve' ? number : undefined,
        action === 'deny' ? 'cancelled' : undefined,
      )
      const result = await post<{ status: string }>(enrollment.server, 'respond', 'response', response)
      setStatus(`Answered: ${result.status}`)
      onError(null)
    } catch (e) {
      onError(describe(e))
    }
    setChallenge(null)
    setNumber('')
  }

  if (!challenge) {
    return <Text>{status ?? `Waiting for a sign-in request for ${enrollment.account}…`}</Text>
  }
  const secondsLeft = Number(challenge.exp) - Math.floor(Date.now() / 1000)
  return (
    <View accessibilityLiveRegion="polite" style={styles.screen}>
      <Text>
        Sign-in request from {challenge.app} for {challenge.account}
      </Text>
      {challenge.ipAddress ? <Text>From {challenge.ipAddress}</Text> : null}
      {challenge.userAgent ? <Text>On {challenge.userAgent}</Text> : null}
      <Text>{secondsLeft} s left</Text>
      <Text nativeID="number-label">The {challenge.digits}-digit number the sign-in page shows</Text>
      <TextInput
        accessibilityLabelledBy="number-label"
        inputMode="numeric"
        maxLength={challenge.digits}
        onChangeText={setNumber}
        style={styles.input}
        value={number}
      />
      <Button disabled={number.length !== challenge.digits} onPress={() => answer('approve')} title="Approve" />
      <Button onPress={() => answer('deny')} title="Deny" />
      <Button onPress={() => answer('report')} title="It wasn’t me: report" />
    </View>
  )
}
