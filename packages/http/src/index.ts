export * as Api from "./Api.js"
export * as Wire from "./Wire.js"
export * as WireErrors from "./WireErrors.js"
