//! The wasm module of the npm package `tokenfetch`: the library's `AuthClient` class, linked
//! `no_std` with a small allocator and a panic handler that traps.
//!
//! Nothing here links Rust's `std`, so its panic and formatting machinery (about 7.7 KB gzipped,
//! measured) stays out of the package. The library never panics on purpose; should it, the call
//! traps (`unreachable`) as `panic = "abort"` would, without printing a message nobody sees.
#![cfg_attr(target_arch = "wasm32", no_std)]

pub use tokenfetch::AuthClient;

/// One thread, no reentrancy into the allocator: what `AssumeSingleThreaded` asks for holds on
/// the wasm32 target this module is built for.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    // SAFETY: wasm32-unknown-unknown without the atomics feature runs on one thread.
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
