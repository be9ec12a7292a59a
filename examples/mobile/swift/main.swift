// A command-line authenticator on the PlintoMFA Swift package: give it the otpauth:// URI a
// server shows and it prints the live code with a countdown. The same calls work in an iOS
// app (SwiftUI: refresh a `Text` from a one-second `Timer`).
//
// Build on macOS (not built in this repository's CI):
//   bindings-swift/build-xcframework.sh          # once: the XCFramework the package links
//   cd examples/mobile/swift && swift run authenticator 'otpauth://totp/Acme:alice?secret=...'

import Foundation
import PlintoMFA

func render(_ account: OtpAccount, _ code: AuthenticatorCode) -> String {
    let digits = Array(code.code)
    let half = (digits.count + 1) / 2
    let grouped = String(digits[..<half]) + " " + String(digits[half...])
    let width = 20
    let period = Int(account.period)
    let filled = (Int(code.secondsRemaining) * width + period - 1) / period
    let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
    return "  \(grouped)  [\(bar)]  \(code.secondsRemaining)s"
}

let arguments = CommandLine.arguments.dropFirst()
let once = arguments.contains("--once")
guard let uri = arguments.first(where: { !$0.hasPrefix("--") }) else {
    print("usage: authenticator 'otpauth://totp/Issuer:account?secret=...' [--once]")
    exit(2)
}

do {
    let account = try parseOtpauthUri(uri: uri)
    print("\(account.issuer ?? "(no issuer)")  \(account.accountName)  (\(account.digits) digits, every \(account.period)s)")
    while true {
        let code = try accountCode(account: account, time: nil)
        if once {
            print(render(account, code))
            break
        }
        print("\r" + render(account, code) + "   ", terminator: "")
        fflush(stdout)
        let now = Date().timeIntervalSince1970
        Thread.sleep(forTimeInterval: 1.0 - (now - now.rounded(.down)))
    }
} catch let error as MfaError {
    print("Not a usable authenticator URI (\(error.code())): \(error)")
    exit(2)
} catch {
    print("Unexpected error: \(error)")
    exit(1)
}
