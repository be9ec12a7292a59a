//! QR codes for `otpauth://` URIs: SVG, an SVG `data:` URL, and a terminal rendering.

use crate::crypto::b64;
use crate::error::{MfaError, Result};
use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode};

fn encode(data: &str) -> Result<QrCode> {
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| MfaError::setup_failed(format!("cannot build QR code: {e}")))
}

/// The QR code of `data` as a standalone SVG document.
pub fn svg(data: &str) -> Result<String> {
    Ok(encode(data)?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// The SVG as a `data:image/svg+xml;base64,…` URL, usable as an `<img src>`.
pub fn svg_data_url(svg: &str) -> String {
    format!("data:image/svg+xml;base64,{}", b64(svg.as_bytes()))
}

/// The QR code drawn with Unicode half blocks, for printing to a terminal.
pub fn terminal(data: &str) -> Result<String> {
    Ok(encode(data)?
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build())
}
