import { useState, type FormEvent } from 'react'
import { api, errorMessage, type MfaMethod } from '../api'
import { useAuth } from '../auth'
import { MfaChallenge } from '@plinto/mfa-react'
import { Link, useRouter } from '../router'

export function SignIn() {
  const { setUser } = useAuth()
  const { navigate } = useRouter()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState('')
  const [challenge, setChallenge] = useState<{ sessionId: string; methods: MfaMethod[] } | null>(null)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    try {
      setLoading(true)
      setError('')
      const result = await api.auth.signIn({ email: email.trim(), password })
      if (result.requiresMfa && result.sessionId) {
        setPassword('')
        setChallenge({ sessionId: result.sessionId, methods: result.mfaMethods })
        setLoading(false)
      } else if (result.user) {
        setUser(result.user)
        navigate('/dashboard')
      } else {
        throw new Error('Unexpected answer from the server')
      }
    } catch (err) {
      setError(errorMessage(err, 'Sign-in failed'))
      setLoading(false)
    }
  }

  if (challenge) {
    return (
      <div className="card narrow">
        <h1>Sign In</h1>
        <MfaChallenge
          sessionId={challenge.sessionId}
          availableMethods={challenge.methods}
          onSuccess={(user) => {
            setUser(user)
            navigate('/dashboard')
          }}
          onCancel={() => setChallenge(null)}
        />
      </div>
    )
  }

  return (
    <div className="card narrow">
      <h1>Sign In</h1>
      <form onSubmit={submit}>
        <label className="field">
          <span>Email</span>
          <input type="email" name="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={loading}>
            {loading ? 'Signing in...' : 'Sign In'}
          </button>
        </div>
      </form>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <p className="switch">
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </div>
  )
}
