import type { User } from '../api'
import { dateTime } from '../format'
import { useMfa } from '@plinto/mfa-react'
import { Link } from '../router'

export function Dashboard({ user }: { user: User }) {
  const { mfaState, loading } = useMfa()

  return (
    <div>
      <h1>Dashboard</h1>
      <p className="lead">
        Signed in as <strong>{user.email}</strong>.
      </p>
      <div className="tiles">
        <section className="card tile">
          <h2>Two-factor authentication</h2>
          {loading && !mfaState ? (
            <p>Checking...</p>
          ) : mfaState?.isEnabled ? (
            <>
              <p className="status on">On</p>
              <p>
                {mfaState.backupCodesRemaining} backup {mfaState.backupCodesRemaining === 1 ? 'code' : 'codes'} left
                {mfaState.lastUsed ? `, last used ${dateTime(mfaState.lastUsed)}` : ''}.
              </p>
            </>
          ) : (
            <>
              <p className="status off">Off</p>
              <p>Add a second step to your sign-in with an authenticator app or a security key.</p>
            </>
          )}
          <Link to="/settings/security">Manage two-factor authentication</Link>
        </section>
        <section className="card tile">
          <h2>Account</h2>
          <p>Member since {dateTime(user.createdAt)}.</p>
          <p>Role: {user.role}</p>
        </section>
      </div>
    </div>
  )
}
