// The generated Kotlin API on the real native library: an engine on a temp database, TOTP
// enrolment with codes from the authenticator helpers, backup codes, typed exceptions.
package dev.plinto.mfa

import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import dev.plinto.mfa.core.*

val KEY = "4a".repeat(32)
val OTHER_KEY = "5b".repeat(32)
const val PASSWORD = "Correct-Horse-42"
// Cheap password hashing so the suite stays fast; production keeps the argon2id defaults.
// Cheap argon2; wrong codes back to back (no progressive delay).
const val FAST = """{"issuer": "Acme", "password": {"memoryKib": 64, "iterations": 1}, "rateLimiting": {"progressiveDelay": false}}"""

class EngineTest {
    private lateinit var dir: Path
    private lateinit var engine: Engine

    @BeforeEach
    fun open() {
        dir = Files.createTempDirectory("plinto-kotlin-")
        engine = Engine(dir.resolve("plinto.db").toString(), KEY, FAST)
    }

    @AfterEach
    fun close() {
        engine.close()
        dir.toFile().deleteRecursively()
    }

    private fun now(): Long = System.currentTimeMillis() / 1000

    /** Signs up, enrolls TOTP from the otpauth URI with the authenticator helpers, confirms it. */
    private fun enrolled(email: String): Triple<User, String, List<String>> {
        val user = engine.signUp(SignUpRequest(email = email, password = PASSWORD)).user
        val setup = engine.enableMfa(EnableMfaRequest(userId = user.id, method = "totp"))
        val uri = setup.qrCodeUrl!!
        val code = authenticatorCode(uri).code
        val confirmed = engine.verifyMfa(VerifyMfaRequest(method = "totp", code = code, userId = user.id))
        assertTrue(confirmed.success, "setup confirmation: ${confirmed.error}")
        return Triple(user, uri, confirmed.backupCodes!!)
    }

    @Test
    fun `sign up, enable TOTP, verify with the authenticator's code, sign in with MFA`() {
        val up = engine.signUp(SignUpRequest(email = "user@example.com", password = PASSWORD, context = RequestContext(ipAddress = "10.0.0.1")))
        assertEquals("user@example.com", up.user.email)
        assertFalse(up.user.mfaEnabled)
        assertTrue(engine.verifySession(VerifySessionRequest(up.session.token)).valid)

        val setup = engine.enableMfa(EnableMfaRequest(userId = up.user.id, method = "totp", label = "Acme Corp"))
        val uri = setup.qrCodeUrl!!
        val account = parseOtpauthUri(uri)
        assertEquals("Acme Corp", account.issuer)
        assertEquals("user@example.com", account.accountName)
        assertEquals(setup.secret, account.secret)
        assertEquals(TotpAlgorithm.SHA1, account.algorithm)
        assertEquals(6.toUByte(), account.digits)
        assertEquals(30u, account.period)

        val current = accountCode(account)
        assertEquals(6, current.code.length)
        assertTrue(current.secondsRemaining in 1u..30u)
        val confirmed = engine.verifyMfa(VerifyMfaRequest(method = "totp", code = current.code, userId = up.user.id))
        assertTrue(confirmed.success)
        assertEquals(10, confirmed.backupCodes?.size)
        assertEquals(listOf("totp", "backup"), engine.getMfaStatus(GetMfaStatusRequest(up.user.id)).methods)

        val signIn = engine.signIn(SignInRequest("user@example.com", PASSWORD))
        assertTrue(signIn.requiresMfa)
        assertNull(signIn.session)
        // The current step was used by the confirmation (replay protection): the next one is
        // inside the allowed skew.
        val next = authenticatorCode(uri, now() + 30).code
        val done = engine.verifyMfa(VerifyMfaRequest(method = "totp", code = next, sessionId = signIn.sessionId))
        assertTrue(done.success, "sign-in code: ${done.error}")
        val session = done.session!!
        assertTrue(session.mfaVerified)
        engine.requireRecentMfa(RequireRecentMfaRequest(session.token))
        val info = engine.verifySession(VerifySessionRequest(session.token))
        assertTrue(info.valid && info.mfaCompleted)
        assertEquals("totp", info.mfaMethod)

        val replay = engine.signIn(SignInRequest("user@example.com", PASSWORD))
        val again = engine.verifyMfa(VerifyMfaRequest(method = "totp", code = next, sessionId = replay.sessionId))
        assertFalse(again.success)
        assertEquals("mfa_invalid_code", again.error)
        assertTrue(engine.signOut(SignOutRequest(session.token)).success)
        assertFalse(engine.verifySession(VerifySessionRequest(session.token)).valid)
    }

    @Test
    fun `a backup code works once`() {
        val (user, _, codes) = enrolled("backup@example.com")
        val first = engine.signIn(SignInRequest("backup@example.com", PASSWORD))
        val ok = engine.verifyMfa(VerifyMfaRequest(method = "backup", code = codes[0], sessionId = first.sessionId))
        assertTrue(ok.success)
        assertEquals(9u, engine.getMfaStatus(GetMfaStatusRequest(user.id)).backupCodesRemaining)

        val second = engine.signIn(SignInRequest("backup@example.com", PASSWORD))
        val reused = engine.verifyMfa(VerifyMfaRequest(method = "backup", code = codes[0], sessionId = second.sessionId))
        assertFalse(reused.success)
        assertEquals("mfa_backup_code_already_used", reused.error)
        assertNotNull(reused.attemptsRemaining)

        val fresh = engine.regenerateMfaBackupCodes(RegenerateBackupCodesRequest(user.id, 5u))
        assertEquals(5, fresh.codes.size)
        val events = engine.listAuditEvents(ListAuditEventsRequest(user.id, limit = 50u)).map { it.action }
        assertTrue("backup_code_reuse" in events, events.toString())
    }

    @Test
    fun `bad input raises typed exceptions with the stable codes`() {
        val bad = assertThrows<MfaException.InvalidInput> { engine.signUp(SignUpRequest("not-an-email", PASSWORD)) }
        assertEquals("email", bad.field)
        assertEquals("invalid_input", bad.code())
        assertEquals(400.toUShort(), bad.httpStatus())
        assertFalse(bad.retryable())
        assertTrue(bad.message.contains("email"))

        engine.signUp(SignUpRequest("taken@example.com", PASSWORD))
        assertEquals("already_exists", assertThrows<MfaException.AlreadyExists> {
            engine.signUp(SignUpRequest("taken@example.com", PASSWORD))
        }.code())
        assertThrows<MfaException.InvalidCredentials> { engine.signIn(SignInRequest("taken@example.com", "Wrong-password-1")) }
        assertThrows<MfaException.NotFound> { engine.getMfaStatus(GetMfaStatusRequest("usr_missing")) }
        assertThrows<MfaException.SessionInvalid> { engine.requireRecentMfa(RequireRecentMfaRequest("no-such-session")) }
        assertThrows<MfaException.MethodNotSupported> {
            engine.enableMfa(EnableMfaRequest(userId = "usr_x", method = "carrier-pigeon"))
        }
        val options = assertThrows<MfaException.InvalidInput> { engine.configure(ConfigureRequest("[1, 2]")) }
        assertEquals("options", options.field)
        val limit = assertThrows<MfaException.InvalidInput> {
            engine.configure(ConfigureRequest("""{"rateLimiting": {"maxAttempts": 0}}"""))
        }
        assertTrue(limit.field.contains("maxAttempts"), limit.field)
        assertTrue(engine.configure(ConfigureRequest("""{"rateLimiting": {"maxAttempts": 3}}""")).success)

        val db = dir.resolve("plinto.db").toString()
        assertThrows<MfaException.KeyMismatch> { Engine(db, OTHER_KEY) }
        assertThrows<MfaException.InvalidInput> { Engine(db, "short") }
        assertThrows<MfaException.InvalidInput> { engine.shouldRequireMfa(ShouldRequireMfaRequest("sometimes")) }
        assertTrue(engine.shouldRequireMfa(ShouldRequireMfaRequest("admin_only", "admin")))
    }

    @Test
    fun `lockout reports retryAfter`() {
        engine.configure(ConfigureRequest("""{"rateLimiting": {"maxAttempts": 2, "lockoutMinutes": 15}}"""))
        val (user, _, _) = enrolled("locked@example.com")
        repeat(2) { engine.verifyMfa(VerifyMfaRequest(method = "totp", code = "000000", userId = user.id)) }
        val locked = engine.verifyMfa(VerifyMfaRequest(method = "totp", code = "000000", userId = user.id))
        assertTrue(locked.rateLimited)
        assertTrue((locked.retryAfter ?: 0u) > 0u)
        repeat(2) { runCatching { engine.verifyPassword(VerifyPasswordRequest(user.id, "Wrong-password-1")) } }
        val e = assertThrows<MfaException.RateLimited> { engine.verifyPassword(VerifyPasswordRequest(user.id, PASSWORD)) }
        assertTrue(e.retryAfter > 0u)
        assertEquals("mfa_rate_limited", e.code())
        assertEquals(429.toUShort(), e.httpStatus())
        assertTrue(e.retryable())
    }

    @Test
    fun `disable MFA with a current code, then delete the user`() {
        val (user, uri, _) = enrolled("off@example.com")
        val code = authenticatorCode(uri, now() + 30).code
        assertTrue(engine.disableMfa(DisableMfaRequest(user.id, code, PASSWORD)).success)
        assertFalse(engine.getMfaStatus(GetMfaStatusRequest(user.id)).enabled)
        assertThrows<MfaException.NotEnabled> { engine.regenerateMfaBackupCodes(RegenerateBackupCodesRequest(user.id)) }
        engine.deleteUser(DeleteUserRequest(user.id))
        assertThrows<MfaException.NotFound> { engine.getUser(GetUserRequest(user.id)) }
    }

    @Test
    fun `a destination the provider refuses is invalid input, and the app has a notifier and a password check`() {
        engine.configure(ConfigureRequest("""{"delivery": {"failureThreshold": 1}, "methods": {"sms": {"rateLimits": {"perMinute": 10, "perHour": 20, "perDay": 30}}}}"""))
        engine.setSender("sms", object : MessageSender {
            override fun send(delivery: Delivery) {
                if (delivery.destination.startsWith("+1555555000")) throw SendFailure.Rejected("unreachable number")
            }
        })
        val notes = mutableListOf<Notification>()
        engine.setNotifier(object : SecurityNotifier {
            override fun notify(notification: Notification) { notes.add(notification) }
        })
        engine.setPasswordCheck(object : PasswordCheck {
            override fun isCompromised(password: String) = password == "Correct-Horse-Battery-9"
        })
        val breached = assertThrows<MfaException.InvalidInput> { engine.signUp(SignUpRequest("kt-breach@example.com", "Correct-Horse-Battery-9")) }
        assertEquals("password", breached.field)
        val up = engine.signUp(SignUpRequest("kt-reject@example.com", PASSWORD))
        val refused = assertThrows<MfaException.InvalidInput> {
            engine.enableMfa(EnableMfaRequest(userId = up.user.id, method = "sms", phoneNumber = "+15555550001"))
        }
        assertEquals("phoneNumber", refused.field)
        // One counted failure would have degraded SMS at this threshold: it still works.
        engine.enableMfa(EnableMfaRequest(userId = up.user.id, method = "sms", phoneNumber = "+15555550123", sessionToken = up.session.token))
        engine.changePassword(ChangePasswordRequest(up.user.id, PASSWORD, "Another-Long-Pass-7", sessionToken = up.session.token))
        assertEquals(listOf("password_changed"), notes.map { it.kind })
        assertEquals("kt-reject@example.com", notes.single().email)
    }

    @Test
    fun `sessions have public ids, a pending sign-in is no session, factor changes need a step-up`() {
        val (user, uri, backup) = enrolled("kt-sessions@example.com")
        val pending = engine.signIn(SignInRequest("kt-sessions@example.com", PASSWORD))
        val info = engine.verifySession(VerifySessionRequest(pending.sessionId!!))
        assertFalse(info.valid)
        assertEquals("mfa_pending", info.state)
        assertNull(info.user)
        val done = engine.verifyMfa(VerifyMfaRequest(method = "backup", code = backup[0], sessionId = pending.sessionId))
        val session = done.session!!
        assertTrue(session.id.startsWith("ses_") && session.id != session.token)
        val listed = engine.listSessions(ListSessionsRequest(user.id, sessionToken = session.token))
        assertTrue(listed.single { it.current }.id == session.id)
        engine.configure(ConfigureRequest("""{"security": {"stepUpMaxAgeSeconds": 1}}"""))
        Thread.sleep(2100)
        val e = assertThrows<MfaException.StepUpRequired> {
            engine.enableMfa(EnableMfaRequest(userId = user.id, method = "totp", sessionToken = session.token))
        }
        assertEquals(listOf("totp", "backup"), e.methods)
        assertEquals(1uL, e.maxAge)
        val code = authenticatorCode(uri, now() + 30).code
        assertTrue(engine.enableMfa(EnableMfaRequest(userId = user.id, method = "totp", confirmationCode = code)).success)
        assertTrue(engine.revokeSession(RevokeSessionRequest(user.id, session.id)).success)
        assertFalse(engine.verifySession(VerifySessionRequest(session.token)).valid)
    }

    @Test
    fun `every core error code has an exception`() {
        val root = File(System.getProperty("plinto.repo.root") ?: "../..")
        val vectors = File(root, "tests/vectors/error_codes.json").readText()
        val codes = vectors.substringAfter("\"codes\": [").substringBefore("]")
        val listed = Regex("\"([a-z_]+)\"").findAll(codes).map { it.groupValues[1] }.toList()
        assertEquals(listed, errorCodes())
        // mfa_rate_limited -> RateLimited, invalid_input -> InvalidInput, ...
        val kinds = MfaException::class.java.declaredClasses
            .filter { MfaException::class.java.isAssignableFrom(it) }.map { it.simpleName }.toSet()
        for (code in listed) {
            val name = code.removePrefix("mfa_").split('_').joinToString("") { it.replaceFirstChar(Char::uppercase) }
            assertTrue(name in kinds, "$code has no MfaException.$name in $kinds")
        }
    }

    @Test
    fun `an app sender registered with the engine delivers codes, a throwing one voids the code`() {
        engine.configure(ConfigureRequest("""{"methods": {"sms": {"rateLimits": {"perMinute": 10, "perHour": 20, "perDay": 30}}}}"""))
        val outbox = mutableListOf<Delivery>()
        engine.setSender("sms", object : MessageSender {
            override fun send(delivery: Delivery) { outbox.add(delivery) }
        })
        val user = engine.signUp(SignUpRequest("app-sender@example.com", PASSWORD)).user
        val setup = engine.enableMfa(EnableMfaRequest(userId = user.id, method = "sms", phoneNumber = "+15555550104"))
        assertEquals("+15555550104", outbox.single().destination)
        val code = outbox.single().meta.code
        assertTrue(engine.verifyMfa(VerifyMfaRequest(method = "sms", code = code, userId = user.id)).success)

        engine.setSender("sms", object : MessageSender {
            override fun send(delivery: Delivery) { throw SendFailure.Failed("gateway down") }
        })
        val pending = engine.signIn(SignInRequest("app-sender@example.com", PASSWORD))
        assertThrows<MfaException.DeliveryFailed> {
            engine.requestNewCode(RequestNewCodeRequest("sms", sessionId = pending.sessionId))
        }
        val events = engine.listAuditEvents(ListAuditEventsRequest(user.id)).filter { it.action == "delivery_failed" }
        assertEquals("failed: gateway down", events.single().detail)
        val bad = assertThrows<MfaException.InvalidInput> { engine.setSender("fax", null) }
        assertEquals("channel", bad.field)
    }
}
