// Backup codes, shown once: the user copies or downloads them and confirms having saved them.
import { useId, useState } from 'react'
import { useMfaTexts } from '../context.js'

/** What <BackupCodes> takes. */
export interface BackupCodesProps {
  /** The title's heading level: 2 on its own step, 3 (the default) inside a section. */
  heading?: 'h2' | 'h3'
  title: string
  codes: string[]
  /** What the codes stand in for, e.g. "your security key". */
  device?: string
  onDone: () => void
}

/** The new backup codes, with Copy, Download and "I've saved these codes". */
export function BackupCodes({ heading: Heading = 'h3', title, codes, device, onDone }: BackupCodesProps) {
  const texts = useMfaTexts()
  const words = texts.backupCodes
  const titleId = useId()
  const [copied, setCopied] = useState<boolean | null>(null)
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
    link.download = words.fileName
    link.click()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  }

  return (
    <section className="plinto-mfa backup-codes-panel" aria-labelledby={titleId}>
      <Heading id={titleId}>{title}</Heading>
      <p>{words.intro(device ?? words.defaultDevice)}</p>
      <ul className="backup-codes">
        {codes.map((code) => (
          <li key={code}>
            <code className="backup-code">{code}</code>
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" onClick={() => void copy()}>
          {copied ? words.copied : words.copy}
        </button>
        <button type="button" onClick={download}>
          {words.download}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          {words.saved}
        </button>
      </div>
      <p className={copied === false ? 'error' : 'visually-hidden'} role="status">
        {copied === true ? words.copied : copied === false ? words.copyFailed : ''}
      </p>
    </section>
  )
}
