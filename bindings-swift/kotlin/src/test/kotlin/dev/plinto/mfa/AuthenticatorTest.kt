// The authenticator side: otpauth URIs, codes at a given time, the vault, the console example.
package dev.plinto.mfa

import dev.plinto.mfa.examples.runAuthenticator
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import dev.plinto.mfa.core.*

// RFC 6238 appendix B: the SHA-1 key "12345678901234567890".
const val RFC_URI = "otpauth://totp/Example:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Example&digits=8"

class AuthenticatorTest {
    @Test
    fun `RFC 6238 vectors through the URI`() {
        val vectors = mapOf(59L to "94287082", 1111111109L to "07081804", 1234567890L to "89005924", 2000000000L to "69279037")
        for ((time, expected) in vectors) {
            assertEquals(expected, authenticatorCode(RFC_URI, time).code, "t=$time")
        }
        val c = authenticatorCode(RFC_URI, 59L)
        assertEquals(1u, c.secondsRemaining)
        assertEquals(30u, c.period)
        assertEquals(30u, authenticatorCode(RFC_URI, 60L).secondsRemaining)
    }

    @Test
    fun `parse, re-export and compute from an account`() {
        val a = parseOtpauthUri(RFC_URI)
        assertEquals("Example", a.issuer)
        assertEquals("alice@example.com", a.accountName)
        assertEquals(8.toUByte(), a.digits)
        assertEquals(a, parseOtpauthUri(accountUri(a)))
        assertEquals("94287082", accountCode(a, 59L).code)
        val sha256 = a.copy(algorithm = TotpAlgorithm.SHA256, period = 60u)
        assertEquals(1u, accountCode(sha256, 59L).secondsRemaining)
        val tooShort = assertThrows<MfaException.InvalidInput> { accountCode(a.copy(digits = 5u)) }
        assertEquals("digits", tooShort.field)
    }

    @Test
    fun `malformed URIs are InvalidInput naming the part at fault`() {
        val s = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        val cases = mapOf(
            "https://example.com/?secret=$s" to "uri",
            "otpauth://hotp/A:b?secret=$s&counter=0" to "uri",
            "otpauth://totp/A:b" to "secret",
            "otpauth://totp/A:b?secret=not-base32!" to "secret",
            "otpauth://totp/A:b?secret=$s&digits=5" to "digits",
            "otpauth://totp/A:b?secret=$s&digits=9" to "digits",
            "otpauth://totp/A:b?secret=$s&period=0" to "period",
            "otpauth://totp/A:b?secret=$s&algorithm=MD5" to "algorithm",
            "otpauth://totp/:?secret=$s" to "label",
            "otpauth://totp/A:b%00?secret=$s" to "label",
            "otpauth://totp/A:b?secret=$s&issuer=B" to "issuer",
            "otpauth://totp/A:b?secret=$s&x=" + "y".repeat(5000) to "uri",
        )
        for ((uri, field) in cases) {
            val e = assertThrows<MfaException.InvalidInput>(uri.take(60)) { parseOtpauthUri(uri) }
            assertEquals(field, e.field, uri.take(60))
            assertEquals("invalid_input", e.code())
        }
    }

    @Test
    fun `the vault keeps accounts and round-trips through JSON`() {
        Vault().use { vault ->
            vault.addUri(RFC_URI)
            vault.addUri("otpauth://totp/Bank:bob?secret=JBSWY3DPEHPK3PXP&issuer=Bank")
            assertEquals(2u, vault.count())
            assertThrows<MfaException.AlreadyExists> { vault.addUri(RFC_URI) }
            val codes = vault.codes(59L)
            assertEquals(listOf("Example", "Bank"), codes.map { it.issuer })
            assertEquals("94287082", codes[0].code)

            val json = vault.toJson()
            Vault.fromJson(json).use { copy ->
                assertEquals(vault.accounts(), copy.accounts())
                assertTrue(copy.remove("Bank", "bob"))
                assertFalse(copy.remove("Bank", "bob"))
                assertEquals(1u, copy.count())
            }
            assertThrows<MfaException.InvalidInput> { Vault.fromJson("""{"version": 99, "accounts": []}""") }
        }
    }

    @Test
    fun `the console authenticator prints the code and the countdown`() {
        val out = ByteArrayOutputStream()
        val status = runAuthenticator(arrayOf(RFC_URI, "--once", "--time=59"), PrintStream(out, true))
        val text = out.toString()
        assertEquals(0, status, text)
        assertTrue(text.contains("Example"), text)
        assertTrue(text.contains("alice@example.com"), text)
        assertTrue(text.contains("9428 7082"), text)
        assertTrue(text.contains("1s"), text)

        val err = ByteArrayOutputStream()
        val bad = runAuthenticator(arrayOf("otpauth://hotp/x?secret=AAAA", "--once"), PrintStream(err, true))
        assertEquals(2, bad)
        assertTrue(err.toString().contains("invalid_input"), err.toString())
    }
}
