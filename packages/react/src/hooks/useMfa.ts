// The guide's useMfa hook: the signed-in user's MFA status, and the calls that change it.
import { useCallback, useEffect, useState } from 'react'
import { useMfaClient, useMfaTexts } from '../context.js'
import { useLatest } from './useLatest.js'
import { errorMessage } from '../messages.js'
import type { MfaMethod, MfaSetupResult, PushDevice, VerifyResult } from '../types.js'

/** The signed-in user's MFA status. */
export interface MfaState {
  isEnabled: boolean
  methods: MfaMethod[]
  backupCodesRemaining: number
  lastUsed?: string
  pushDevices: PushDevice[]
}

/** What useMfa() returns. */
export interface MfaHookReturn {
  mfaState: MfaState | null
  loading: boolean
  error: string | null
  setupMfa: (method: MfaMethod, options?: { phoneNumber?: string; label?: string }) => Promise<MfaSetupResult>
  verifyMfa: (sessionId: string, method: MfaMethod, code: string) => Promise<VerifyResult>
  disableMfa: (password: string, confirmationCode: string) => Promise<void>
  regenerateBackupCodes: (password: string) => Promise<string[]>
  refresh: () => Promise<void>
}

/** The guide's hook: loads the status on mount; each call refreshes it after a change. */
export const useMfa = (): MfaHookReturn => {
  const api = useMfaClient()
  // Read through a ref: a new texts object must not reload the status.
  const texts = useLatest(useMfaTexts())
  const [mfaState, setMfaState] = useState<MfaState | null>(null)
  const [loading, setLoading] = useState(true)
  const [error, setError] = useState<string | null>(null)

  const loadMfaStatus = useCallback(async () => {
    try {
      setLoading(true)
      setError(null)
      const status = await api.auth.getMFAStatus()
      setMfaState({
        isEnabled: status.enabled,
        methods: status.methods,
        backupCodesRemaining: status.backupCodesRemaining,
        lastUsed: status.lastUsed,
        pushDevices: status.pushDevices ?? [],
      })
    } catch (err) {
      setError(errorMessage(err, texts.current.settings.loadFailed, texts.current))
    } finally {
      setLoading(false)
    }
  }, [api, texts])

  useEffect(() => {
    void loadMfaStatus()
  }, [loadMfaStatus])

  const setupMfa = useCallback(
    async (method: MfaMethod, options: { phoneNumber?: string; label?: string } = {}) => {
      try {
        setError(null)
        return await api.auth.enableMFA({ method, ...options })
      } catch (err) {
        setError(errorMessage(err, texts.current.common.failed, texts.current))
        throw err
      }
    },
    [api, texts],
  )

  const verifyMfa = useCallback(async (sessionId: string, method: MfaMethod, code: string) => {
    try {
      setError(null)
      return await api.auth.verifyMFA({ sessionId, method, code })
    } catch (err) {
      setError(errorMessage(err, texts.current.common.failed, texts.current))
      throw err
    }
  }, [api, texts])

  const disableMfa = useCallback(
    async (password: string, confirmationCode: string) => {
      try {
        setError(null)
        await api.auth.disableMFA({ password, confirmationCode })
        await loadMfaStatus()
      } catch (err) {
        setError(errorMessage(err, texts.current.common.failed, texts.current))
        throw err
      }
    },
    [api, texts, loadMfaStatus],
  )

  const regenerateBackupCodes = useCallback(
    async (password: string) => {
      try {
        setError(null)
        const result = await api.auth.regenerateMFABackupCodes({ password })
        await loadMfaStatus()
        return result.codes
      } catch (err) {
        setError(errorMessage(err, texts.current.common.failed, texts.current))
        throw err
      }
    },
    [api, texts, loadMfaStatus],
  )

  return { mfaState, loading, error, setupMfa, verifyMfa, disableMfa, regenerateBackupCodes, refresh: loadMfaStatus }
}
