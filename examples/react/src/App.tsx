import { useEffect } from 'react'
import { useAuth } from './auth'
import { EnrollmentBanner } from './components/EnrollmentBanner'
import { Admin } from './pages/Admin'
import { Dashboard } from './pages/Dashboard'
import { EnrollmentRequired } from './pages/EnrollmentRequired'
import { Home } from './pages/Home'
import { Settings } from './pages/Settings'
import { SignIn } from './pages/SignIn'
import { SignUp } from './pages/SignUp'
import { Link, useRouter } from './router'

const publicOnly = new Set(['/', '/signin', '/signup'])
const privateRoutes = new Set(['/dashboard', '/settings', '/settings/security', '/admin'])
const isAdmin = (role: string) => role === 'admin' || role === 'super_admin'

export function App() {
  const { user, enrollment, signOut } = useAuth()
  const { path, navigate } = useRouter()

  // Signed-in users skip the public pages; signed-out users are sent to sign in.
  useEffect(() => {
    if (user === undefined) return
    if (user && publicOnly.has(path)) navigate('/dashboard', { replace: true })
    if (!user && privateRoutes.has(path)) navigate('/signin', { replace: true })
  }, [user, path, navigate])

  let page
  if (user === undefined) page = <p className="loading">Loading...</p>
  // Past the deadline to enroll, setting up a factor is all this session may do.
  else if (user && enrollment?.restricted) page = <EnrollmentRequired user={user} enrollment={enrollment} />
  else if (user && path === '/dashboard') page = <Dashboard user={user} />
  else if (user && path === '/admin' && isAdmin(user.role)) page = <Admin />
  else if (user && path === '/settings') page = <Settings user={user} tab="account" />
  else if (user && path === '/settings/security') page = <Settings user={user} tab="security" />
  else if (!user && path === '/signin') page = <SignIn />
  else if (!user && path === '/signup') page = <SignUp />
  else if (!user && path === '/') page = <Home />
  else if (publicOnly.has(path) || privateRoutes.has(path)) page = null
  else
    page = (
      <div className="card narrow">
        <h1>Page not found</h1>
        <p>
          <Link to="/">Go to the start page</Link>
        </p>
      </div>
    )

  return (
    <>
      <header className="topbar">
        <Link to={user ? '/dashboard' : '/'} className="brand" aria-label="Plinto MFA home">
          <span aria-hidden="true">🔐</span> Plinto MFA
        </Link>
        <nav aria-label="Main">
          {user ? (
            <>
              <Link to="/dashboard">Dashboard</Link>
              <Link to="/settings">Settings</Link>
              {isAdmin(user.role) && <Link to="/admin">Admin</Link>}
              <button
                type="button"
                className="link"
                onClick={async () => {
                  await signOut()
                  navigate('/signin')
                }}
              >
                Sign Out
              </button>
            </>
          ) : user === null ? (
            <>
              <Link to="/signin">Sign In</Link>
              <Link to="/signup">Sign Up</Link>
            </>
          ) : null}
        </nav>
      </header>
      <main className="plinto-mfa">
        {user && enrollment && <EnrollmentBanner enrollment={enrollment} />}
        {page}
      </main>
    </>
  )
}
