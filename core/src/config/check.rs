//! Range and text checks whose errors name the option by its path.

use crate::error::{MfaError, Result};

/// `value` within `lo..=hi`.
pub(super) fn ranged(value: u32, field: &str, lo: u32, hi: u32) -> Result<()> {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(MfaError::invalid(
            field,
            format!("must be between {lo} and {hi}"),
        ))
    }
}

/// `value` one of `allowed`.
pub(super) fn one_of<T: PartialEq>(
    value: T,
    allowed: &[T],
    field: &str,
    reason: &str,
) -> Result<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(MfaError::invalid(field, reason))
    }
}

/// A text of 1 to `max` bytes without NUL, trimmed in place.
pub(super) fn text(value: &mut String, field: &str, max: usize) -> Result<()> {
    let v = value.trim();
    if v.is_empty() || v.len() > max || v.contains('\0') {
        return Err(MfaError::invalid(
            field,
            format!("must be 1 to {max} characters without NUL"),
        ));
    }
    *value = v.to_string();
    Ok(())
}
