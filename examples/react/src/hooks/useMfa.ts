// The guide's useMfa hook on the example's client.
import { useCallback, useEffect, useState } from 'react'
import { api, errorMessage, type MfaMethod, type MfaSetupResult, type PushDevice, type VerifyResult } from '../api'

export interface MfaState {
  isEnabled: boolean
  methods: MfaMethod[]
  backupCodesRemaining: number
  lastUsed?: string
  pushDevices: PushDevice[]
}

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

export const useMfa = (): MfaHookReturn => {
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
      setError(errorMessage(err, 'Failed to load MFA status'))
    } finally {
      setLoading(false)
    }
  }, [])

  useEffect(() => {
    void loadMfaStatus()
  }, [loadMfaStatus])

  const setupMfa = useCallback(
    async (method: MfaMethod, options: { phoneNumber?: string; label?: string } = {}) => {
      try {
        setError(null)
        return await api.auth.enableMFA({ method, ...options })
      } catch (err) {
        setError(errorMessage(err, 'Failed to setup MFA'))
        throw err
      }
    },
    [],
  )

  const verifyMfa = useCallback(async (sessionId: string, method: MfaMethod, code: string) => {
    try {
      setError(null)
      return await api.auth.verifyMFA({ sessionId, method, code })
    } catch (err) {
      setError(errorMessage(err, 'Failed to verify MFA'))
      throw err
    }
  }, [])

  const disableMfa = useCallback(
    async (password: string, confirmationCode: string) => {
      try {
        setError(null)
        await api.auth.disableMFA({ password, confirmationCode })
        await loadMfaStatus()
      } catch (err) {
        setError(errorMessage(err, 'Failed to disable MFA'))
        throw err
      }
    },
    [loadMfaStatus],
  )

  const regenerateBackupCodes = useCallback(
    async (password: string) => {
      try {
        setError(null)
        const result = await api.auth.regenerateMFABackupCodes({ password })
        await loadMfaStatus()
        return result.codes
      } catch (err) {
        setError(errorMessage(err, 'Failed to regenerate backup codes'))
        throw err
      }
    },
    [loadMfaStatus],
  )

  return { mfaState, loading, error, setupMfa, verifyMfa, disableMfa, regenerateBackupCodes, refresh: loadMfaStatus }
}
