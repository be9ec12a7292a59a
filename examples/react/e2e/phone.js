// A simulated phone for the push tests: the authenticator app's side of push approvals on the
// Node package's phone-side functions (a software P-256 key), talking to the example's device
// routes over HTTP as a phone would. It scans the enrollment QR code from the page.
import assert from 'node:assert/strict'
import mfa from '../../../bindings-node/index.js'

export class Phone {
  /** @param {string} baseURL the server (its device routes are under /api/push) */
  constructor(baseURL) {
    this.baseURL = baseURL
    this.key = mfa.pushPhoneKey()
    this.deviceId = ''
    this.serverKey = ''
  }

  /** @param {string} path @param {object} body */
  async #post(path, body) {
    const response = await fetch(`${this.baseURL}/api/push/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'plinto-e2e-phone' },
      body: JSON.stringify(body),
    })
    const json = await response.json()
    assert.equal(response.status, 200, JSON.stringify(json))
    return json
  }

  /** Registers from the enrollment URI; returns the code to type on the sign-in page.
   * @param {string} uri */
  async enroll(uri) {
    const registration = mfa.pushRegistration({ uri, privateKey: this.key.privateKey, platform: 'none', name: 'Test phone' }).message
    const device = await this.#post('register', { registration })
    this.deviceId = device.deviceId
    this.serverKey = mfa.pinPushServerKey({ uri, serverKey: device.serverKey }).serverKey
    return /** @type {string} */ (device.confirmationCode)
  }

  /** Waits for a pending request (as a phone polls), checks its details with the pinned key. */
  async waitForRequest() {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const poll = mfa.pushPoll({ deviceId: this.deviceId, privateKey: this.key.privateKey }).message
      const { challenges } = await this.#post('pending', { request: poll })
      if (challenges.length) {
        const details = challenges[0].details
        return { details, shown: mfa.openPushChallenge({ details, serverKey: this.serverKey }) }
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    throw new Error('no push request reached the phone')
  }

  /** Answers the pending request: the user approves typing `number`, denies, or reports it.
   * @param {'approve' | 'deny' | 'report'} action @param {string} [number] */
  async answer(action, number) {
    const { details } = await this.waitForRequest()
    const reason = action === 'deny' ? 'not_me' : undefined
    const response = mfa.pushAnswer({ details, serverKey: this.serverKey, deviceId: this.deviceId, action, number, reason, privateKey: this.key.privateKey }).message
    return /** @type {string} */ ((await this.#post('respond', { response })).status)
  }
}
