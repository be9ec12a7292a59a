// The console push approver (examples/mobile/kotlin/PushApprover.kt) against the device routes
// over HTTP: a JDK HTTP server on loopback in front of an engine, as the Express and FastAPI
// examples serve them. The approver enrolls from the URI, the user confirms with its code, and a
// sign-in is approved by typing the number, or denied.
package dev.plinto.mfa

import com.sun.net.httpserver.HttpServer
import dev.plinto.mfa.core.*
import dev.plinto.mfa.examples.push.runPushApprover
import java.io.BufferedReader
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.io.StringReader
import java.net.InetSocketAddress
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.attribute.PosixFilePermissions
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test

class PushApproverTest {
    private lateinit var dir: Path
    private lateinit var engine: Engine
    private lateinit var server: HttpServer

    @BeforeEach
    fun open() {
        dir = Files.createTempDirectory("plinto-kotlin-approver-")
        engine = Engine(dir.resolve("plinto.db").toString(), KEY, FAST)
        server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
        for ((path, op) in listOf("register" to "register_push_device", "pending" to "push_pending", "respond" to "push_respond")) {
            server.createContext("/api/push/$path") { exchange ->
                val body = exchange.requestBody.readBytes().decodeToString()
                val (status, answer) = try {
                    200 to engine.callJson(op, body)
                } catch (e: MfaException) {
                    e.httpStatus().toInt() to """{"code": "${e.code()}"}"""
                }
                val bytes = answer.toByteArray()
                exchange.sendResponseHeaders(status, bytes.size.toLong())
                exchange.responseBody.use { it.write(bytes) }
            }
        }
        server.start()
    }

    @AfterEach
    fun close() {
        server.stop(0)
        engine.close()
        dir.toFile().deleteRecursively()
    }

    private fun run(vararg args: String, typed: String = ""): Pair<Int, String> {
        val out = ByteArrayOutputStream()
        val state = "--state=${dir.resolve("phone.properties")}"
        val status = runPushApprover(arrayOf(*args, state, "--wait=10"), BufferedReader(StringReader(typed)), PrintStream(out, true))
        return status to out.toString()
    }

    @Test
    fun `the console approver enrolls from the URI and approves a sign-in with the number shown`() {
        val user = engine.signUp(SignUpRequest(email = "console@example.com", password = PASSWORD)).user
        val uri = engine.enableMfa(EnableMfaRequest(userId = user.id, method = "push")).qrCodeUrl!!
        val serverUrl = "http://127.0.0.1:${server.address.port}/api/push"
        val (enrolled, enrollOut) = run("enroll", uri, "--server=$serverUrl")
        assertEquals(0, enrolled, enrollOut)
        val code = Regex("finish: (\\d{6})").find(enrollOut)!!.groupValues[1]
        // The key's file is this user's only, and a second enrollment does not replace it.
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("phone.properties"))))
        assertEquals(1, run("enroll", uri, "--server=$serverUrl").first)
        assertTrue(engine.verifyMfa(VerifyMfaRequest(method = "push", code = code, userId = user.id)).success)

        val sessionId = engine.signIn(SignInRequest("console@example.com", PASSWORD, context = RequestContext(ipAddress = "192.0.2.7"))).sessionId!!
        val challenge = engine.pushChallenge(PushChallengeRequest(sessionId = sessionId, appName = "Acme", context = RequestContext(ipAddress = "192.0.2.7")))
        val (approved, approveOut) = run("approve", typed = challenge.number + "\n")
        assertEquals(0, approved, approveOut)
        assertTrue("Sign-in request from Acme for console@example.com" in approveOut, approveOut)
        assertTrue("from 192.0.2.7" in approveOut, approveOut)
        assertTrue("Answered: approved" in approveOut, approveOut)
        assertEquals("approved", engine.pushStatus(PushStatusRequest(challengeId = challenge.challengeId, sessionId = sessionId)).status)

        // A second sign-in, denied from the console.
        val again = engine.signIn(SignInRequest("console@example.com", PASSWORD)).sessionId!!
        val second = engine.pushChallenge(PushChallengeRequest(sessionId = again))
        val (denied, denyOut) = run("approve", typed = "d\n")
        assertEquals(0, denied, denyOut)
        assertTrue("Answered: denied" in denyOut, denyOut)
        assertEquals("denied", engine.pushStatus(PushStatusRequest(challengeId = second.challengeId, sessionId = again)).status)
    }
}
