// What a ky user imports.
export { default } from "ky";
