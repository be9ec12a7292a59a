// Backup codes, shown once: the user confirms having saved them.
import { useState } from 'react'

interface BackupCodesProps {
  title: string
  codes: string[]
  /** What the codes stand in for, e.g. "your security key". */
  device?: string
  onDone: () => void
}

export function BackupCodes({ title, codes, device = 'your authenticator app', onDone }: BackupCodesProps) {
  const [copied, setCopied] = useState(false)
  const text = codes.join('\n') + '\n'

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setCopied(true)
    } catch {
      setCopied(false)
    }
  }

  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
    const link = document.createElement('a')
    link.href = url
    link.download = 'backup-codes.txt'
    link.click()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  }

  return (
    <section className="backup-codes-panel" aria-labelledby="backup-codes-title">
      <h3 id="backup-codes-title">{title}</h3>
      <p>
        Save these codes somewhere safe. Each one signs you in once if you lose access to {device}. They are shown
        only now.
      </p>
      <ul className="backup-codes">
        {codes.map((code) => (
          <li key={code}>
            <code className="backup-code">{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={download}>
          Download
        </button>
        <button type="button" className="primary" onClick={onDone}>
          I've saved these codes
        </button>
      </div>
    </section>
  )
}
