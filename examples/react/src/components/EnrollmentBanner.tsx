// The rollout's prompt: a banner with the days left to set up two-factor authentication
// (when required) or an invitation (when encouraged), linking to the setup.
import type { MfaEnrollment } from '../api'
import { dateTime } from '../format'
import { Link } from '../router'

export function EnrollmentBanner({ enrollment }: { enrollment: MfaEnrollment }) {
  if (!enrollment.prompt || enrollment.restricted) return null
  const days = enrollment.daysLeft ?? 0
  return (
    <div className={enrollment.required ? 'banner required' : 'banner'} role="status">
      {enrollment.required ? (
        <p>
          <strong>Two-factor authentication is required.</strong> Set it up within{' '}
          <strong>
            {days} {days === 1 ? 'day' : 'days'}
          </strong>
          {enrollment.deadline ? ` (by ${dateTime(enrollment.deadline)})` : ''}; after that, you can only sign in to set it up.
        </p>
      ) : (
        <p>
          <strong>Protect your account:</strong> add a second step to your sign-in.
        </p>
      )}
      <Link to="/settings/security" className="button">
        Set up now
      </Link>
    </div>
  )
}
