import { MfaProvider } from '@plinto/mfa-react'
import '@plinto/mfa-react/styles.css'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { api } from './api'
import { App } from './App'
import { AuthProvider } from './auth'
import { Router } from './router'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('missing #root')

createRoot(root).render(
  <StrictMode>
    <MfaProvider client={api}>
      <Router>
        <AuthProvider>
          <App />
        </AuthProvider>
      </Router>
    </MfaProvider>
  </StrictMode>,
)
