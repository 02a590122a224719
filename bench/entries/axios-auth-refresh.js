// What an axios + axios-auth-refresh user imports (one bundle, as an app would ship them).
export { default as axios } from "axios";
export { default as createAuthRefreshInterceptor } from "axios-auth-refresh";
