//! The one rule for "in CI" (not a module of the binary: build.rs and a unit test include it
//! by path), shared by build.rs (which emits `cfg(ftpsh_ci)` for every test)
//! and the unit test that pins it down: `CI` set to anything but "", "0" or "false" (any case,
//! surrounding blanks ignored). `CI=false` is a machine saying it is not CI.

/// Whether the value of the `CI` environment variable (None when unset) means CI.
pub fn means_ci(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
    })
}
