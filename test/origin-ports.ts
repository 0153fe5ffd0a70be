/**
 * @module test/origin-ports
 * The ports of the real Node origins that test/setup/origins.ts starts for the workerd
 * tests (binding ORIGINS); shared by the setup, the helpers and the typed test env.
 */
export interface OriginPorts {
  hello: number;
  helloV2: number;
  helloV3: number;
  echo: number;
  lab: number;
  dead: number;
  failing: number;
  recorder: number;
  unavailable: number;
  flaky: number;
  rawStatus: number;
}
