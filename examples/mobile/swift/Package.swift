// swift-tools-version:5.7
// The Swift authenticator sample; depends on the PlintoMFA package in bindings-swift/.
import PackageDescription

let package = Package(
    name: "PlintoAuthenticatorSample",
    platforms: [.macOS(.v12)],
    dependencies: [.package(path: "../../../bindings-swift")],
    targets: [
        .executableTarget(
            name: "authenticator",
            dependencies: [.product(name: "PlintoMFA", package: "bindings-swift")],
            path: ".",
            sources: ["main.swift"]
        ),
    ]
)
