// Past the deadline to enroll, the session may only set up a factor: this page is all the
// app shows until it is done.
import type { MfaEnrollment, User } from '../api'
import { useAuth } from '../auth'
import { MfaSetup } from '@plinto/mfa-react'
import { dateTime } from '../format'
import { useRouter } from '../router'

export function EnrollmentRequired({ user, enrollment }: { user: User; enrollment: MfaEnrollment }) {
  const { refresh, signOut } = useAuth()
  const { navigate } = useRouter()
  return (
    <div className="card narrow">
      <h1>Set up two-factor authentication to continue</h1>
      <p className="lead">
        Your organization requires a second sign-in step
        {enrollment.deadline ? ` since ${dateTime(enrollment.deadline)}` : ''}. Until you set one up, this account can do nothing
        else.
      </p>
      <MfaSetup
        email={user.email}
        label="Plinto MFA Example"
        onComplete={async () => {
          await refresh()
          navigate('/dashboard')
        }}
        onCancel={async () => {
          await signOut()
          navigate('/signin')
        }}
      />
    </div>
  )
}
