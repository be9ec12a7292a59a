// Security keys through the generated Kotlin API, answered by the core's software
// authenticator (a separate process that prints what navigator.credentials.create()/.get()
// return): registration, sign-in, step-up, management and typed errors.
package dev.plinto.mfa

import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import dev.plinto.mfa.core.*

const val ORIGIN = "https://example.com"
const val WEBAUTHN = """{"password": {"memoryKib": 64, "iterations": 1},
  "methods": {"webauthn": {"rpId": "example.com", "rpName": "Example", "origins": ["https://example.com"]}}}"""

class PasskeyTest {
    private lateinit var dir: Path
    private lateinit var engine: Engine

    @BeforeEach
    fun open() {
        dir = Files.createTempDirectory("plinto-kotlin-passkeys-")
        engine = Engine(dir.resolve("plinto.db").toString(), KEY, WEBAUTHN)
    }

    @AfterEach
    fun close() {
        engine.close()
        dir.toFile().deleteRecursively()
    }

    /** The software key's answer to `optionsJson`, made on a page at `origin`. */
    private fun authenticator(op: String, optionsJson: String, origin: String = ORIGIN): String {
        val tool = System.getProperty("plinto.soft.authenticator")
        assertTrue(File(tool).canExecute(), "missing $tool: cargo build -p plinto-mfa-core --example soft_authenticator")
        val process = ProcessBuilder(tool, dir.resolve("key.cbor").toString(), op, origin).start()
        process.outputStream.use { it.write(optionsJson.toByteArray()) }
        val out = process.inputStream.bufferedReader().readText()
        val err = process.errorStream.bufferedReader().readText()
        assertEquals(0, process.waitFor(), err)
        return out
    }

    @Test
    fun `register a security key, sign in and step up with it, then remove it`() {
        val user = engine.signUp(SignUpRequest("kotlin-key@example.com", PASSWORD)).user
        val options = engine.getPasskeyRegistrationOptions(PasskeyOptionsRequest(user.id))
        assertEquals("registration", options.kind)
        assertEquals(300uL, options.expiresIn)
        assertTrue(options.publicKey.contains("\"rp\""))
        val stored = engine.verifyPasskeyRegistration(VerifyPasskeyRequest(options.challengeId, credential = authenticator("register", options.publicKey), userId = user.id, name = "YubiKey"))
        assertEquals(10, stored.backupCodes!!.size)
        assertEquals(listOf("webauthn", "backup"), engine.getMfaStatus(GetMfaStatusRequest(user.id)).methods)

        val signIn = engine.signIn(SignInRequest("kotlin-key@example.com", PASSWORD))
        assertTrue(signIn.requiresMfa)
        val challenge = engine.getPasskeyAuthenticationOptions(PasskeyAuthenticationOptionsRequest(signIn.sessionId!!))
        assertEquals("authentication", challenge.kind)
        assertTrue(challenge.publicKey.contains(stored.credentialId!!))
        val done = engine.verifyPasskeyAuthentication(VerifyPasskeyAuthenticationRequest(challenge.challengeId, credential = authenticator("authenticate", challenge.publicKey), sessionId = signIn.sessionId))
        assertTrue(done.success, "assertion: ${done.error}")
        val token = done.session!!.token
        assertTrue(engine.verifySession(VerifySessionRequest(token)).mfaVerified)

        val stepUp = engine.getPasskeyAuthenticationOptions(PasskeyAuthenticationOptionsRequest(token))
        assertTrue(engine.verifyPasskeyAuthentication(VerifyPasskeyAuthenticationRequest(stepUp.challengeId, credential = authenticator("authenticate", stepUp.publicKey), sessionId = token)).success)

        val keys = engine.listPasskeys(ListPasskeysRequest(user.id))
        assertEquals(listOf("YubiKey"), keys.map { it.name })
        assertEquals("securityKey", keys[0].kind)
        assertNotNull(keys[0].lastUsed)
        engine.renamePasskey(RenamePasskeyRequest(user.id, stored.credentialId!!, "Desk key", sessionToken = token))
        assertEquals("Desk key", engine.listPasskeys(ListPasskeysRequest(user.id))[0].name)

        val missing = assertThrows<MfaException.InvalidInput> { engine.removePasskey(RemovePasskeyRequest(user.id, stored.credentialId!!)) }
        assertEquals("confirmationCode", missing.field)
        val removed = engine.removePasskey(RemovePasskeyRequest(user.id, stored.credentialId!!, PASSWORD, stored.backupCodes!![0]))
        assertTrue(removed.mfaDisabled)
        assertEquals(emptyList<PasskeyInfo>(), engine.listPasskeys(ListPasskeysRequest(user.id)))
    }

    @Test
    fun `wrong origin, replay and malformed JSON are typed errors`() {
        val user = engine.signUp(SignUpRequest("kotlin-bad@example.com", PASSWORD)).user
        val options = engine.getPasskeyRegistrationOptions(PasskeyOptionsRequest(user.id))
        val foreign = authenticator("register", options.publicKey, "https://sub.example.com")
        assertThrows<MfaException.InvalidCode> { engine.verifyPasskeyRegistration(VerifyPasskeyRequest(options.challengeId, credential = foreign, userId = user.id)) }
        // That attempt used the challenge up: even a right answer to it is refused now.
        val right = authenticator("register", options.publicKey)
        assertThrows<MfaException.InvalidCode> { engine.verifyPasskeyRegistration(VerifyPasskeyRequest(options.challengeId, credential = right, userId = user.id)) }
        val next = engine.getPasskeyRegistrationOptions(PasskeyOptionsRequest(user.id))
        val bad = assertThrows<MfaException.InvalidInput> { engine.verifyPasskeyRegistration(VerifyPasskeyRequest(next.challengeId, credential = "{not json", userId = user.id)) }
        assertEquals("credential", bad.field)
        val kind = assertThrows<MfaException.InvalidInput> { engine.getPasskeyRegistrationOptions(PasskeyOptionsRequest(user.id, authenticatorType = "toaster")) }
        assertEquals("authenticatorType", kind.field)
        assertThrows<MfaException.SessionInvalid> { engine.getPasskeyAuthenticationOptions(PasskeyAuthenticationOptionsRequest("not-a-session")) }
    }
}
