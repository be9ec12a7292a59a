// A team's first test of Plinto MFA on the JVM: the library comes from Maven coordinates and
// nothing tells JNA where the native code is; the authenticator's code is computed here with
// the JVM's own HMAC (RFC 6238), not with ours.
package dev.plinto.example

import dev.plinto.mfa.Engine
import dev.plinto.mfa.core.EnableMfaRequest
import dev.plinto.mfa.core.GetMfaStatusRequest
import dev.plinto.mfa.core.MfaException
import dev.plinto.mfa.core.SignInRequest
import dev.plinto.mfa.core.SignUpRequest
import dev.plinto.mfa.core.VerifyMfaRequest
import java.nio.ByteBuffer
import java.nio.file.Files
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

// Cheap password hashing and no delay after the refused replay, so the test stays fast.
private const val CONFIG = """{"issuer": "Consumer", "password": {"memoryKib": 64, "iterations": 1}, "rateLimiting": {"progressiveDelay": false}}"""

class ConsumerTest {
    @Test
    fun `the native library comes from the dependency's jar`() {
        assertNull(System.getProperty("jna.library.path"))
        val url = Engine::class.java.classLoader.getResource("linux-x86-64/libplinto_mfa.so")
        assertNotNull(url, "the jar carries the native library")
        assertEquals("jar", url!!.protocol)
        assertTrue(url.path.contains("/dev/plinto/plinto-mfa/0.1.0/plinto-mfa-0.1.0.jar!"), url.path)
    }

    @Test
    fun `enroll TOTP, confirm with a code the JVM computes, sign in with MFA`() {
        val dir = Files.createTempDirectory("plinto-consumer-")
        Engine(dir.resolve("app.db").toString(), "6c".repeat(32), CONFIG).use { engine ->
            val user = engine.signUp(SignUpRequest(email = "jvm@example.com", password = "Correct-Horse-42")).user
            val setup = engine.enableMfa(EnableMfaRequest(userId = user.id, method = "totp"))
            val key = base32(setup.secret!!)
            val now = System.currentTimeMillis() / 1000
            val confirmed = engine.verifyMfa(VerifyMfaRequest(method = "totp", code = totp(key, now / 30), userId = user.id))
            assertTrue(confirmed.success, "confirmation: ${confirmed.error}")
            assertEquals(10, confirmed.backupCodes?.size)
            assertEquals(listOf("totp", "backup"), engine.getMfaStatus(GetMfaStatusRequest(user.id)).methods)

            val signIn = engine.signIn(SignInRequest("jvm@example.com", "Correct-Horse-42"))
            assertTrue(signIn.requiresMfa)
            // The confirmation used this step; a replay of it is refused, the next step is not.
            val replay = engine.verifyMfa(VerifyMfaRequest(method = "totp", code = totp(key, now / 30), sessionId = signIn.sessionId))
            assertFalse(replay.success)
            val done = engine.verifyMfa(VerifyMfaRequest(method = "totp", code = totp(key, now / 30 + 1), sessionId = signIn.sessionId))
            assertTrue(done.success, "sign-in: ${done.error}")
            assertTrue(done.session!!.mfaVerified)

            // Errors arrive as the typed exception with the core's stable code.
            val bad = assertThrows<MfaException> { engine.enableMfa(EnableMfaRequest(userId = user.id, method = "pigeon")) }
            assertEquals("mfa_method_not_supported", bad.code())
        }
        dir.toFile().deleteRecursively()
    }
}

/** RFC 6238 with SHA-1 and six digits, on the JVM's HMAC. */
private fun totp(key: ByteArray, step: Long): String {
    val mac = Mac.getInstance("HmacSHA1").apply { init(SecretKeySpec(key, "HmacSHA1")) }
    val hash = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array())
    val offset = hash[hash.size - 1].toInt() and 0x0f
    val binary = ByteBuffer.wrap(hash, offset, 4).int and 0x7fffffff
    return "%06d".format(binary % 1_000_000)
}

/** RFC 4648 base32, unpadded upper case, as otpauth secrets are written. */
private fun base32(text: String): ByteArray {
    val alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    val out = java.io.ByteArrayOutputStream()
    var buffer = 0
    var bits = 0
    for (c in text.trimEnd('=')) {
        buffer = (buffer shl 5) or alphabet.indexOf(c).also { require(it >= 0) { "not base32: $c" } }
        bits += 5
        if (bits >= 8) {
            bits -= 8
            out.write((buffer shr bits) and 0xff)
        }
    }
    return out.toByteArray()
}
