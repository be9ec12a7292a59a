//! `uniffi-bindgen`: generates the Swift and Kotlin sources from the built library.

fn main() {
    uniffi::uniffi_bindgen_main()
}
