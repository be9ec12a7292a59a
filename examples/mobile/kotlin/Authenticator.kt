// A console authenticator on Plinto MFA's Kotlin binding: give it the otpauth:// URI a server
// shows (the Express demo prints one under its QR code) and it shows the live code with a
// countdown, like a phone's authenticator app.
//
//   make demo-mobile URI='otpauth://totp/Acme:alice%40example.com?secret=...&issuer=Acme'
//
// Options: --once prints one code and exits; --time=UNIX_SECONDS computes for that time.
package dev.plinto.mfa.examples

import dev.plinto.mfa.accountCode
import dev.plinto.mfa.core.AuthenticatorCode
import dev.plinto.mfa.core.MfaException
import dev.plinto.mfa.core.OtpAccount
import dev.plinto.mfa.parseOtpauthUri
import java.io.PrintStream
import kotlin.system.exitProcess

fun main(args: Array<String>) {
    exitProcess(runAuthenticator(args, System.out))
}

/** Runs the authenticator; returns the process status (0 ok, 2 bad URI or arguments). */
fun runAuthenticator(args: Array<String>, out: PrintStream): Int {
    val once = "--once" in args
    val fixedTime = args.firstOrNull { it.startsWith("--time=") }?.removePrefix("--time=")?.toLongOrNull()
    val uri = args.firstOrNull { !it.startsWith("--") }
        ?: run {
            out.println("usage: authenticator 'otpauth://totp/Issuer:account?secret=...' [--once] [--time=UNIX]")
            return 2
        }

    val account = try {
        parseOtpauthUri(uri)
    } catch (e: MfaException) {
        out.println("Not a usable authenticator URI (${e.code()}): ${e.message}")
        return 2
    }
    out.println("${account.issuer ?: "(no issuer)"}  ${account.accountName}  " +
        "(${account.algorithm}, ${account.digits} digits, every ${account.period}s)")

    while (true) {
        val now = fixedTime ?: (System.currentTimeMillis() / 1000)
        val code = accountCode(account, now)
        if (once) {
            out.println(render(account, code))
            return 0
        }
        out.print("\r" + render(account, code) + "   ")
        out.flush()
        // Wake at the next whole second.
        Thread.sleep(1000 - System.currentTimeMillis() % 1000)
    }
}

/** `123 456  [#########-----]  9s`: the code in two groups and a bar of the time left. */
fun render(account: OtpAccount, code: AuthenticatorCode): String {
    val half = (code.code.length + 1) / 2
    val grouped = code.code.substring(0, half) + " " + code.code.substring(half)
    val width = 20
    val filled = (code.secondsRemaining.toInt() * width + account.period.toInt() - 1) / account.period.toInt()
    val bar = "#".repeat(filled) + "-".repeat(width - filled)
    return "  $grouped  [$bar]  ${code.secondsRemaining}s"
}
