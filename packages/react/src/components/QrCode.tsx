// The server's QR code (an SVG data URL) drawn onto a <canvas>.
import { useEffect, useRef, useState } from 'react'
import { useMfaTexts } from '../context.js'

/** What <QrCode> takes. */
export interface QrCodeProps {
  /** The server's QR code: an SVG data URL. */
  dataUrl: string
  /** Its width and height in CSS pixels. */
  size?: number
  /** What it is, for screen readers. */
  label: string
}

/** A QR code, sharp at any pixel ratio; says so when it cannot be drawn. */
export function QrCode({ dataUrl, size = 208, label }: QrCodeProps) {
  const texts = useMfaTexts()
  const canvasRef = useRef<HTMLCanvasElement>(null)
  const [state, setState] = useState<'loading' | 'drawn' | 'failed'>('loading')

  useEffect(() => {
    const canvas = canvasRef.current
    if (!canvas) return
    let cancelled = false
    const ratio = Math.max(1, Math.ceil(window.devicePixelRatio || 1))
    canvas.width = size * ratio
    canvas.height = size * ratio
    setState('loading')
    // Only an image the server drew (a data URL), never an address to fetch.
    if (!/^data:image\/(svg\+xml|png)[;,]/.test(dataUrl)) {
      setState('failed')
      return
    }
    const image = new Image()
    image.onload = () => {
      const context = canvas.getContext('2d')
      if (cancelled || !context) return
      context.fillStyle = '#ffffff'
      context.fillRect(0, 0, canvas.width, canvas.height)
      // Modules are hard-edged squares: no smoothing when scaling.
      context.imageSmoothingEnabled = false
      context.drawImage(image, 0, 0, canvas.width, canvas.height)
      setState('drawn')
    }
    image.onerror = () => {
      if (!cancelled) setState('failed')
    }
    image.src = dataUrl
    return () => {
      cancelled = true
    }
  }, [dataUrl, size])

  return (
    <div className="plinto-mfa qr-code">
      <canvas ref={canvasRef} role="img" aria-label={label} data-state={state} style={{ width: size, height: size }} />
      {state === 'failed' && <p className="hint">{texts.qrCode.failed}</p>}
    </div>
  )
}
