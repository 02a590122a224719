// What an oidc-client-ts user imports.
export { UserManager } from "oidc-client-ts";
