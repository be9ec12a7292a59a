// The operation conformance vectors (tests/vectors/operations/*.json) through the Kotlin
// engine's JSON entry point, and a check that every core operation is a method here.
package dev.plinto.mfa

import dev.plinto.mfa.core.MfaException
import java.io.File
import java.nio.file.Files
import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import org.junit.jupiter.api.Test

private const val CONFORMANCE_KEY = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"

class ConformanceTest {
    private val vectors = File(File(System.getProperty("plinto.repo.root") ?: "../.."), "tests/vectors")

    private fun resolve(v: Any?, saved: Map<String, Any?>): Any? = when {
        v is String && v.startsWith("$") -> {
            val parts = v.drop(1).split(".")
            assertTrue(parts[0] in saved, "nothing saved as $v")
            parts.drop(1).fold(saved[parts[0]]) { cur, p ->
                when (cur) {
                    is JSONArray -> cur.opt(p.toInt())
                    is JSONObject -> cur.opt(p)
                    else -> null
                }
            }
        }
        v is JSONObject -> JSONObject().also { o -> v.keys().forEach { k -> o.put(k, resolve(v.get(k), saved)) } }
        v is JSONArray -> JSONArray().also { a -> (0 until v.length()).forEach { a.put(resolve(v.get(it), saved)) } }
        else -> v
    }

    private fun matches(pattern: Any?, got: Any?): Boolean {
        val present = got != null && got != JSONObject.NULL
        return when {
            pattern == "\$absent" -> !present
            pattern == "\$present" -> present
            pattern == "\$string" -> got is String
            pattern == "\$number" -> got is Number
            pattern is JSONArray -> got is JSONArray && got.length() == pattern.length() &&
                (0 until pattern.length()).all { matches(pattern.get(it), got.get(it)) }
            pattern is JSONObject -> got is JSONObject && pattern.keys().asSequence().all { matches(pattern.get(it), got.opt(it)) }
            pattern is Number && got is Number -> pattern.toLong() == got.toLong()
            else -> pattern == got
        }
    }

    @TestFactory
    fun `every vector passes through the Kotlin engine`(): List<DynamicTest> =
        File(vectors, "operations").listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }.map { file ->
            DynamicTest.dynamicTest(file.name) {
                val vector = JSONObject(file.readText())
                val dir = Files.createTempDirectory("plinto-kotlin-conformance-")
                val options = JSONObject("""{"password": {"memoryKib": 64, "iterations": 1}}""")
                vector.optJSONObject("options")?.let { extra -> extra.keys().forEach { options.put(it, extra.get(it)) } }
                val engine = Engine(dir.resolve("p.db").toString(), CONFORMANCE_KEY, options.toString())
                val saved = mutableMapOf<String, Any?>("key" to CONFORMANCE_KEY)
                val steps = vector.getJSONArray("steps")
                for (i in 0 until steps.length()) {
                    val step = steps.getJSONObject(i)
                    val op = step.getString("op")
                    val at = "${file.name} step $i ($op)"
                    val args = resolve(step.getJSONObject("args"), saved).toString()
                    val expect = step.getJSONObject("expect")
                    try {
                        val result = JSONObject("""{"v": ${engine.callJson(op, args)}}""").get("v")
                        assertTrue(expect.has("ok"), "$at: expected an error, got $result")
                        assertTrue(matches(expect.get("ok"), result), "$at: $result does not match ${expect.get("ok")}")
                        if (step.has("save")) saved[step.getString("save")] = result
                    } catch (e: MfaException) {
                        assertTrue(expect.has("error"), "$at: $e")
                        val got = JSONObject().put("code", e.code())
                        if (e is MfaException.InvalidInput) got.put("field", e.field).put("reason", e.reason)
                        assertTrue(matches(expect.get("error"), got), "$at: $got does not match ${expect.get("error")}")
                    }
                }
                engine.close()
                dir.toFile().deleteRecursively()
            }
        }

    @Test
    fun `every core operation is a method of the engine or a function of the library`() {
        val table = JSONObject(File(vectors, "operations.json").readText()).getJSONArray("operations")
        val methods = Engine::class.java.methods.map { it.name }.toSet()
        val functions = Class.forName("dev.plinto.mfa.Plinto_mfaKt").methods.map { it.name }.toSet()
        for (i in 0 until table.length()) {
            val op = table.getJSONObject(i)
            val name = op.getString("name").split('_').mapIndexed { n, w -> if (n == 0) w else w.replaceFirstChar(Char::uppercase) }.joinToString("")
            val where = if (op.getBoolean("stateless")) functions else methods
            assertTrue(name in where, "${op.getString("name")} has no $name in the Kotlin library")
        }
        assertEquals(table.length(), (0 until table.length()).map { table.getJSONObject(it).getString("name") }.toSet().size)
    }
}
