// A console push approver on Plinto MFA's Kotlin binding: the phone's side of push approvals,
// as an authenticator app does it. Enroll from the plinto-push:// URI of the enrollment QR code
// (the sign-in page shows it), then wait for a sign-in request, read its context, and type the
// number the sign-in page shows to approve it (or deny, or report it).
//
//   make demo-push PUSH_ARGS="enroll 'plinto-push://enroll?...' --server=http://localhost:3000/api/push"
//   make demo-push PUSH_ARGS="approve"
//
// The device key is the JVM's own P-256 key (java.security), kept with the pinned server key in
// a state file (--state=FILE, default ./push-phone.properties, mode 0600); the library signs
// through the PushKeyStore interface and never holds the private key.
package dev.plinto.mfa.examples.push

import dev.plinto.mfa.PushKeyStore
import dev.plinto.mfa.core.MfaException
import dev.plinto.mfa.openPushChallenge
import dev.plinto.mfa.parsePushEnrollment
import dev.plinto.mfa.pinPushServerKey
import dev.plinto.mfa.pushAnswer
import dev.plinto.mfa.pushPoll
import dev.plinto.mfa.pushRegistration
import java.io.BufferedReader
import java.io.File
import java.io.IOException
import java.io.InputStreamReader
import java.io.PrintStream
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.nio.file.StandardOpenOption
import java.nio.file.attribute.PosixFilePermissions
import java.security.KeyFactory
import java.security.KeyPairGenerator
import java.security.PrivateKey
import java.security.Signature
import java.security.spec.ECGenParameterSpec
import java.security.spec.PKCS8EncodedKeySpec
import java.time.Duration
import java.util.Base64
import java.util.Properties
import kotlin.system.exitProcess
import org.json.JSONObject

fun main(args: Array<String>) {
    exitProcess(runPushApprover(args, BufferedReader(InputStreamReader(System.`in`)), System.out))
}

/** A P-256 key in the JVM's crypto: X.509 public key, DER signatures, as Android Keystore gives. */
class JvmPushKey(private val privateKey: PrivateKey, private val publicKey: ByteArray) : PushKeyStore {
    override fun publicKey(): ByteArray = publicKey

    override fun sign(message: ByteArray): ByteArray =
        Signature.getInstance("SHA256withECDSA").run {
            initSign(privateKey)
            update(message)
            sign()
        }

    companion object {
        fun generate(): Pair<JvmPushKey, ByteArray> {
            val pair = KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()
            return JvmPushKey(pair.private, pair.public.encoded) to pair.private.encoded
        }

        fun load(pkcs8: ByteArray, publicKey: ByteArray) =
            JvmPushKey(KeyFactory.getInstance("EC").generatePrivate(PKCS8EncodedKeySpec(pkcs8)), publicKey)
    }
}

private val b64 = Base64.getUrlEncoder().withoutPadding()
private val unb64 = Base64.getUrlDecoder()

/** POSTs `field: value` as JSON to `server/path`; the answer's JSON, or an error naming it. */
private fun post(server: String, path: String, field: String, value: String): JSONObject {
    val request = HttpRequest.newBuilder(URI.create("${server.trimEnd('/')}/$path"))
        .header("content-type", "application/json")
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(JSONObject().put(field, value).toString()))
        .build()
    val response = try {
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()
            .send(request, HttpResponse.BodyHandlers.ofString())
    } catch (e: IOException) {
        throw IllegalStateException("cannot reach $server: ${e.message}")
    }
    val body = runCatching { JSONObject(response.body()) }.getOrElse {
        throw IllegalStateException("the server answered ${response.statusCode()} without JSON")
    }
    if (response.statusCode() != 200) {
        throw IllegalStateException("the server answered ${response.statusCode()}: ${body.optString("code", response.body())}")
    }
    return body
}

/** Runs the approver; returns the process status (0 done, 1 failed, 2 bad arguments). */
fun runPushApprover(args: Array<String>, input: BufferedReader, out: PrintStream): Int {
    val option = { name: String -> args.firstOrNull { it.startsWith("--$name=") }?.substringAfter('=') }
    val words = args.filter { !it.startsWith("--") }
    val stateFile = File(option("state") ?: "push-phone.properties")
    return try {
        when (words.firstOrNull()) {
            "enroll" -> enroll(words.getOrNull(1) ?: return usage(out), option("server"), option("name") ?: "Console phone", stateFile, out)
            "approve" -> approve(stateFile, option("wait")?.toIntOrNull() ?: 120, input, out)
            else -> usage(out)
        }
    } catch (e: MfaException) {
        out.println("Refused (${e.code()}): ${e.message}")
        1
    } catch (e: IllegalStateException) {
        out.println(e.message)
        1
    }
}

private fun usage(out: PrintStream): Int {
    out.println("usage: push-approver enroll 'plinto-push://enroll?...' [--server=URL] [--name=NAME] [--state=FILE]")
    out.println("       push-approver approve [--wait=SECONDS] [--state=FILE]")
    return 2
}

private fun enroll(uri: String, server: String?, name: String, stateFile: File, out: PrintStream): Int {
    val enrollment = parsePushEnrollment(uri)
    val url = server ?: enrollment.serviceUrl.ifEmpty { null }
        ?: throw IllegalStateException("the QR code names no server: pass --server=URL (the app's /api/push)")
    // The key's file is made first, readable by this user only, and never replaced: an
    // earlier enrollment's key stays until it is removed on purpose.
    val path = stateFile.toPath()
    try {
        Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
    } catch (e: java.nio.file.FileAlreadyExistsException) {
        throw IllegalStateException("$stateFile exists (already enrolled): remove it first to enroll again")
    }
    val answer = try {
        register(uri, url, name, enrollment.account, path, out)
    } catch (e: Exception) {
        Files.deleteIfExists(path)
        throw e
    }
    out.println("Type this code on the sign-in page to finish: ${answer.getString("confirmationCode")}")
    return 0
}

/** Registers a new key for `uri` at `url` and keeps it (with the pinned server key) in `path`. */
private fun register(uri: String, url: String, name: String, account: String, path: java.nio.file.Path, out: PrintStream): JSONObject {
    out.println("Enrolling $account")
    val (key, pkcs8) = JvmPushKey.generate()
    val registration = pushRegistration(uri, key, "none", name = name)
    val answer = post(url, "register", "registration", registration)
    val serverKey = pinPushServerKey(uri, answer.getString("serverKey"))
    val state = Properties().apply {
        setProperty("server", url)
        setProperty("account", account)
        setProperty("deviceId", answer.getString("deviceId"))
        setProperty("serverKey", serverKey)
        setProperty("privateKey", b64.encodeToString(pkcs8))
        setProperty("publicKey", b64.encodeToString(key.publicKey()))
    }
    Files.newOutputStream(path, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)
        .use { state.store(it, "Plinto push approver: keep this file secret") }
    return answer
}

private fun approve(stateFile: File, waitSeconds: Int, input: BufferedReader, out: PrintStream): Int {
    if (!stateFile.exists()) throw IllegalStateException("not enrolled: run enroll first")
    val state = Properties().apply { stateFile.inputStream().use { load(it) } }
    val server = state.getProperty("server")
    val deviceId = state.getProperty("deviceId")
    val serverKey = state.getProperty("serverKey")
    val key = JvmPushKey.load(unb64.decode(state.getProperty("privateKey")), unb64.decode(state.getProperty("publicKey")))
    out.println("Waiting for a sign-in request for ${state.getProperty("account")}...")
    val deadline = System.currentTimeMillis() + waitSeconds * 1000L
    while (System.currentTimeMillis() < deadline) {
        val pending = post(server, "pending", "request", pushPoll(deviceId, key)).getJSONArray("challenges")
        if (pending.length() == 0) {
            Thread.sleep(1000)
            continue
        }
        val challenge = openPushChallenge(pending.getJSONObject(0).getString("details"), serverKey)
        out.println("Sign-in request from ${challenge.app} for ${challenge.account}")
        challenge.ipAddress?.let { out.println("  from $it") }
        challenge.userAgent?.let { out.println("  on $it") }
        out.println("  ${challenge.exp - System.currentTimeMillis() / 1000} s left")
        var typed = ""
        while (typed.isEmpty()) {
            out.print("Type the ${challenge.digits}-digit number the sign-in page shows (d: deny, r: not me, report): ")
            out.flush()
            typed = (input.readLine() ?: throw IllegalStateException("no answer given")).trim()
        }
        val (action, number) = when (typed.lowercase()) {
            "d" -> "deny" to null
            "r" -> "report" to null
            else -> "approve" to typed
        }
        val response = pushAnswer(challenge, deviceId, action, key, number = number, reason = if (action == "deny") "cancelled" else null)
        out.println("Answered: ${post(server, "respond", "response", response).getString("status")}")
        return 0
    }
    out.println("No request arrived.")
    return 1
}
