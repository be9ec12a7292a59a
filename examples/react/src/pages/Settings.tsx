import type { User } from '../api'
import { MfaSettings } from '@plinto/mfa-react'
import { dateTime } from '../format'
import { Link } from '../router'

export function Settings({ user, tab }: { user: User; tab: 'account' | 'security' }) {
  return (
    <div>
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings sections">
        <Link to="/settings" className={tab === 'account' ? 'tab active' : 'tab'}>
          Account
        </Link>
        <Link to="/settings/security" className={tab === 'security' ? 'tab active' : 'tab'}>
          Security
        </Link>
      </nav>
      <div className="card">
        {tab === 'account' ? (
          <div className="account">
            <h2>Account</h2>
            <dl>
              <dt>Email</dt>
              <dd>{user.email}</dd>
              <dt>Member since</dt>
              <dd>{dateTime(user.createdAt)}</dd>
              <dt>Role</dt>
              <dd>{user.role}</dd>
            </dl>
          </div>
        ) : (
          <MfaSettings email={user.email} label="Plinto MFA Example" />
        )}
      </div>
    </div>
  )
}
