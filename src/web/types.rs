//! The TypeScript surface: hand-written interfaces from the contract, and the JS types that
//! exported signatures refer to, so the generated `.d.ts` says what the runtime does (no `any`).

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("types.d.ts");

#[wasm_bindgen]
extern "C" {
    /// `AuthClientOptions` in `types.d.ts`.
    #[wasm_bindgen(typescript_type = "AuthClientOptions")]
    #[derive(Debug)]
    pub type AuthClientOptions;

    /// `AuthRequestInit` in `types.d.ts`: `RequestInit` plus `auth?: boolean`.
    #[wasm_bindgen(typescript_type = "AuthRequestInit")]
    #[derive(Debug)]
    pub type AuthRequestInit;
}
