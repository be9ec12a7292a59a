import { useCallback, useEffect, useState } from 'react'
import { useCountdown } from './useCountdown.js'
import { useLatest } from './useLatest.js'

/** What a code form knows about its checks: attempts left, a lockout, and the wait before a
 * new code can be sent. `onUnlock` runs when a lockout ends (e.g. to clear its message). */
export function useCodeCheck(onUnlock: () => void) {
  const [attemptsRemaining, setAttemptsRemaining] = useState<number | null>(null)
  const [lockedUntil, setLockedUntil] = useState<number | null>(null)
  const [resendAt, setResendAt] = useState<number | null>(null)
  const resendIn = useCountdown(resendAt)
  const unlocked = useLatest(onUnlock)

  // Verify is enabled again when the lockout ends.
  useEffect(() => {
    if (lockedUntil === null) return
    const timer = setTimeout(() => {
      setLockedUntil(null)
      setAttemptsRemaining(null)
      unlocked.current()
    }, Math.max(0, lockedUntil - Date.now()))
    return () => clearTimeout(timer)
  }, [lockedUntil, unlocked])

  /** No code is checked for `seconds`. */
  const lockFor = useCallback((seconds: number) => {
    setAttemptsRemaining(0)
    setLockedUntil(Date.now() + seconds * 1000)
  }, [])
  /** No new code can be sent for `seconds`. */
  const resendAfter = useCallback((seconds: number) => setResendAt(Date.now() + seconds * 1000), [])

  return { attemptsRemaining, setAttemptsRemaining, locked: lockedUntil !== null, lockFor, resendIn, resendAfter }
}
