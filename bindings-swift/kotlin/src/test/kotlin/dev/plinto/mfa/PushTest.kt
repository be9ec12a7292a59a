// Push approvals from the phone's side on the JVM: the device key lives in the JVM's own
// crypto (java.security, secp256r1), which exports X.509 SubjectPublicKeyInfo and signs in
// DER, as Android Keystore does; the library signs through the PushKeyStore interface and
// never sees the private key. The server is an engine on a temp database.
package dev.plinto.mfa

import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyPairGenerator
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import dev.plinto.mfa.core.*

/** A device key in the JVM's key store of record, as an app's keystore would hold it. */
class JvmKeyStore : PushKeyStore {
    private val pair = KeyPairGenerator.getInstance("EC").apply {
        initialize(ECGenParameterSpec("secp256r1"))
    }.generateKeyPair()

    override fun publicKey(): ByteArray = pair.public.encoded

    override fun sign(message: ByteArray): ByteArray =
        Signature.getInstance("SHA256withECDSA").run {
            initSign(pair.private)
            update(message)
            sign()
        }
}

class PushTest {
    private lateinit var dir: Path
    private lateinit var engine: Engine

    @BeforeEach
    fun open() {
        dir = Files.createTempDirectory("plinto-kotlin-push-")
        engine = Engine(dir.resolve("plinto.db").toString(), KEY, FAST)
    }

    @AfterEach
    fun close() {
        engine.close()
        dir.toFile().deleteRecursively()
    }

    @Test
    fun `a JVM phone enrolls from the QR code and approves a sign-in with the number shown`() {
        val user = engine.signUp(SignUpRequest(email = "phone@example.com", password = PASSWORD)).user
        val setup = engine.enableMfa(EnableMfaRequest(userId = user.id, method = "push", deviceName = "JVM"))
        val uri = setup.qrCodeUrl!!
        val enrollment = parsePushEnrollment(uri)
        assertEquals("phone@example.com", enrollment.account)
        assertEquals("Acme", enrollment.issuer)

        val key = JvmKeyStore()
        val registration = pushRegistration(uri, key, "none")
        val device = engine.registerPushDevice(RegisterPushDeviceRequest(registration = registration))
        val serverKey = pinPushServerKey(uri, device.serverKey)
        val confirmed = engine.verifyMfa(VerifyMfaRequest(method = "push", code = device.confirmationCode, userId = user.id))
        assertTrue(confirmed.success, "confirmation: ${confirmed.error}")
        assertEquals(10, confirmed.backupCodes?.size)

        val signIn = engine.signIn(SignInRequest("phone@example.com", PASSWORD))
        val sessionId = signIn.sessionId!!
        val challenge = engine.pushChallenge(PushChallengeRequest(sessionId = sessionId, appName = "Acme web"))
        assertEquals(6, challenge.number.length)

        val pending = engine.pushPending(PushPendingRequest(request = pushPoll(device.deviceId, key)))
        assertEquals(1, pending.challenges.size)
        val shown = openPushChallenge(pending.challenges[0].details, serverKey)
        assertEquals("Acme web", shown.app)
        assertEquals(challenge.challengeId, shown.challenge)

        val answer = pushAnswer(shown, device.deviceId, "approve", key, number = challenge.number)
        assertEquals("approved", engine.pushRespond(PushRespondRequest(response = answer)).status)
        val done = engine.pushStatus(PushStatusRequest(challengeId = challenge.challengeId, sessionId = sessionId))
        assertEquals("approved", done.status)
        assertTrue(done.result!!.session!!.mfaVerified)

        // The same answer again, and details no server signed, are refused.
        assertThrows<MfaException.InvalidInput> { engine.pushRespond(PushRespondRequest(response = answer)) }
        val stranger = pushPhoneKey()
        val strangerKey = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(stranger.publicKey())
        assertThrows<MfaException.InvalidInput> { openPushChallenge(pending.challenges[0].details, strangerKey) }
        // A QR code's fingerprint pins the server: another key is refused.
        assertThrows<MfaException.InvalidInput> { pinPushServerKey(uri, strangerKey) }
    }

    @Test
    fun `a key from the software store signs too, and a wrong number ends the challenge`() {
        val soft = pushPhoneKey()
        val key = object : PushKeyStore {
            override fun publicKey() = soft.publicKey()
            override fun sign(message: ByteArray) = soft.sign(message)
        }
        val user = engine.signUp(SignUpRequest(email = "soft@example.com", password = PASSWORD)).user
        val uri = engine.enableMfa(EnableMfaRequest(userId = user.id, method = "push")).qrCodeUrl!!
        val device = engine.registerPushDevice(RegisterPushDeviceRequest(registration = pushRegistration(uri, key, "none")))
        val serverKey = pinPushServerKey(uri, device.serverKey)
        assertTrue(engine.verifyMfa(VerifyMfaRequest(method = "push", code = device.confirmationCode, userId = user.id)).success)
        val sessionId = engine.signIn(SignInRequest("soft@example.com", PASSWORD)).sessionId!!
        val challenge = engine.pushChallenge(PushChallengeRequest(sessionId = sessionId))
        val details = engine.pushPending(PushPendingRequest(request = pushPoll(device.deviceId, key))).challenges[0].details
        val wrong = if (challenge.number.startsWith("1")) "2".repeat(6) else "1".repeat(6)
        val answer = pushAnswer(openPushChallenge(details, serverKey), device.deviceId, "approve", key, number = wrong)
        assertEquals("wrong_number", engine.pushRespond(PushRespondRequest(response = answer)).status)
        assertEquals("wrong_number", engine.pushStatus(PushStatusRequest(challengeId = challenge.challengeId, sessionId = sessionId)).status)
    }
}
