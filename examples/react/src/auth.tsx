// Who is signed in, for every page.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { api, type MfaEnrollment, type User } from './api'

interface AuthValue {
  /** undefined while the first check runs; null when signed out. */
  user: User | null | undefined
  /** Where the signed-in user stands with enrolling a factor. */
  enrollment: MfaEnrollment | null
  setUser: (user: User | null) => void
  refresh: () => Promise<void>
  signOut: () => Promise<void>
}

const AuthContext = createContext<AuthValue | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined)
  const [enrollment, setEnrollment] = useState<MfaEnrollment | null>(null)

  const refresh = useCallback(async () => {
    try {
      const current = await api.auth.currentSession()
      setUser(current?.user ?? null)
      setEnrollment(current?.mfaEnrollment ?? null)
    } catch {
      setUser(null)
      setEnrollment(null)
    }
  }, [])

  useEffect(() => {
    void refresh()
  }, [refresh])

  const signOut = useCallback(async () => {
    try {
      await api.auth.signOut()
    } finally {
      setUser(null)
    }
  }, [])

  // A sign-in hands over its user; the session's enrollment standing is read next.
  const signedIn = useCallback(
    (next: User | null) => {
      setUser(next)
      if (next) void refresh()
      else setEnrollment(null)
    },
    [refresh],
  )

  const value = useMemo(
    () => ({ user, enrollment, setUser: signedIn, refresh, signOut }),
    [user, enrollment, signedIn, refresh, signOut],
  )
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext)
  if (!value) throw new Error('useAuth outside AuthProvider')
  return value
}
