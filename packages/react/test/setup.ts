import { cleanup, configure } from '@testing-library/react'
import { afterEach } from 'vitest'

// jsdom has <dialog> but not its methods: these open and close it as browsers do (without
// the top layer; the modal behaviour itself is exercised in Chromium by the E2E tests).
if (typeof HTMLDialogElement === 'function' && typeof HTMLDialogElement.prototype.showModal !== 'function') {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '')
  }
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    if (!this.hasAttribute('open')) return
    this.removeAttribute('open')
    this.dispatchEvent(new Event('close'))
  }
}

afterEach(() => cleanup())

// The components wait on a real server process: on a loaded machine that can take more than
// the default second.
configure({ asyncUtilTimeout: 10_000 })
