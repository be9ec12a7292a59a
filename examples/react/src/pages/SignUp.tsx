import { useState, type FormEvent } from 'react'
import { api, errorMessage } from '../api'
import { useAuth } from '../auth'
import { Link, useRouter } from '../router'

export function SignUp() {
  const { setUser } = useAuth()
  const { navigate } = useRouter()
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState('')

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (password.length < 8) {
      setError('Choose a password of at least 8 characters.')
      return
    }
    try {
      setLoading(true)
      setError('')
      const result = await api.auth.signUp({ email: email.trim(), password })
      setUser(result.user)
      navigate('/dashboard')
    } catch (err) {
      setError(errorMessage(err, 'Sign-up failed'))
      setLoading(false)
    }
  }

  return (
    <div className="card narrow">
      <h1>Sign Up</h1>
      <form onSubmit={submit}>
        <label className="field">
          <span>Email</span>
          <input type="email" name="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" name="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} required minLength={8} />
          <small className="hint">At least 8 characters.</small>
        </label>
        <div className="actions">
          <button type="submit" className="primary" disabled={loading}>
            {loading ? 'Creating account...' : 'Sign Up'}
          </button>
        </div>
      </form>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <p className="switch">
        Already have an account? <Link to="/signin">Sign in instead</Link>
      </p>
    </div>
  )
}
