import { Link } from '../router'

export function Home() {
  return (
    <div className="card narrow home">
      <h1>Plinto MFA example</h1>
      <p>
        Create an account, turn on two-factor authentication with an authenticator app or a security key, and sign in again
        with a code from your phone or a touch of the key.
      </p>
      <div className="actions">
        <Link to="/signup" className="button primary">
          Create an account
        </Link>
        <Link to="/signin" className="button">
          I have an account
        </Link>
      </div>
    </div>
  )
}
