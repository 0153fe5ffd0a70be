/**
 * @module dashboard/client-types
 * For type-checking the browser code (tsconfig.dashboard.json): `./uPlot.esm.js` is served
 * beside the client's modules from the uplot package, so it does not exist in
 * dashboard/client/; its types are the package's.
 */
declare module "*/uPlot.esm.js" {
  import uPlot from "uplot";
  export default uPlot;
}
