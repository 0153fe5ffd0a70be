/**
 * @module dashboard/client-files
 * The dashboard's browser files and uPlot's dist files are imported by the Worker as text
 * (wrangler.toml [[rules]] type "Text"): their default export is the file's content.
 */
declare module "../dashboard/client/*" {
  const text: string;
  export default text;
}

declare module "uplot/dist/*" {
  const text: string;
  export default text;
}
